/**
 * Issue 14, points 1, 2 and 8 over in-memory ports: a success answer's refresh token is
 * journaled before anything else is done with it, and kept when the rest of the run goes
 * wrong — an unreadable remainder, a bug (defect) in one connection — without touching
 * another connection's rotation; and a lost answer to a single-use token is said to be lost.
 */
import { assert, describe, it } from "@effect/vitest"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { connectionsOf } from "../../src/domain/Connection.js"
import { providerCall, classifyOAuthError } from "../../src/platforms/providerCall.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { Refreshers } from "../../src/services/Refreshers.js"
import { json, makeMemoryHttp, type Handler } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

const config: HeraldConfig = {
  platforms: {
    tiktok: { client_key: "SENTINEL-ck", client_secret: "SENTINEL-cs", refresh_token: "SENTINEL-tt-0" },
    x: { client_id: "SENTINEL-xid", client_secret: "SENTINEL-xs", refresh_token: "SENTINEL-x-0" },
    linkedin: { client_id: "SENTINEL-lid", client_secret: "SENTINEL-ls", refresh_token: "SENTINEL-li-0", access_token: "SENTINEL-li-a0" }
  }
}

/** Both rotating platforms rotate; LinkedIn issues a new refresh token but no access token. */
const platforms: Handler = (req) => {
  if (req.url.hostname.includes("tiktok")) {
    return json(200, { access_token: "SENTINEL-tt-a1", expires_in: 86_400, refresh_token: "SENTINEL-tt-1", refresh_expires_in: 15_552_000 })
  }
  if (req.url.hostname.includes("x.com")) {
    return json(200, { token_type: "bearer", expires_in: 7200, access_token: "SENTINEL-x-a1", refresh_token: "SENTINEL-x-1" })
  }
  return json(200, { refresh_token: "SENTINEL-li-1", expires_in: 5_184_000 })
}

const storedValue = (world: ReturnType<typeof makeWorld>["world"], platform: string, key: string) =>
  world.edits.filter((e) => e.path.join(".") === `platforms.${platform}.${key}`).at(-1)?.value

/** The X refresher as built, but a bug strikes right after its call returned. */
const xBreaksAfterItsCall = Layer.effect(
  Refreshers,
  Effect.map(Refreshers, (real) => ({
    get: (platform) => {
      const refresher = real.get(platform)
      return platform !== "x" ? refresher : {
        ...refresher,
        execute: (ctx, plan) =>
          refresher.execute(ctx, plan).pipe(Effect.zipRight(Effect.dieMessage("Invalid time value")))
      }
    }
  }))
)

describe("persist first, then judge the answer", () => {
  it.effect("a bug in X after it rotated: X's new token is kept and X alone fails; TikTok's rotation at the same time lands; one report, one alert", () =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({ config: { platforms: { tiktok: config.platforms!["tiktok"]!, x: config.platforms!["x"]! } }, http: platforms, keychainUnavailable: "off" })
      const report = yield* refreshAll("all", { dryRun: false, concurrency: 2 }).pipe(
        Effect.provide(xBreaksAfterItsCall),
        Effect.provide(layer)
      )
      const byPlatform = Object.fromEntries(report.statuses.map((s) => [s.platform, s]))
      assert.strictEqual(byPlatform["tiktok"]!.action, "rotated")
      assert.strictEqual(byPlatform["x"]!.action, "failed")
      assert.include(byPlatform["x"]!.detail, "a bug")
      assert.include(byPlatform["x"]!.detail, "the new refresh token it sent was kept")
      assert.strictEqual(storedValue(world, "x", "refresh_token"), "SENTINEL-x-1")
      assert.strictEqual(storedValue(world, "tiktok", "refresh_token"), "SENTINEL-tt-1")
      assert.strictEqual(world.journal.size, 0, "written back, so nothing left in the journal")
      assert.strictEqual(world.notified.length, 1)
      assert.notMatch(JSON.stringify(report), /SENTINEL/)
    }))

  it.effect("an answer whose refresh token is good but whose rest is unreadable: the new token is journaled, then stored; the report says so", () =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({ config: { platforms: { linkedin: config.platforms!["linkedin"]! } }, http: platforms, keychainUnavailable: "off" })
      const report = yield* refreshAll("linkedin", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer))
      const status = report.statuses[0]!
      assert.strictEqual(status.action, "failed")
      assert.include(status.detail, "linkedin rotated the refresh token, but")
      assert.include(status.detail, "the new refresh token it sent was kept")
      assert.notInclude(status.detail, "was not changed")
      assert.strictEqual(storedValue(world, "linkedin", "refresh_token"), "SENTINEL-li-1")
    }))

  it.effect("the journal has the new token before the refresher reads the answer", () =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({ config: { platforms: { x: config.platforms!["x"]! } }, http: platforms, keychainUnavailable: "off" })
      const seenInJournal: Array<string | undefined> = []
      const spy = Layer.effect(
        Refreshers,
        Effect.map(Refreshers, (real) => ({
          get: (platform) => ({
            ...real.get(platform),
            execute: (ctx, plan) =>
              real.get(platform).execute(ctx, plan).pipe(
                Effect.tap(() => Effect.sync(() => void seenInJournal.push(world.journal.get("x")?.secrets["refresh_token"])))
              )
          })
        }))
      )
      const report = yield* refreshAll("x", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(spy), Effect.provide(layer))
      assert.strictEqual(report.statuses[0]!.action, "rotated")
      assert.deepStrictEqual(seenInJournal, ["SENTINEL-x-1"])
      assert.strictEqual(world.journal.size, 0)
    }))

  it.effect("an echoed refresh token is not journaled and not a rotation", () =>
    Effect.gen(function*() {
      const echo: Handler = (req) => json(200, { token_type: "bearer", expires_in: 7200, access_token: "SENTINEL-x-a1", refresh_token: req.form["refresh_token"] })
      const { layer, world } = makeWorld({ config: { platforms: { x: config.platforms!["x"]! } }, http: echo, keychainUnavailable: "off" })
      const report = yield* refreshAll("x", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer))
      assert.strictEqual(report.statuses[0]!.action, "refreshed")
      assert.isUndefined(storedValue(world, "x", "refresh_token"))
    }))
})

