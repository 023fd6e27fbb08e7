import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { AccountSettings } from "../../../src/domain/Config.js"
import type { Call, Decided } from "../../../src/domain/Plan.js"
import type { SecretKey } from "../../../src/domain/Platform.js"
import * as LinkedIn from "../../../src/platforms/linkedin/policy.js"
import * as LinkedInRefresh from "../../../src/platforms/linkedin/refresh.js"
import type { Refresher } from "../../../src/services/Refreshers.js"
import { connection, secretBag } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"

const DAY = 86_400
const at = (iso: string) => DateTime.unsafeMake(iso)
const NOW = at("2026-11-22T09:00:00Z")

const standard = { client_id: "li-cid", client_secret: "li-csecret", access_token: "li-at" }
const partner = { client_id: "li-cid", client_secret: "li-csecret", access_token: "li-at", refresh_token: "li-rt" }

const refreshOk = (extra: Record<string, unknown> = {}) =>
  json(200, {
    access_token: "li-at-new",
    expires_in: 60 * DAY,
    refresh_token: "li-rt",
    refresh_token_expires_in: 26_784_000,
    scope: "r_ads,rw_ads",
    ...extra
  })

const deadToken = {
  error: "invalid_request",
  error_description: "The provided authorization grant or refresh token is invalid, expired or revoked"
}

/** TestClock starts at the epoch: move it to `iso` first when the test needs a date. */
const setup = (
  handler: Handler,
  values: Partial<Record<SecretKey, string>>,
  settings: AccountSettings = {},
  account = "default"
) =>
  Effect.gen(function*() {
    const conn = connection("linkedin", settings, account)
    const http = makeMemoryHttp(handler)
    const refresher: Refresher = yield* LinkedInRefresh.make.pipe(Effect.provide(http.layer))
    const now = yield* DateTime.now
    return { refresher, http, ctx: { connection: conn, secrets: secretBag(conn, values), now } }
  })

const planOnly = (
  handler: Handler,
  values: Partial<Record<SecretKey, string>>,
  settings: AccountSettings = {},
  account = "default"
) =>
  Effect.gen(function*() {
    const { ctx, http, refresher } = yield* setup(handler, values, settings, account)
    const plan = yield* refresher.plan(ctx)
    return { plan, seen: http.seen }
  })

const refresh = (handler: Handler, settings: AccountSettings = {}, values: Partial<Record<SecretKey, string>> = partner) =>
  Effect.gen(function*() {
    const { ctx, http, refresher } = yield* setup(handler, values, settings)
    const plan = yield* refresher.plan(ctx)
    assert.strictEqual(plan._tag, "Call")
    const outcome = yield* refresher.execute(ctx, plan as Call)
    return { plan: plan as Call, outcome, seen: http.seen }
  })

