import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { AccountSettings } from "../../../src/domain/Config.js"
import type { SecretKey } from "../../../src/domain/Platform.js"
import * as YouTube from "../../../src/platforms/youtube/policy.js"
import * as YouTubeRefresh from "../../../src/platforms/youtube/refresh.js"
import { connection, secretBag } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"

const NOW = "2026-11-22T12:00:00Z"
const now = DateTime.unsafeMake(NOW).pipe(DateTime.toUtc)

/** Each test places the clock in its own fiber (a setTime inside a forked `run` would deadlock with adjust). */
const placeClock = TestClock.setTime(Date.parse(NOW))

const allSecrets = { client_id: "cid-1.apps.googleusercontent.com", client_secret: "GOCSPX-secret", refresh_token: "1//rt-old" }

const minted = (extra: Record<string, unknown> = {}) =>
  json(200, {
    access_token: "ya29.a0Example",
    expires_in: 3599,
    scope: "https://www.googleapis.com/auth/youtube.upload",
    token_type: "Bearer",
    ...extra
  })

const run = (
  handler: Handler,
  settings: AccountSettings = {},
  values: Partial<Record<SecretKey, string>> = allSecrets
) =>
  Effect.gen(function*() {
    const conn = connection("youtube", settings)
    const http = makeMemoryHttp(handler)
    const refresher = yield* YouTubeRefresh.make.pipe(Effect.provide(http.layer))
    const ctx = { connection: conn, secrets: secretBag(conn, values), now: yield* DateTime.now }
    const plan = yield* refresher.plan(ctx)
    if (plan._tag !== "Call") return yield* Effect.dieMessage(`expected a Call, got ${plan.action}`)
    const outcome = yield* refresher.execute(ctx, plan)
    return { outcome, plan, seen: http.seen }
  })

describe("YouTube policy", () => {
  it("always a read-only health check that writes nothing (so preflight never blocks it)", () => {
    assert.deepStrictEqual(YouTube.planYouTube(now, {}), {
      _tag: "Call",
      action: "healthy",
      readOnly: true,
      writes: [],
      detail: "would mint an access token to check the refresh token"
    })
  })

  it("a recorded refresh-token expiry inside reauth_warn_days is reported before any call", () => {
    const plan = YouTube.planYouTube(now, { refresh_token_expires_at: "2026-11-27T12:00:00Z" })
    assert.strictEqual(plan._tag, "Call")
    assert.strictEqual(plan.alert, true)
    assert.strictEqual(plan.reauthBy, "2026-11-27T12:00:00Z")
    assert.strictEqual(plan.expiresAt, "2026-11-27T12:00:00Z")
    assert.include(plan.detail, "expires in 5 days (2026-11-27)")
  })

  it("a distant recorded expiry is reported without an alert; reauth_warn_days is honoured", () => {
    const far = YouTube.planYouTube(now, { refresh_token_expires_at: "2027-01-22T12:00:00Z" })
    assert.isUndefined(far.alert)
    assert.strictEqual(far.expiresAt, "2027-01-22T12:00:00Z")
    const warned = YouTube.planYouTube(now, { refresh_token_expires_at: "2027-01-22T12:00:00Z", reauth_warn_days: 90 })
    assert.strictEqual(warned.alert, true)
  })
})