describe("a single-use token whose answer may be lost", () => {
  const connection = connectionsOf({ platforms: { tiktok: {} } })[0]!
  const call = (handler: Handler, retryAfterLostAnswer: boolean) =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(handler)
      const fiber = yield* providerCall(http.client, {
        connection,
        request: HttpClientRequest.post("https://open.tiktokapis.com/v2/oauth/token/"),
        classify: classifyOAuthError(() => false),
        success: Schema.Unknown,
        singleUse: { retryAfterLostAnswer },
        retry: { retries: 3, base: Duration.millis(1), maxRetryAfter: Duration.seconds(1) }
      }).pipe(Effect.flip, Effect.fork)
      // the retries' backoff runs on the TestClock
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      return { error, calls: http.seen.length }
    })

  it.effect("where a re-send is allowed, a refusal after a lost answer is reported as the lost answer, not as a revoked token", () =>
    Effect.gen(function*() {
      const { calls, error } = yield* call((_req, i) => (i === 0 ? { network: "reset" } : json(400, { error: "invalid_grant" })), true)
      assert.strictEqual(calls, 2)
      assert.strictEqual(error._tag, "AnswerLost")
      assert.include(error.reason, "so that attempt rotated it")
    }))

  it.effect("where it is not, the token goes out once; a refused connection (never sent) is retried all the same", () =>
    Effect.gen(function*() {
      const lost = yield* call(() => ({ network: "reset" }), false)
      assert.strictEqual(lost.calls, 1)
      assert.strictEqual(lost.error._tag, "AnswerLost")
      const refused = yield* call(() => ({ network: "refused" }), false)
      assert.strictEqual(refused.calls, 4)
      assert.strictEqual(refused.error._tag, "ProviderUnavailable")
    }))
})

describe("the answer's token before the platform's reading of it", () => {
  const connection = connectionsOf({ platforms: { tiktok: {} } })[0]!

  it.effect("a classifier that throws on a 2xx answer runs only after the answer was handed to secure", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => json(200, { access_token: "SENTINEL-at-9", refresh_token: "SENTINEL-rt-9" }))
      const order: Array<string> = []
      const exit = yield* providerCall(http.client, {
        connection,
        request: HttpClientRequest.post("https://open.tiktokapis.com/v2/oauth/token/"),
        classify: () => {
          order.push("classify")
          throw new Error("a bug in the platform's classifier")
        },
        success: Schema.Unknown,
        singleUse: { retryAfterLostAnswer: true },
        secure: (body) => Effect.sync(() => void order.push(`secure ${(body as { refresh_token: string }).refresh_token}`))
      }).pipe(Effect.exit)
      assert.isTrue(exit._tag === "Failure")
      assert.deepStrictEqual(order, ["secure SENTINEL-rt-9", "classify"])
    }))
})