describe("LinkedIn policy (pure)", () => {
  const base = { refreshTokenPresent: false, warnDays: 14 }

  it("9 days left: reauth-required, re-auth by the expiry", () => {
    const expiry = at("2026-12-01T09:00:00Z")
    const plan = LinkedIn.planLinkedIn(NOW, { ...base, accessExpiresAt: expiry })
    assert.deepStrictEqual(plan, {
      _tag: "Decided",
      action: "reauth-required",
      alert: true,
      expiresAt: "2026-12-01T09:00:00Z",
      reauthBy: "2026-12-01T09:00:00Z",
      detail: "access token expires in 9 days; run herald auth login linkedin"
    })
  })

  it("40 days left: healthy, no alert", () => {
    const plan = LinkedIn.planLinkedIn(NOW, { ...base, accessExpiresAt: at("2027-01-01T09:00:00Z") })
    assert.deepStrictEqual(plan, {
      _tag: "Decided",
      action: "healthy",
      alert: false,
      expiresAt: "2027-01-01T09:00:00Z",
      detail: "access token valid for 40 more days (until 2027-01-01)"
    })
  })

  it("exactly warnDays left is still healthy; one second less is not", () => {
    const fourteen = LinkedIn.planLinkedIn(NOW, { ...base, accessExpiresAt: at("2026-12-06T09:00:00Z") })
    assert.strictEqual((fourteen as Decided).action, "healthy")
    const justUnder = LinkedIn.planLinkedIn(NOW, { ...base, accessExpiresAt: at("2026-12-06T08:59:59Z") })
    assert.strictEqual((justUnder as Decided).action, "reauth-required")
    assert.strictEqual((justUnder as Decided).detail, "access token expires in 13 days; run herald auth login linkedin")
  })

  it("honours a custom warnDays", () => {
    const plan = LinkedIn.planLinkedIn(NOW, { ...base, warnDays: 7, accessExpiresAt: at("2026-12-01T09:00:00Z") })
    assert.strictEqual((plan as Decided).action, "healthy")
  })

  it("past expiry: reauth-required by the (past) expiry", () => {
    const plan = LinkedIn.planLinkedIn(NOW, { ...base, accessExpiresAt: at("2026-11-20T00:00:00Z") }) as Decided
    assert.strictEqual(plan.action, "reauth-required")
    assert.strictEqual(plan.reauthBy, "2026-11-20T00:00:00Z")
    assert.strictEqual(plan.detail, "access token expired on 2026-11-20; run herald auth login linkedin")
  })

  it("unknown expiry and no way to refresh: skipped with an alert saying what to set", () => {
    assert.deepStrictEqual(LinkedIn.planLinkedIn(NOW, base), {
      _tag: "Decided",
      action: "skipped",
      alert: true,
      detail:
        "access token expiry unknown: set platforms.linkedin.access_token_expires_at or provide client_id/client_secret for introspection"
    })
  })

  it("introspection says revoked: reauth-required now, even with days left on the clock", () => {
    const plan = LinkedIn.planLinkedIn(NOW, {
      ...base,
      accessExpiresAt: at("2027-01-01T09:00:00Z"),
      introspectionStatus: "revoked"
    }) as Decided
    assert.strictEqual(plan.action, "reauth-required")
    assert.isTrue(plan.alert)
    assert.strictEqual(plan.reauthBy, "2026-11-22T09:00:00Z")
    assert.strictEqual(plan.expiresAt, "2027-01-01T09:00:00Z")
    assert.strictEqual(plan.detail, "LinkedIn reports the access token revoked; run herald auth login linkedin")
  })

  it("a further account names its own login target and config path", () => {
    const warn = LinkedIn.planLinkedIn(NOW, {
      ...base,
      accessExpiresAt: at("2026-11-25T09:00:00Z"),
      label: "linkedin:brand",
      configPath: "platforms.linkedin.accounts.brand"
    }) as Decided
    assert.strictEqual(warn.detail, "access token expires in 3 days; run herald auth login linkedin:brand")
    const unknown = LinkedIn.planLinkedIn(NOW, { ...base, configPath: "platforms.linkedin.accounts.brand" }) as Decided
    assert.include(unknown.detail, "set platforms.linkedin.accounts.brand.access_token_expires_at")
  })

  it("partner app: a refresh call; warns when the fixed refresh expiry is near", () => {
    const far = LinkedIn.planLinkedIn(NOW, {
      refreshTokenPresent: true,
      warnDays: 14,
      refreshExpiresAt: at("2027-06-01T00:00:00Z")
    }) as Call
    assert.strictEqual(far._tag, "Call")
    assert.strictEqual(far.action, "refreshed")
    assert.isFalse(far.readOnly)
    assert.deepStrictEqual(far.writes, ["access_token"])
    assert.isUndefined(far.alert)
    const near = LinkedIn.planLinkedIn(NOW, {
      refreshTokenPresent: true,
      warnDays: 14,
      refreshExpiresAt: at("2026-12-02T09:00:00Z")
    }) as Call
    assert.strictEqual(near.alert, true)
    assert.strictEqual(near.reauthBy, "2026-12-02T09:00:00Z")
    assert.include(near.detail, "refresh token expires in 10 days (2026-12-02) and LinkedIn does not extend it")
  })

  it("refreshExpiryAfter: the known fixed expiry wins; refresh_token_expires_in fills in only when plausible", () => {
    const known = at("2027-03-01T00:00:00Z")
    const kept = LinkedIn.refreshExpiryAfter(NOW, Option.some(known), 525_600)
    assert.isFalse(kept.learned)
    assert.strictEqual(DateTime.formatIso(Option.getOrThrow(kept.at)), "2027-03-01T00:00:00.000Z")
    const learned = LinkedIn.refreshExpiryAfter(NOW, Option.none(), 300 * DAY)
    assert.isTrue(learned.learned)
    assert.strictEqual(DateTime.formatIso(Option.getOrThrow(learned.at)), "2027-09-18T09:00:00.000Z")
    assert.isTrue(LinkedIn.refreshExpiryAfter(NOW, Option.none(), 366 * DAY).learned)
    assert.isFalse(LinkedIn.refreshExpiryAfter(NOW, Option.none(), 366 * DAY + 1).learned)
    assert.isTrue(Option.isNone(LinkedIn.refreshExpiryAfter(NOW, Option.none(), 31_536_000_000).at))
    assert.isTrue(Option.isNone(LinkedIn.refreshExpiryAfter(NOW, Option.none(), undefined).at))
  })
})

