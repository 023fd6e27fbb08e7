import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { AccountSettings } from "../../../src/domain/Config.js"
import type { SecretKey } from "../../../src/domain/Platform.js"
import * as Instagram from "../../../src/platforms/instagram/policy.js"
import * as InstagramRefresh from "../../../src/platforms/instagram/refresh.js"
import { connection, secretBag } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"

const NOW = "2026-11-22T12:00:00Z"
const at = (s: string) => DateTime.unsafeMake(s).pipe(DateTime.toUtc)
const now = at(NOW)

/** access_token_expires_at for a token issued `hours` before NOW (60-day lifetime). */
const issuedHoursAgo = (hours: number): AccountSettings => ({
  access_token_expires_at: DateTime.formatIso(
    DateTime.unsafeMake(Date.parse(NOW) + 60 * 86_400_000 - hours * 3_600_000)
  ).replace(/\.\d{3}Z$/, "Z")
})

// issued 2026-11-02: twenty days old, well past the 24 h minimum
const aged: AccountSettings = { access_token_expires_at: "2027-01-01T00:00:00Z" }

const ok = (token = "IGnew") => json(200, { access_token: token, token_type: "bearer", expires_in: 5_183_944 })

const graphError = (status: number, code: number, message: string, extra: Record<string, unknown> = {}) =>
  json(status, { error: { message, type: "OAuthException", code, fbtrace_id: "AbCdEf123", ...extra } })

/**
 * Each test places the clock in its own fiber, never inside `run`: setTime and adjust each
 * wait for every other fiber of the test to be suspended, so a setTime in a forked `run`
 * and the parent's adjust wait on each other and the test hangs.
 */
const placeClock = TestClock.setTime(Date.parse(NOW))

const run = (
  handler: Handler,
  settings: AccountSettings = aged,
  values: Partial<Record<SecretKey, string>> = { access_token: "IGold" }
) =>
  Effect.gen(function*() {
    const conn = connection("instagram", settings)
    const http = makeMemoryHttp(handler)
    const refresher = yield* InstagramRefresh.make.pipe(Effect.provide(http.layer))
    const ctx = { connection: conn, secrets: secretBag(conn, values), now: yield* DateTime.now }
    const plan = yield* refresher.plan(ctx)
    if (plan._tag !== "Call") return yield* Effect.dieMessage(`expected a Call, got ${plan.action}`)
    const outcome = yield* refresher.execute(ctx, plan)
    return { outcome, plan, seen: http.seen }
  })

describe("Instagram policy", () => {
  it("a token under 24 h old is healthy and not refreshed", () => {
    const plan = Instagram.planInstagram(now, issuedHoursAgo(5))
    assert.deepStrictEqual(plan, {
      _tag: "Decided",
      action: "healthy",
      alert: false,
      expiresAt: "2027-01-21T07:00:00Z",
      detail: "token is 5 hours old; refreshed once over 24 h"
    })
  })

  it("a token over 24 h old is refreshed, writing only the access token", () => {
    const plan = Instagram.planInstagram(now, issuedHoursAgo(25))
    assert.strictEqual(plan._tag, "Call")
    if (plan._tag !== "Call") return
    assert.strictEqual(plan.action, "refreshed")
    assert.strictEqual(plan.readOnly, false)
    assert.deepStrictEqual(plan.writes, ["access_token"])
    assert.strictEqual(plan.expiresAt, "2027-01-20T11:00:00Z")
    assert.isUndefined(plan.alert)
  })

  it("a recorded expiry in the past still asks Instagram (the date may be stale), and warns in a dry run", () => {
    const plan = Instagram.planInstagram(now, { access_token_expires_at: "2026-11-20T08:00:00Z" })
    assert.deepStrictEqual(plan, {
      _tag: "Call",
      action: "refreshed",
      readOnly: false,
      writes: ["access_token"],
      alert: true,
      expiresAt: "2026-11-20T08:00:00Z",
      reauthBy: "2026-11-20T08:00:00Z",
      detail: "the recorded expiry 2026-11-20 has passed; a real run asks Instagram once more, and if it refuses, run herald auth login instagram"
    })
  })

  it("a token expiring this very second counts as past its recorded expiry", () => {
    const plan = Instagram.planInstagram(now, { access_token_expires_at: NOW })
    assert.strictEqual(plan._tag === "Call" ? plan.alert : undefined, true)
  })

  it("an unknown expiry is refreshed (the only way to learn it)", () => {
    const plan = Instagram.planInstagram(now, {})
    assert.strictEqual(plan._tag, "Call")
    if (plan._tag !== "Call") return
    assert.strictEqual(plan.action, "refreshed")
    assert.deepStrictEqual(plan.writes, ["access_token"])
    assert.isUndefined(plan.expiresAt)
  })

  it("min_refresh_age_hours and lifetime_days are honoured", () => {
    const tooYoung = Instagram.planInstagram(now, { ...issuedHoursAgo(30), min_refresh_age_hours: 48 })
    assert.strictEqual(tooYoung._tag, "Decided")
    assert.strictEqual(tooYoung.detail, "token is 30 hours old; refreshed once over 48 h")
    // expires in 20 days: with a 30-day lifetime it is 10 days old, with 21 days only 1 day (24 h) old
    const expires = { access_token_expires_at: "2026-12-12T12:00:00Z" }
    assert.strictEqual(Instagram.planInstagram(now, { ...expires, lifetime_days: 30 })._tag, "Call")
    const young = Instagram.planInstagram(now, { ...expires, lifetime_days: 20.5 })
    assert.strictEqual(young._tag, "Decided")
    assert.strictEqual(young.detail, "token is 12 hours old; refreshed once over 24 h")
  })

  it("mayBeTooYoung: unknown age, or within the slack past the minimum", () => {
    assert.isTrue(Instagram.mayBeTooYoung(now, {}))
    assert.isTrue(Instagram.mayBeTooYoung(now, issuedHoursAgo(25)))
    assert.isFalse(Instagram.mayBeTooYoung(now, issuedHoursAgo(27)))
    assert.isFalse(Instagram.mayBeTooYoung(now, aged))
  })
})

