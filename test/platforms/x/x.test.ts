import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { AccountSettings } from "../../../src/domain/Config.js"
import type { Call } from "../../../src/domain/Plan.js"
import type { SecretKey } from "../../../src/domain/Platform.js"
import * as X from "../../../src/platforms/x/policy.js"
import * as XRefresh from "../../../src/platforms/x/refresh.js"
import type { Refresher } from "../../../src/services/Refreshers.js"
import { connection, secretBag } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"

const confidential = { client_id: "x-cid", client_secret: "x-csecret", access_token: "x-at-old", refresh_token: "x-rt-old" }
const publicClient = { client_id: "x-cid", access_token: "x-at-old", refresh_token: "x-rt-old" }

const ok = json(200, {
  token_type: "bearer",
  expires_in: 7200,
  access_token: "x-at-new",
  scope: "tweet.read users.read offline.access",
  refresh_token: "x-rt-new"
})

const deadToken = { error: "invalid_request", error_description: "Value passed for the token was invalid." }

const run = (
  handler: Handler,
  values: Partial<Record<SecretKey, string>> = confidential,
  settings: AccountSettings = {}
) =>
  Effect.gen(function*() {
    const conn = connection("x", settings)
    const http = makeMemoryHttp(handler)
    const refresher: Refresher = yield* XRefresh.make.pipe(Effect.provide(http.layer))
    const now = yield* DateTime.now
    const ctx = { connection: conn, secrets: secretBag(conn, values), now }
    const plan = (yield* refresher.plan(ctx)) as Call
    const outcome = yield* refresher.execute(ctx, plan)
    return { outcome, seen: http.seen, plan }
  })

describe("X policy (pure)", () => {
  it("always plans a rotation that writes both tokens", () => {
    const plan = X.planX()
    assert.strictEqual(plan._tag, "Call")
    assert.deepStrictEqual(plan, {
      _tag: "Call",
      action: "rotated",
      readOnly: false,
      writes: ["refresh_token", "access_token"],
      detail: "would rotate the refresh token (X refresh tokens are single-use)"
    })
  })

  it("a dry run reports the current access token's recorded expiry (auth status showed '-')", () => {
    const plan = X.planX("2026-12-02T03:55:00Z")
    assert.strictEqual(plan._tag === "Call" ? plan.expiresAt : undefined, "2026-12-02T03:55:00Z")
  })

  it("outcomeOf: a new refresh token is a rotation; none keeps the old one", () => {
    const now = DateTime.unsafeMake("2026-05-01T10:00:00Z")
    const rotated = X.outcomeOf(now, {
      expires_in: 7200,
      access_token: Redacted.make("a"),
      refresh_token: Redacted.make("r")
    })!
    assert.strictEqual(rotated.action, "rotated")
    assert.strictEqual(rotated.metadata.access_token_expires_at, "2026-05-01T12:00:00Z")
    assert.strictEqual(rotated.expiresAt, "2026-05-01T12:00:00Z")
    assert.strictEqual(Redacted.value(rotated.secrets.refresh_token!), "r")
    const refreshed = X.outcomeOf(now, { expires_in: 60, access_token: Redacted.make("a") })!
    assert.strictEqual(refreshed.action, "refreshed")
    assert.deepStrictEqual(Object.keys(refreshed.secrets), ["access_token"])
    assert.strictEqual(refreshed.metadata.access_token_expires_at, "2026-05-01T10:01:00Z")
  })

  it("recognises X's dead-token invalid_request by its description", () => {
    assert.isTrue(X.isDeadTokenDescription("Value passed for the token was invalid."))
    assert.isFalse(X.isDeadTokenDescription("Value passed for the authorization code was invalid."))
    assert.isFalse(X.isDeadTokenDescription("Missing required parameter [refresh_token]."))
  })
})