describe("LinkedIn standard app (introspection)", () => {
  it.effect("introspects with client_id, client_secret and token; a later expires_at than config wins", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW.epochMillis)
      const introspected = at("2027-01-21T09:00:00Z")
      const { plan, seen } = yield* planOnly(
        () =>
          json(200, {
            active: true,
            status: "active",
            client_id: "li-cid",
            expires_at: introspected.epochMillis / 1000,
            scope: "r_ads,w_member_social",
            auth_type: "3L"
          }),
        standard,
        { access_token_expires_at: "2026-12-01T09:00:00Z" }
      )
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.method, "POST")
      assert.strictEqual(seen[0]!.url.href, "https://www.linkedin.com/oauth/v2/introspectToken")
      assert.deepStrictEqual(seen[0]!.form, { client_id: "li-cid", client_secret: "li-csecret", token: "li-at" })
      assert.isUndefined(seen[0]!.headers["authorization"])
      const d = plan as Decided
      assert.strictEqual(d.action, "healthy")
      assert.isFalse(d.alert)
      assert.strictEqual(d.expiresAt, "2027-01-21T09:00:00Z")
      assert.strictEqual(
        d.detail,
        "access token valid for 60 more days (until 2027-01-21) (per LinkedIn introspection; platforms.linkedin.access_token_expires_at says 2026-12-01T09:00:00Z)"
      )
    }))

  it.effect("introspection says revoked: reauth-required", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW.epochMillis)
      const { plan } = yield* planOnly(
        () => json(200, { active: false, status: "revoked", expires_at: at("2027-01-01T00:00:00Z").epochMillis / 1000 }),
        standard,
        { access_token_expires_at: "2027-01-01T00:00:00Z" }
      )
      const d = plan as Decided
      assert.strictEqual(d._tag, "Decided")
      assert.strictEqual(d.action, "reauth-required")
      assert.isTrue(d.alert)
      assert.strictEqual(d.reauthBy, "2026-11-22T09:00:00Z")
      assert.include(d.detail, "LinkedIn reports the access token revoked")
    }))

  it.effect("introspection answering active:false with no status: reauth-required", () =>
    Effect.gen(function*() {
      const { plan } = yield* planOnly(() => json(200, { active: false }), standard)
      assert.strictEqual((plan as Decided).action, "reauth-required")
      assert.include((plan as Decided).detail, "is not active")
    }))

  it.effect("introspection 503 forever: falls back to the config expiry and says so", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(NOW.epochMillis)
      const fiber = yield* planOnly(() => json(503, {}), standard, { access_token_expires_at: "2026-12-01T09:00:00Z" }).pipe(
        Effect.fork
      )
      yield* TestClock.adjust("60 seconds")
      const { plan, seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 4)
      const d = plan as Decided
      assert.strictEqual(d.action, "reauth-required")
      assert.strictEqual(d.expiresAt, "2026-12-01T09:00:00Z")
      assert.strictEqual(d.reauthBy, "2026-12-01T09:00:00Z")
      // days are counted from the plan's `now`, not from after the retries
      assert.strictEqual(
        d.detail,
        "access token expires in 9 days; run herald auth login linkedin (used platforms.linkedin.access_token_expires_at; introspection unavailable: HTTP 503 (after 4 attempts))"
      )
    }))

  it.effect("introspection unavailable and no config expiry: skipped with an alert naming both", () =>
    Effect.gen(function*() {
      const { plan } = yield* planOnly(() => ({ status: 200, text: "<html>maintenance</html>" }), standard)
      const d = plan as Decided
      assert.strictEqual(d.action, "skipped")
      assert.isTrue(d.alert)
      assert.strictEqual(
        d.detail,
        "access token expiry unknown: platforms.linkedin.access_token_expires_at is not set and introspection is unavailable: answered HTTP 200 with an HTML page"
      )
    }))

  it.effect("introspection's own dead-token answer means the access token is dead", () =>
    Effect.gen(function*() {
      const { plan } = yield* planOnly(() => json(400, deadToken), standard, { access_token_expires_at: "1970-03-01T00:00:00Z" })
      assert.strictEqual((plan as Decided).action, "reauth-required")
      assert.strictEqual((plan as Decided).reauthBy, "1970-01-01T00:00:00Z")
    }))

  it.effect("without the client secret: no request, the config expiry decides", () =>
    Effect.gen(function*() {
      const { plan, seen } = yield* planOnly(
        () => json(500, {}),
        { client_id: "li-cid", access_token: "li-at" },
        { access_token_expires_at: "1970-02-10T00:00:00Z" }
      )
      assert.strictEqual(seen.length, 0)
      assert.deepStrictEqual(plan, {
        _tag: "Decided",
        action: "healthy",
        alert: false,
        expiresAt: "1970-02-10T00:00:00Z",
        detail: "access token valid for 40 more days (until 1970-02-10)"
      })
    }))

  it.effect("the introspect endpoint can be overridden in config", () =>
    Effect.gen(function*() {
      const { seen } = yield* planOnly(() => json(200, { active: true, status: "active", expires_at: 90 * DAY }), standard, {
        endpoints: { introspect: "http://127.0.0.1:9000/oauth/v2/introspectToken" }
      })
      assert.strictEqual(seen[0]!.url.href, "http://127.0.0.1:9000/oauth/v2/introspectToken")
    }))

  it.effect("a missing access token (and no refresh token) fails in plan, naming the env variable", () =>
    Effect.gen(function*() {
      const { ctx, http, refresher } = yield* setup(() => json(200, {}), { client_id: "li-cid", client_secret: "li-csecret" })
      const error = yield* refresher.plan(ctx).pipe(Effect.flip)
      assert.strictEqual(error._tag, "SecretMissing")
      assert.include(error.message, "LINKEDIN_ACCESS_TOKEN")
      assert.strictEqual(http.seen.length, 0)
    }))
})