describe("Instagram refresh", () => {
  it.effect("GETs refresh_access_token with the token in the query and stores the new token and expiry", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome, seen } = yield* run(() => ok(), aged, { access_token: "IGold", app_secret: "shh-app" })
      assert.strictEqual(seen.length, 1)
      const req = seen[0]!
      assert.strictEqual(req.method, "GET")
      assert.strictEqual(`${req.url.origin}${req.url.pathname}`, "https://graph.instagram.com/refresh_access_token")
      assert.deepStrictEqual(Object.fromEntries(req.url.searchParams), {
        grant_type: "ig_refresh_token",
        access_token: "IGold"
      })
      assert.strictEqual(req.body, "")
      // the app secret is never sent, anywhere
      assert.notInclude(JSON.stringify({ url: req.url.href, headers: req.headers, body: req.body }), "shh-app")
      assert.strictEqual(outcome.action, "refreshed")
      assert.deepStrictEqual(Object.keys(outcome.secrets), ["access_token"])
      assert.strictEqual(Redacted.value(outcome.secrets.access_token!), "IGnew")
      assert.deepStrictEqual(outcome.metadata, { access_token_expires_at: "2027-01-21T11:59:04Z" })
      assert.strictEqual(outcome.expiresAt, "2027-01-21T11:59:04Z")
      assert.strictEqual(outcome.detail, "refreshed; valid until 2027-01-21")
      assert.isUndefined(outcome.alert)
    }))

  it.effect("an unchanged token string is stored all the same (only its expiry moved)", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => ok("IGold"))
      assert.strictEqual(outcome.action, "refreshed")
      assert.strictEqual(Redacted.value(outcome.secrets.access_token!), "IGold")
      assert.strictEqual(outcome.metadata.access_token_expires_at, "2027-01-21T11:59:04Z")
    }))

  it.effect("an endpoint override from config is used", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { seen } = yield* run(() => ok(), {
        ...aged,
        endpoints: { refresh: "http://127.0.0.1:8080/refresh_access_token" }
      })
      assert.strictEqual(seen[0]!.url.origin, "http://127.0.0.1:8080")
      assert.strictEqual(seen[0]!.url.searchParams.get("grant_type"), "ig_refresh_token")
    }))

  it.effect("Graph code 190 means a dead token: RefreshRejected, and the message never holds the token", () =>
    Effect.gen(function*() {
      yield* placeClock
      const error = yield* run(() =>
        graphError(400, 190, "Error validating access token: Session has expired on Friday.", { error_subcode: 463 })
      ).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RefreshRejected")
      assert.include(error.message, "Graph error 190 subcode 463")
      assert.notInclude(error.message, "IGold")
      assert.notInclude(error.message, "graph.instagram.com")
    }))

  it.effect("code 190 is a dead token even when the token may be too young", () =>
    Effect.gen(function*() {
      yield* placeClock
      const error = yield* run(() => graphError(400, 190, "Error validating access token"), {}).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RefreshRejected")
    }))

  it.effect("a 400 OAuthException other than 190 on a token of unknown age is a non-alerting skip", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome, seen } = yield* run(() => graphError(400, 100, "Unsupported request"), {})
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(outcome.action, "healthy")
      assert.strictEqual(outcome.alert, false)
      assert.deepStrictEqual(outcome.secrets, {})
      assert.deepStrictEqual(outcome.metadata, {})
      assert.strictEqual(
        outcome.detail,
        "Instagram declined to refresh a token of unknown age (Graph error 100: Unsupported request); " +
          "a token younger than 24 h cannot be refreshed; will retry next run"
      )
    }))

  it.effect("a 400 OAuthException on a token just past 24 h (by estimate) is read as too young", () =>
    Effect.gen(function*() {
      yield* placeClock
      const settings = issuedHoursAgo(24.5)
      const { outcome } = yield* run(() => graphError(400, 100, "Unsupported request"), settings)
      assert.deepStrictEqual(outcome, {
        action: "healthy",
        secrets: {},
        metadata: {},
        alert: false,
        expiresAt: settings.access_token_expires_at!,
        detail: "Instagram declined to refresh a token younger than 24 h; will retry next run"
      })
    }))

  it.effect("the same refusal of a token days old is a failure (ClientRejected)", () =>
    Effect.gen(function*() {
      yield* placeClock
      const error = yield* run(() => graphError(400, 100, "Unsupported request")).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ClientRejected")
      assert.include(error.message, "Graph error 100")
    }))

  it.effect("a transient Graph code (4, throttled) is retried", () =>
    Effect.gen(function*() {
      yield* placeClock
      const fiber = yield* run((_, i) => (i === 0 ? graphError(400, 4, "Application request limit reached") : ok()))
        .pipe(Effect.fork)
      yield* TestClock.adjust("10 seconds")
      const { outcome, seen } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(outcome.action, "refreshed")
    }))

  it.effect("429 with Retry-After waits at least that long", () =>
    Effect.gen(function*() {
      yield* placeClock
      const fiber = yield* run((_, i) => (i === 0 ? json(429, {}, { "retry-after": "5" }) : ok())).pipe(Effect.fork)
      yield* TestClock.adjust("4 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("2 seconds")
      const { seen, outcome } = yield* Fiber.join(fiber)
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(outcome.action, "refreshed")
    }))

  it.effect("a 200 without expires_in keeps the new token; its 60 days are assumed, and said", () =>
    Effect.gen(function*() {
      yield* placeClock
      const { outcome } = yield* run(() => json(200, { access_token: "IGnew", token_type: "bearer", expires_in: "soon" }))
      assert.strictEqual(outcome.action, "refreshed")
      assert.strictEqual(Redacted.value(outcome.secrets.access_token!), "IGnew")
      assert.include(outcome.detail, "lifetime was assumed")
    }))

  it.effect("an empty access_token is malformed, never stored", () =>
    Effect.gen(function*() {
      yield* placeClock
      const error = yield* run(() => json(200, { access_token: "", expires_in: 5_184_000 })).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MalformedResponse")
    }))

  it.effect("a missing access token fails before any call, naming the env variable", () =>
    Effect.gen(function*() {
      yield* placeClock
      const conn = connection("instagram", aged, "brand")
      const http = makeMemoryHttp(() => ok())
      const refresher = yield* InstagramRefresh.make.pipe(Effect.provide(http.layer))
      const ctx = { connection: conn, secrets: secretBag(conn, { app_secret: "x" }), now }
      const planError = yield* refresher.plan(ctx).pipe(Effect.flip)
      assert.strictEqual(planError._tag, "SecretMissing")
      assert.include(planError.message, "INSTAGRAM_BRAND_ACCESS_TOKEN")
      const execError = yield* refresher
        .execute(ctx, { _tag: "Call", action: "refreshed", readOnly: false, writes: ["access_token"], detail: "" })
        .pipe(Effect.flip)
      assert.strictEqual(execError._tag, "SecretMissing")
      assert.strictEqual(http.seen.length, 0)
    }))

  it.effect("a young token makes no call at all", () =>
    Effect.gen(function*() {
      yield* placeClock
      const http = makeMemoryHttp(() => ok())
      const refresher = yield* InstagramRefresh.make.pipe(Effect.provide(http.layer))
      for (const settings of [issuedHoursAgo(3)]) {
        const conn = connection("instagram", settings)
        const ctx = { connection: conn, secrets: secretBag(conn, { access_token: "IGold" }), now: yield* DateTime.now }
        const plan = yield* refresher.plan(ctx)
        assert.strictEqual(plan._tag, "Decided")
      }
      assert.strictEqual(http.seen.length, 0)
    }))
})