describe("YouTube health check", () => {
  it.effect("POSTs the refresh grant as a form and reports healthy with nothing to persist", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome, plan, seen } = yield* run(() => minted())
      assert.strictEqual(plan.readOnly, true)
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.method, "POST")
      assert.strictEqual(seen[0]!.url.href, "https://oauth2.googleapis.com/token")
      assert.include(seen[0]!.headers["content-type"]!, "application/x-www-form-urlencoded")
      assert.deepStrictEqual(seen[0]!.form, {
        grant_type: "refresh_token",
        refresh_token: "1//rt-old",
        client_id: "cid-1.apps.googleusercontent.com",
        client_secret: "GOCSPX-secret"
      })
      assert.deepStrictEqual(outcome, {
        action: "healthy",
        secrets: {},
        metadata: {},
        detail: "refresh token works (minted an access token)"
      })
    }))

  it.effect("an endpoint override from config is used", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { seen } = yield* run(() => minted(), { endpoints: { token: "http://127.0.0.1:9000/token" } })
      assert.strictEqual(seen[0]!.url.href, "http://127.0.0.1:9000/token")
    }))

  it.effect("should Google ever return a refresh token, it is carried out as rotated", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => minted({ refresh_token: "1//rt-new" }))
      assert.strictEqual(outcome.action, "rotated")
      assert.deepStrictEqual(Object.keys(outcome.secrets), ["refresh_token"])
      assert.strictEqual(Redacted.value(outcome.secrets.refresh_token!), "1//rt-new")
      assert.strictEqual(outcome.detail, "Google returned a new refresh token; it replaces the old one")
    }))

  it.effect("an empty or echoed refresh_token in the answer is never stored: the check is healthy", () =>
    Effect.gen(function*() {
      yield* placeClock
      const empty = yield* run(() => minted({ refresh_token: "" }))
      assert.strictEqual(empty.outcome.action, "healthy")
      assert.deepStrictEqual(empty.outcome.secrets, {})
      const echoed = yield* run((req) => minted({ refresh_token: req.form["refresh_token"] }))
      assert.strictEqual(echoed.outcome.action, "healthy")
      assert.deepStrictEqual(echoed.outcome.secrets, {})
    }))

  it.effect("a 7-day refresh token (Testing publishing status) alerts with the date and the fix", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => minted({ refresh_token_expires_in: 604_799 }))
      assert.strictEqual(outcome.action, "healthy")
      assert.deepStrictEqual(outcome.secrets, {})
      assert.deepStrictEqual(outcome.metadata, { refresh_token_expires_at: "2026-11-29T11:59:59Z" })
      assert.strictEqual(outcome.alert, true)
      assert.strictEqual(outcome.reauthBy, "2026-11-29T11:59:59Z")
      assert.strictEqual(outcome.expiresAt, "2026-11-29T11:59:59Z")
      assert.include(outcome.detail, "expires in 6 days (2026-11-29)")
      assert.include(outcome.detail, `"Testing"`)
      assert.include(outcome.detail, `"In production"`)
      assert.include(outcome.detail, "herald auth login youtube")
    }))

  it.effect("a refresh-token expiry beyond reauth_warn_days is recorded without an alert", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => minted({ refresh_token_expires_in: 30 * 86_400 }))
      assert.isUndefined(outcome.alert)
      assert.deepStrictEqual(outcome.metadata, { refresh_token_expires_at: "2026-12-22T12:00:00Z" })
      assert.strictEqual(outcome.detail, "refresh token works (minted an access token); it expires 2026-12-22")
    }))

  it.effect("reauth_warn_days from config moves the threshold", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => minted({ refresh_token_expires_in: 604_799 }), { reauth_warn_days: 3 })
      assert.isUndefined(outcome.alert)
    }))

  it.effect("an expiry recorded by an earlier run still warns when Google omits the field", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => minted(), { refresh_token_expires_at: "2026-11-25T00:00:00Z" })
      assert.strictEqual(outcome.alert, true)
      assert.strictEqual(outcome.reauthBy, "2026-11-25T00:00:00Z")
      // nothing new learnt, nothing rewritten
      assert.deepStrictEqual(outcome.metadata, {})
    }))

  it.effect("a recorded expiry already past, on a token that still works, is stale and ignored", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => minted(), { refresh_token_expires_at: "2026-11-01T00:00:00Z" })
      assert.isUndefined(outcome.alert)
      assert.strictEqual(outcome.detail, "refresh token works (minted an access token)")
    }))

  for (const description of ["Token has been expired or revoked.", "Bad Request"]) {
    it.effect(`invalid_grant "${description}" is a dead refresh token, not retried`, () =>
      Effect.gen(function*() {
        yield* placeClock
        const http = { calls: 0 }
        const error = yield* run(() => {
          http.calls++
          return json(400, { error: "invalid_grant", error_description: description })
        }).pipe(Effect.flip)
        assert.strictEqual(error._tag, "RefreshRejected")
        assert.include(error.message, `invalid_grant: ${description}`)
        assert.notInclude(error.message, "1//rt-old")
        assert.strictEqual(http.calls, 1)
      }))
  }

  it.effect("invalid_client (401) is the app's credentials, not re-auth", () =>
    Effect.gen(function*() {
      yield* placeClock
      const error = yield* run(() => json(401, { error: "invalid_client", error_description: "The OAuth client was not found." }))
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "ClientRejected")
      assert.notInclude(error.message, "GOCSPX-secret")
    }))

  it.effect("admin_policy_enforced needs a human: RefreshRejected", () =>
    Effect.gen(function*() {
      yield* placeClock
      const error = yield* run(() => json(400, { error: "admin_policy_enforced" })).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RefreshRejected")
      assert.include(error.message, "admin_policy_enforced")
    }))

  it.effect("429 with Retry-After waits at least that long", () =>
    Effect.gen(function*() {
      yield* placeClock
      const fiber = yield* run((_, i) => (i === 0 ? json(429, {}, { "retry-after": "5" }) : minted())).pipe(Effect.fork)
      yield* TestClock.adjust("4 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("2 seconds")
      const { seen, outcome } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(outcome.action, "healthy")
    }))

  it.effect("a 200 without access_token is malformed", () =>
    Effect.gen(function*() {
      yield* placeClock
      const error = yield* run(() => json(200, { expires_in: 3599, token_type: "Bearer" })).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MalformedResponse")
      assert.include(error.message, "access_token is missing")
    }))

  for (const [missing, env] of [["client_secret", "YOUTUBE_CLIENT_SECRET"], ["refresh_token", "YOUTUBE_REFRESH_TOKEN"], ["client_id", "YOUTUBE_CLIENT_ID"]] as const) {
    it.effect(`a missing ${missing} fails before any call, naming ${env}`, () =>
      Effect.gen(function*() {
        const conn = connection("youtube")
        const http = makeMemoryHttp(() => minted())
        const refresher = yield* YouTubeRefresh.make.pipe(Effect.provide(http.layer))
        const { [missing]: _dropped, ...rest } = allSecrets
        const ctx = { connection: conn, secrets: secretBag(conn, rest), now }
        const planError = yield* refresher.plan(ctx).pipe(Effect.flip)
        assert.strictEqual(planError._tag, "SecretMissing")
        assert.include(planError.message, env)
        const execError = yield* refresher.execute(ctx, {
          _tag: "Call",
          action: "healthy",
          readOnly: true,
          writes: [],
          detail: ""
        }).pipe(Effect.flip)
        assert.strictEqual(execError._tag, "SecretMissing")
        assert.strictEqual(http.seen.length, 0)
      }))
  }
})