describe("LinkedIn partner app (refresh)", () => {
  it.effect("refreshes with the documented form; the same refresh token is not rewritten", () =>
    Effect.gen(function*() {
      const { outcome, plan, seen } = yield* refresh(() => refreshOk(), { refresh_token_expires_at: "1970-12-01T00:00:00Z" })
      assert.strictEqual(plan.action, "refreshed")
      assert.deepStrictEqual(plan.writes, ["access_token"])
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(seen[0]!.method, "POST")
      assert.strictEqual(seen[0]!.url.href, "https://www.linkedin.com/oauth/v2/accessToken")
      assert.include(seen[0]!.headers["content-type"]!, "application/x-www-form-urlencoded")
      assert.deepStrictEqual(seen[0]!.form, {
        grant_type: "refresh_token",
        refresh_token: "li-rt",
        client_id: "li-cid",
        client_secret: "li-csecret"
      })
      assert.strictEqual(outcome.action, "refreshed")
      assert.deepStrictEqual(Object.keys(outcome.secrets), ["access_token"])
      assert.strictEqual(Redacted.value(outcome.secrets.access_token!), "li-at-new")
      // 60 days from the epoch; the fixed refresh expiry is not moved by refresh_token_expires_in
      assert.deepStrictEqual(outcome.metadata, { access_token_expires_at: "1970-03-02T00:00:00Z" })
      assert.strictEqual(outcome.expiresAt, "1970-03-02T00:00:00Z")
      assert.isUndefined(outcome.alert)
      assert.strictEqual(
        outcome.detail,
        "access token refreshed, valid until 1970-03-02; the refresh token expires 1970-12-01"
      )
    }))

  it.effect("keeps the fixed refresh expiry and warns near it, in the plan and the outcome", () =>
    Effect.gen(function*() {
      // the server claims 310 days left; the 365 days never reset, so the known date stands
      const { outcome, plan } = yield* refresh(() => refreshOk(), { refresh_token_expires_at: "1970-01-10T00:00:00Z" })
      assert.strictEqual(plan.alert, true)
      assert.strictEqual(plan.reauthBy, "1970-01-10T00:00:00Z")
      assert.strictEqual(outcome.action, "refreshed")
      assert.strictEqual(outcome.alert, true)
      assert.strictEqual(outcome.reauthBy, "1970-01-10T00:00:00Z")
      assert.isUndefined(outcome.metadata.refresh_token_expires_at)
      assert.strictEqual(
        outcome.detail,
        "access token refreshed; refresh token expires in 9 days (1970-01-10) and LinkedIn does not extend it; run herald auth login linkedin before then"
      )
    }))

  it.effect("unknown refresh expiry: recorded from a plausible refresh_token_expires_in", () =>
    Effect.gen(function*() {
      const { outcome } = yield* refresh(() => refreshOk())
      assert.deepStrictEqual(outcome.metadata, {
        access_token_expires_at: "1970-03-02T00:00:00Z",
        refresh_token_expires_at: "1970-11-07T00:00:00Z"
      })
      assert.isUndefined(outcome.alert)
    }))

  it.effect("unknown refresh expiry: an implausible refresh_token_expires_in is not recorded", () =>
    Effect.gen(function*() {
      const { outcome } = yield* refresh(() => refreshOk({ refresh_token_expires_in: 31_536_000_000 }))
      assert.deepStrictEqual(outcome.metadata, { access_token_expires_at: "1970-03-02T00:00:00Z" })
      assert.include(outcome.detail, "the refresh token's expiry is unknown")
    }))

  it.effect("a different refresh token is stored too", () =>
    Effect.gen(function*() {
      const { outcome } = yield* refresh(() => refreshOk({ refresh_token: "li-rt-2" }), {
        refresh_token_expires_at: "1970-12-01T00:00:00Z"
      })
      assert.strictEqual(outcome.action, "rotated")
      assert.strictEqual(Redacted.value(outcome.secrets.refresh_token!), "li-rt-2")
      // a new token's lifetime is its own: learned from the answer, not the old fixed date
      assert.strictEqual(outcome.metadata.refresh_token_expires_at, "1970-11-07T00:00:00Z")
      assert.notInclude(outcome.detail, "li-rt-2")
    }))

  it.effect("dead refresh token (invalid_request, HTTP 400): re-auth, not retried", () =>
    Effect.gen(function*() {
      const counter = { n: 0 }
      const error = yield* refresh(() => {
        counter.n++
        return json(400, deadToken)
      }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RefreshRejected")
      assert.include(error.message, "invalid, expired or revoked")
      assert.strictEqual(counter.n, 1)
    }))

  it.effect("dead refresh token as invalid_grant: re-auth", () =>
    Effect.gen(function*() {
      const error = yield* refresh(() => json(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." }))
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "RefreshRejected")
    }))

  it.effect("a missing parameter is a client problem (a bug), not re-auth", () =>
    Effect.gen(function*() {
      const error = yield* refresh(() =>
        json(400, { error: "invalid_request", error_description: "A required parameter \"client_id\" is missing" })
      ).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ClientRejected")
    }))

  it.effect("429 with Retry-After waits at least that long", () =>
    Effect.gen(function*() {
      const fiber = yield* refresh((_, i) => (i === 0 ? json(429, {}, { "retry-after": "7" }) : refreshOk())).pipe(Effect.fork)
      yield* TestClock.adjust("6 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("2 seconds")
      const { seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
    }))

  it.effect("a missing client secret fails in plan, naming the env variable, with no request", () =>
    Effect.gen(function*() {
      const { ctx, http, refresher } = yield* setup(() => refreshOk(), { client_id: "li-cid", refresh_token: "li-rt" })
      const error = yield* refresher.plan(ctx).pipe(Effect.flip)
      assert.strictEqual(error._tag, "SecretMissing")
      assert.include(error.message, "LINKEDIN_CLIENT_SECRET")
      assert.strictEqual(http.seen.length, 0)
    }))
})