describe("X", () => {
  it.effect("confidential client: Basic auth, no client_id in the body, both new tokens stored", () =>
    Effect.gen(function*() {
      const { outcome, plan, seen } = yield* run(() => ok)
      assert.strictEqual(plan.action, "rotated")
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.method, "POST")
      assert.strictEqual(seen[0]!.url.href, "https://api.x.com/2/oauth2/token")
      assert.strictEqual(seen[0]!.headers["authorization"], `Basic ${btoa("x-cid:x-csecret")}`)
      assert.include(seen[0]!.headers["content-type"]!, "application/x-www-form-urlencoded")
      assert.deepStrictEqual(seen[0]!.form, { grant_type: "refresh_token", refresh_token: "x-rt-old" })
      assert.strictEqual(outcome.action, "rotated")
      assert.strictEqual(Redacted.value(outcome.secrets.refresh_token!), "x-rt-new")
      assert.strictEqual(Redacted.value(outcome.secrets.access_token!), "x-at-new")
      // TestClock starts at the epoch; X access tokens last 2 hours
      assert.deepStrictEqual(outcome.metadata, { access_token_expires_at: "1970-01-01T02:00:00Z" })
      assert.strictEqual(outcome.expiresAt, "1970-01-01T02:00:00Z")
      assert.isUndefined(outcome.alert)
      assert.notInclude(outcome.detail, "x-rt-new")
    }))

  it.effect("public client: client_id in the body and no Authorization header", () =>
    Effect.gen(function*() {
      const { outcome, seen } = yield* run(() => ok, publicClient)
      assert.isUndefined(seen[0]!.headers["authorization"])
      assert.deepStrictEqual(seen[0]!.form, { grant_type: "refresh_token", refresh_token: "x-rt-old", client_id: "x-cid" })
      assert.strictEqual(outcome.action, "rotated")
    }))

  it.effect("the token endpoint can be overridden in config", () =>
    Effect.gen(function*() {
      const { seen } = yield* run(() => ok, confidential, {
        endpoints: { token: "http://127.0.0.1:8080/2/oauth2/token" }
      })
      assert.strictEqual(seen[0]!.url.href, "http://127.0.0.1:8080/2/oauth2/token")
    }))

  it.effect("token_type is compared case-insensitively; a non-bearer type is a warning, and the rotated token is kept", () =>
    Effect.gen(function*() {
      const { outcome } = yield* run(() => json(200, { token_type: "Bearer", expires_in: 7200, access_token: "a", refresh_token: "r" }))
      assert.strictEqual(outcome.action, "rotated")
      assert.notInclude(outcome.detail, "token_type")
      const mac = yield* run(() => json(200, { token_type: "mac", expires_in: 7200, access_token: "a", refresh_token: "r" }))
      assert.strictEqual(mac.outcome.action, "rotated")
      assert.strictEqual(Redacted.value(mac.outcome.secrets.refresh_token!), "r")
      assert.include(mac.outcome.detail, `its token_type is "mac", not bearer`)
    }))

  it.effect("an empty refresh_token is never stored: the current one is kept", () =>
    Effect.gen(function*() {
      const { outcome } = yield* run(() => json(200, { token_type: "bearer", expires_in: 7200, access_token: "a", refresh_token: "" }))
      assert.strictEqual(outcome.action, "refreshed")
      assert.deepStrictEqual(Object.keys(outcome.secrets), ["access_token"])
    }))

  it.effect("dead token as HTTP 400 invalid_request: re-auth, not retried", () =>
    Effect.gen(function*() {
      const http = { count: 0 }
      const error = yield* run(() => {
        http.count++
        return json(400, deadToken)
      }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RefreshRejected")
      assert.strictEqual(http.count, 1)
      assert.notInclude(error.message, "x-rt-old")
    }))

  it.effect("dead token as invalid_grant: re-auth", () =>
    Effect.gen(function*() {
      const error = yield* run(() => json(400, { error: "invalid_grant", error_description: "Value passed for the token was invalid." }))
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "RefreshRejected")
    }))

  it.effect("401 unauthorized_client (no Basic header on a confidential client) is a client problem", () =>
    Effect.gen(function*() {
      const error = yield* run(
        () => json(401, { error: "unauthorized_client", error_description: "Missing valid authorization header" }),
        publicClient
      ).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ClientRejected")
      assert.include(error.message, "Missing valid authorization header")
    }))

  it.effect("another invalid_request is a client problem, not re-auth", () =>
    Effect.gen(function*() {
      const error = yield* run(() => json(400, { error: "invalid_request", error_description: "Missing required parameter [grant_type]." }))
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "ClientRejected")
    }))

  it.effect("429 with X's code 88 body and Retry-After waits at least that long", () =>
    Effect.gen(function*() {
      const fiber = yield* run((_, i) =>
        i === 0 ? json(429, { errors: [{ code: 88, message: "Rate limit exceeded" }] }, { "retry-after": "5" }) : ok
      ).pipe(Effect.fork)
      yield* TestClock.adjust("4 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("2 seconds")
      const { outcome, seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(outcome.action, "rotated")
    }))

  it.effect("a body missing access_token still rotates: the new refresh token is kept, and the report says what was missing", () =>
    Effect.gen(function*() {
      const { outcome } = yield* run(() => json(200, { token_type: "bearer", expires_in: 7200, refresh_token: "r" }))
      assert.strictEqual(outcome.action, "rotated")
      assert.deepStrictEqual(Object.keys(outcome.secrets), ["refresh_token"])
      assert.include(outcome.detail, "no usable access token")
      const none = yield* run(() => json(200, { token_type: "bearer", expires_in: 7200 })).pipe(Effect.flip)
      assert.strictEqual(none._tag, "MalformedResponse")
    }))

  it.effect("a missing refresh token fails in plan, naming the env variable, with no request", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => ok)
      const refresher = yield* XRefresh.make.pipe(Effect.provide(http.layer))
      const conn = connection("x")
      const now = yield* DateTime.now
      const error = yield* refresher
        .plan({ connection: conn, secrets: secretBag(conn, { client_id: "x-cid", client_secret: "s" }), now })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "SecretMissing")
      assert.include(error.message, "X_REFRESH_TOKEN")
      assert.strictEqual(http.seen.length, 0)
    }))

  it.effect("a missing client id fails in plan, naming the account's env variable", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => ok)
      const refresher = yield* XRefresh.make.pipe(Effect.provide(http.layer))
      const conn = connection("x", {}, "brand")
      const now = yield* DateTime.now
      const error = yield* refresher
        .plan({ connection: conn, secrets: secretBag(conn, { refresh_token: "r" }), now })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "SecretMissing")
      assert.include(error.message, "X_BRAND_CLIENT_ID")
      assert.strictEqual(http.seen.length, 0)
    }))
})
