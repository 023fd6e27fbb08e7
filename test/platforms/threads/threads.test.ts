/**
 * What is Threads' own (PROVIDERS §1d) beside the Meta long-lived core it shares with
 * Instagram: the th_ grant names on graph.threads.net, the Threads app id in every
 * message about app credentials, and the token never in a URL herald prints.
 */
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { connectionsOf } from "../../../src/domain/Connection.js"
import { ClientRejected } from "../../../src/domain/errors.js"
import { authorizeUrl, resolveScopes } from "../../../src/platforms/login/flow.js"
import { platform } from "../../../src/platforms/threads/index.js"
import { model } from "../../../src/platforms/threads/model.js"
import { validateConfig } from "../../../src/programs/configCatalog.js"
import { statusOfError } from "../../../src/programs/statusOfError.js"
import { connection, secretBag } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"
import { answerOf } from "../../support/modelHttp.js"

const NOW = Date.parse("2026-11-22T12:00:00Z")
const TOKEN = "SENTINEL-THREADS-LONG-LIVED-7c1d"
// issued 2026-11-02: twenty days old
const aged = { access_token_expires_at: "2027-01-01T00:00:00Z" }

/** The clock is placed by each test in its own fiber, never inside `refresh` (a forked setTime and adjust would wait on each other). */
const placeClock = TestClock.setTime(NOW)

const refresh = (handler: Handler, settings: Record<string, string> = aged) =>
  Effect.gen(function*() {
    const conn = connection("threads", settings)
    const http = makeMemoryHttp(handler)
    const refresher = yield* platform.make.pipe(Effect.provide(http.layer))
    const ctx = { connection: conn, secrets: secretBag(conn, { access_token: TOKEN }), now: yield* DateTime.now }
    const plan = yield* refresher.plan(ctx)
    if (plan._tag !== "Call") return yield* Effect.dieMessage(`expected a Call, got ${plan.action}`)
    const outcome = yield* Effect.either(refresher.execute(ctx, plan))
    return { outcome, seen: http.seen }
  })