describe("YouTube verify (conformance fixes, issue 15)", () => {
  const verify = (handler: Handler, settings: AccountSettings = {}) =>
    Effect.gen(function*() {
      const conn = connection("youtube", settings)
      const http = makeMemoryHttp(handler)
      const refresher = yield* YouTubeRefresh.make.pipe(Effect.provide(http.layer))
      const check = yield* refresher.verify({ connection: conn, secrets: secretBag(conn, allSecrets), now: yield* DateTime.now })
      return { check, seen: http.seen }
    })

  it.effect("a 400 from the health probe that is not invalid_token is no dead token: unavailable, not invalid", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { check } = yield* verify((req) =>
        req.url.pathname.endsWith("/token")
          ? minted()
          : json(400, { error: "invalid_request", error_description: "access tokens must not be provided via query parameter" })
      )
      assert.strictEqual(check.health, "unavailable")
      assert.include(check.detail, "invalid_request")
    }))

  it.effect("tokeninfo's invalid_token is still a refused token", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { check } = yield* verify((req) =>
        req.url.pathname.endsWith("/token") ? minted() : json(400, { error: "invalid_token", error_description: "Invalid Value" })
      )
      assert.strictEqual(check.health, "invalid")
    }))

  it.effect("overriding only endpoints.token sends the minted token nowhere else: no call to Google's tokeninfo", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { check, seen } = yield* verify(
        (req) => (req.url.host === "127.0.0.1:9" ? minted() : json(200, { aud: "x" })),
        { endpoints: { token: "http://127.0.0.1:9/token" } }
      )
      assert.deepStrictEqual(seen.map((r) => r.url.href), ["http://127.0.0.1:9/token"])
      assert.strictEqual(check.health, "ok")
      assert.include(check.detail, "endpoints.health")
    }))

  it.effect("with both overridden, the health override gets the check", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { check, seen } = yield* verify(
        (req) => (req.url.pathname.endsWith("/token") ? minted() : json(200, { aud: "x" })),
        { endpoints: { token: "http://127.0.0.1:9/token", health: "http://127.0.0.1:9/tokeninfo" } }
      )
      assert.deepStrictEqual(seen.map((r) => `${r.url.origin}${r.url.pathname}`), ["http://127.0.0.1:9/token", "http://127.0.0.1:9/tokeninfo"])
      assert.strictEqual(check.health, "ok")
    }))
})
