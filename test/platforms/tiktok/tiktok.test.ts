import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { Call } from "../../../src/domain/Plan.js"
import * as TikTokRefresh from "../../../src/platforms/tiktok/refresh.js"
import type { Refresher } from "../../../src/services/Refreshers.js"
import { connection, secretBag } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"

const conn = connection("tiktok", {})
const secrets = secretBag(conn, { client_key: "ck-1", client_secret: "cs-1", refresh_token: "rft-old" })

const ok = json(200, {
  open_id: "abc",
  scope: "user.info.basic,video.list",
  access_token: "act-new",
  expires_in: 7200,
  refresh_token: "rft-new",
  refresh_expires_in: 15_552_000,
  token_type: "Bearer"
})

const run = (handler: Handler) =>
  Effect.gen(function*() {
    const http = makeMemoryHttp(handler)
    const refresher: Refresher = yield* TikTokRefresh.make.pipe(Effect.provide(http.layer))
    const now = yield* DateTime.now
    const ctx = { connection: conn, secrets, now }
    const plan = (yield* refresher.plan(ctx)) as Call
    const outcome = yield* refresher.execute(ctx, plan)
    return { outcome, seen: http.seen, plan }
  })

describe("TikTok", () => {
  it.effect("rotates with client_key and stores both new tokens with their expiries", () =>
    Effect.gen(function*() {
      const { outcome, plan, seen } = yield* run(() => ok)
      assert.strictEqual(plan.action, "rotated")
      assert.deepStrictEqual(plan.writes, ["refresh_token", "access_token"])
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.method, "POST")
      assert.strictEqual(seen[0]!.url.href, "https://open.tiktokapis.com/v2/oauth/token/")
      assert.deepStrictEqual(seen[0]!.form, {
        client_key: "ck-1",
        client_secret: "cs-1",
        grant_type: "refresh_token",
        refresh_token: "rft-old"
      })
      assert.strictEqual(outcome.action, "rotated")
      assert.strictEqual(Redacted.value(outcome.secrets.refresh_token!), "rft-new")
      assert.strictEqual(Redacted.value(outcome.secrets.access_token!), "act-new")
      // TestClock starts at the epoch
      assert.strictEqual(outcome.metadata.access_token_expires_at, "1970-01-01T02:00:00Z")
      assert.strictEqual(outcome.metadata.refresh_token_expires_at, "1970-06-30T00:00:00Z")
      assert.isUndefined(outcome.alert)
    }))

  it.effect("invalid_client is a client-credentials problem, not re-auth", () =>
    Effect.gen(function*() {
      const error = yield* run(() => json(401, { error: "invalid_client", error_description: "bad key" })).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ClientRejected")
    }))

  it.effect("an empty refresh_token is never stored: the current one is kept", () =>
    Effect.gen(function*() {
      const { outcome } = yield* run(() => json(200, { access_token: "a", expires_in: 1, refresh_token: "" }))
      assert.strictEqual(outcome.action, "refreshed")
      assert.deepStrictEqual(Object.keys(outcome.secrets), ["access_token"])
    }))

  it.effect("server_error then 503 then success: retried with backoff", () =>
    Effect.gen(function*() {
      const fiber = yield* run((_, i) =>
        i === 0 ? json(200, { error: "server_error" }) : i === 1 ? json(503, {}) : ok
      ).pipe(Effect.fork)
      yield* TestClock.adjust("10 seconds")
      const { outcome, seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 3)
      assert.strictEqual(outcome.action, "rotated")
    }))

  it.effect("429 with Retry-After waits at least that long", () =>
    Effect.gen(function*() {
      const fiber = yield* run((_, i) => (i === 0 ? json(429, {}, { "retry-after": "5" }) : ok)).pipe(Effect.fork)
      yield* TestClock.adjust("4 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("2 seconds")
      const { seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
    }))

  it.effect("always 503: bounded attempts, then ProviderUnavailable", () =>
    Effect.gen(function*() {
      const fiber = yield* run(() => json(503, {})).pipe(Effect.flip, Effect.fork)
      yield* TestClock.adjust("60 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ProviderUnavailable")
      assert.include(error.message, "4 attempts")
    }))

  it.effect("a missing client_secret fails before any call, naming the env variable", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => ok)
      const refresher = yield* TikTokRefresh.make.pipe(Effect.provide(http.layer))
      const now = yield* DateTime.now
      const error = yield* refresher
        .plan({ connection: conn, secrets: secretBag(conn, { client_key: "k", refresh_token: "r" }), now })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "SecretMissing")
      assert.include(error.message, "TIKTOK_CLIENT_SECRET")
      assert.strictEqual(http.seen.length, 0)
    }))

  it.effect("warns when the new refresh token expires within reauth_warn_days", () =>
    Effect.gen(function*() {
      const { outcome } = yield* run(() =>
        json(200, { access_token: "a", expires_in: 7200, refresh_token: "r2", refresh_expires_in: 10 * 86400 })
      )
      assert.strictEqual(outcome.alert, true)
      assert.strictEqual(outcome.reauthBy, "1970-01-11T00:00:00Z")
    }))
})