describe("Threads", () => {
  it.effect("refreshes by GET graph.threads.net/refresh_access_token with th_refresh_token and the token in the query", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome, seen } = yield* refresh(() => json(200, { access_token: "THnew", token_type: "bearer", expires_in: 5_183_944 }))
      assert.strictEqual(seen.length, 1)
      const [req] = seen
      assert.strictEqual(req!.method, "GET")
      assert.strictEqual(`${req!.url.origin}${req!.url.pathname}`, "https://graph.threads.net/refresh_access_token")
      assert.deepStrictEqual(Object.fromEntries(req!.url.searchParams), { grant_type: "th_refresh_token", access_token: TOKEN })
      const done = Either.getOrThrow(outcome)
      assert.strictEqual(done.action, "refreshed")
      assert.deepStrictEqual(Object.keys(done.secrets), ["access_token"])
      assert.strictEqual(done.expiresAt, "2027-01-21T11:59:04Z")
    }))

  it.effect("a refusal of a token that may be under 24 h old is Threads declining, not a fault", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* refresh(
        () => json(400, { error: { message: "Unsupported request", type: "OAuthException", code: 100 } }),
        {}
      )
      const done = Either.getOrThrow(outcome)
      assert.strictEqual(done.action, "healthy")
      assert.include(done.detail, "Threads declined to refresh a token of unknown age")
    }))

  it("a recorded expiry in the past asks Threads once more, and names auth login threads", () => {
    const conn = connection("threads", { access_token_expires_at: "2026-11-20T08:00:00Z" })
    return Effect.runPromise(
      Effect.gen(function*() {
        const refresher = yield* platform.make.pipe(Effect.provide(makeMemoryHttp(() => json(500, {})).layer))
        const plan = yield* refresher.plan({ connection: conn, secrets: secretBag(conn, { access_token: TOKEN }), now: DateTime.unsafeMake(NOW) })
        assert.strictEqual(plan.detail, "the recorded expiry 2026-11-20 has passed; a real run asks Threads once more, and if it refuses, run herald auth login threads")
      })
    )
  })

  it.effect("a dead or failed call never carries the token into what herald says (it rides in the query)", () =>
    Effect.gen(function*() {
      for (const handler of [
        (() => ({ network: "reset" })) as Handler,
        () => json(503, { error: { message: "Service temporarily unavailable", code: 2 } }),
        () => json(400, { error: { message: "Error validating access token: Session has expired", type: "OAuthException", code: 190, error_subcode: 463 } })
      ]) {
        yield* placeClock
        // the transient ones are retried with backoff: the clock is moved past it
        const fiber = yield* Effect.fork(refresh(handler))
        yield* TestClock.adjust("1 hour")
        const { outcome } = yield* Fiber.join(fiber)
        const error = yield* Either.match(outcome, { onLeft: Effect.succeed, onRight: () => Effect.dieMessage("expected a failure") })
        const status = statusOfError(connection("threads", aged), error, DateTime.unsafeMake(NOW))
        assert.notInclude(JSON.stringify(error), TOKEN)
        assert.notInclude(JSON.stringify(status), TOKEN)
      }
    }))

  it("login: the Threads app id under client_id, comma-separated scopes, no PKCE", () => {
    const { scopes } = resolveScopes(platform.login, Option.none())
    const url = new URL(authorizeUrl(platform.login, {
      endpoint: platform.descriptor.endpoints.authorize,
      clientId: "1234567890",
      redirectUri: "http://127.0.0.1:8765/callback",
      state: "st",
      scopes,
      challenge: Option.none()
    }))
    assert.strictEqual(`${url.origin}${url.pathname}`, "https://threads.net/oauth/authorize")
    assert.strictEqual(url.searchParams.get("client_id"), "1234567890")
    assert.strictEqual(url.searchParams.get("scope"), "threads_basic,threads_content_publish")
    assert.isNull(url.searchParams.get("code_challenge"))
    assert.strictEqual(platform.login.credentials.id, "app_id")
    assert.strictEqual(platform.login.credentials.secret, "app_secret")
    assert.deepStrictEqual(platform.descriptor.appCredentials.words, { id: "Threads app ID", secret: "Threads app secret" })
  })

  it("a refused client names THREADS_APP_ID / THREADS_APP_SECRET, for each account", () => {
    const connections = connectionsOf(Either.getOrThrow(validateConfig({ platforms: { threads: { accounts: { brand: {} } } } })))
    const details = connections.map((c) =>
      statusOfError(c, new ClientRejected({ platform: "threads", account: c.account, reason: "invalid_client" }), DateTime.unsafeMake(NOW)).detail
    )
    assert.include(details[0], "check THREADS_APP_ID / THREADS_APP_SECRET")
    assert.include(details[1], "check THREADS_BRAND_APP_ID / THREADS_BRAND_APP_SECRET")
  })

  it("the config takes app_id (a secret key of its own) and the Meta thresholds", () => {
    const config = Either.getOrThrow(validateConfig({ platforms: { threads: { app_id: "1234", min_refresh_age_hours: 24, lifetime_days: 60 } } }))
    assert.strictEqual(connectionsOf(config)[0]!.settings.app_id, "1234")
  })

  it("its model answers only th_ grants, and /v1.0/me with {id, username}", () => {
    const state = model.init({ appSecret: "s" }, { prefix: "t", now: () => 0 })
    const token = state.tokens.issue("access", "live", { issuedAt: -30 * 86_400_000, expiresAt: 30 * 86_400_000 }).value
    const ask = (url: string) => answerOf(model, state, { method: "GET", url: new URL(url), headers: {}, body: "", form: {} }, 0)
    const wrong = ask(`https://graph.threads.net/refresh_access_token?grant_type=ig_refresh_token&access_token=${token}`)
    assert.strictEqual(wrong.status, 400)
    assert.include(JSON.stringify(wrong.json), "expected th_refresh_token")
    const me = ask(`https://graph.threads.net/v1.0/me?fields=id,username&access_token=${token}`)
    assert.deepStrictEqual(me.json, { id: "17841400000000001", username: "sandbox.creator" })
    assert.strictEqual(ask(`https://graph.threads.net/refresh_access_token?grant_type=th_refresh_token&access_token=${token}`).status, 200)
  })
})
