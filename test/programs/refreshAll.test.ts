import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { json, type Handler } from "../support/memoryHttp.js"
import { makeWorld, type WorldOptions } from "../support/memoryLayers.js"

const tiktokOk: Handler = () =>
  json(200, { access_token: "act-2", expires_in: 7200, refresh_token: "rft-2", refresh_expires_in: 15_552_000 })

const tiktokConfig: HeraldConfig = {
  platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "rft-1" } }
}

const run = (options: WorldOptions, target: string | undefined, dryRun = false, setup?: (w: ReturnType<typeof makeWorld>["world"]) => void) => {
  const { layer, world } = makeWorld(options)
  setup?.(world)
  return refreshAll(target, { dryRun, concurrency: 8 }).pipe(
    Effect.provide(layer),
    Effect.map((report) => ({ report, world }))
  )
}

describe("refreshAll", () => {
  it.effect("a rotation is stored in the keychain and reported; the journal is cleared", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run({ config: tiktokConfig, http: tiktokOk }, "tiktok")
      assert.strictEqual(report.statuses[0]!.action, "rotated")
      assert.strictEqual(report.attention, 0)
      assert.strictEqual(world.keychain.get("tiktok/refresh_token"), "rft-2")
      assert.strictEqual(world.keychain.get("tiktok/access_token"), "act-2")
      assert.strictEqual(world.journal.size, 0)
      // expiry metadata goes to the config file, secrets do not
      assert.deepStrictEqual(world.edits.map((e) => e.path.join(".")), [
        "platforms.tiktok.access_token_expires_at",
        "platforms.tiktok.refresh_token_expires_at"
      ])
      assert.include(report.statuses[0]!.detail, "stored in the OS keychain")
      assert.strictEqual(world.notified.length, 0)
    }))

  it.effect("without a keychain the secret goes to the config file, and the report says so", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run(
        { config: tiktokConfig, http: tiktokOk, keychainUnavailable: "no Secret Service" },
        "tiktok"
      )
      const edit = world.edits.find((e) => e.path.join(".") === "platforms.tiktok.refresh_token")
      assert.strictEqual(edit?.value, "rft-2")
      assert.include(report.statuses[0]!.detail, "stored in /memory/herald.yaml (0600) because the OS keychain is unavailable (no Secret Service)")
    }))

  it.effect("nowhere to store a rotated token: skipped with an alert, and the platform is never called", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run(
        { config: tiktokConfig, http: tiktokOk, keychainUnavailable: "locked" },
        "tiktok",
        false,
        (w) => (w.files.configWritable = false)
      )
      assert.strictEqual(report.statuses[0]!.action, "skipped")
      assert.isTrue(report.statuses[0]!.alert)
      assert.strictEqual(world.seen.length, 0)
      assert.strictEqual(world.notified.length, 1)
    }))

  it.effect("write-back failing after the platform rotated: the token stays in the journal and the alert says where", () =>
    Effect.gen(function*() {
      const fiber = yield* run(
        { config: tiktokConfig, http: tiktokOk, keychainUnavailable: "none" },
        "tiktok",
        false,
        (w) => (w.files.applyFails = true)
      ).pipe(Effect.fork)
      // write-back retries with backoff
      yield* TestClock.adjust("10 seconds")
      const { report, world } = yield* Fiber.join(fiber)
      const status = report.statuses[0]!
      assert.strictEqual(status.action, "failed")
      assert.isTrue(status.alert)
      assert.include(status.detail, "/memory/state/journal.json")
      assert.include(status.detail, "herald auth recover")
      assert.strictEqual(world.journal.get("tiktok")?.secrets["refresh_token"], "rft-2")
      assert.notInclude(status.detail, "rft-2")
    }))

  it.effect("a pending journal entry is written back before anything is rotated again", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run(
        { config: tiktokConfig, http: (req) => {
          // the platform only accepts the token the journal holds
          return req.form["refresh_token"] === "rft-journal" ? tiktokOk(req, 0) : json(400, { error: "invalid_grant" })
        } },
        "tiktok",
        false,
        (w) =>
          void w.journal.set("tiktok", {
            platform: "tiktok",
            account: "default",
            at: "earlier",
            secrets: { refresh_token: "rft-journal" },
            metadata: {}
          })
      )
      assert.strictEqual(report.statuses[0]!.action, "rotated")
      assert.strictEqual(world.keychain.get("tiktok/refresh_token"), "rft-2")
      assert.strictEqual(world.journal.size, 0)
    }))

  it.effect("a dry run calls no rotating endpoint, writes nothing and sends no alert", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run(
        {
          config: {
            platforms: {
              ...tiktokConfig.platforms,
              linkedin: { access_token: "li", access_token_expires_at: "1970-01-05T00:00:00Z" }
            }
          },
          http: tiktokOk
        },
        undefined,
        true
      )
      assert.isTrue(report.dryRun)
      assert.strictEqual(world.seen.length, 0)
      assert.strictEqual(world.edits.length, 0)
      assert.strictEqual(world.keychain.size, 0)
      assert.strictEqual(world.notified.length, 0)
      assert.strictEqual(report.statuses.find((s) => s.platform === "tiktok")!.action, "rotated")
      assert.strictEqual(report.statuses.find((s) => s.platform === "linkedin")!.action, "reauth-required")
      assert.strictEqual(report.attention, 1)
    }))

  it.effect("one platform failing does not stop the others; one alert lists the failure", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run(
        {
          config: {
            platforms: {
              ...tiktokConfig.platforms,
              x: { client_id: "xid", refresh_token: "xr-1" }
            }
          },
          http: (req) =>
            req.url.hostname === "api.x.com"
              ? json(400, { error: "invalid_request", error_description: "Value passed for the token was invalid." })
              : tiktokOk(req, 0)
        },
        "all"
      )
      const byPlatform = Object.fromEntries(report.statuses.map((s) => [s.platform, s]))
      assert.strictEqual(byPlatform["tiktok"]!.action, "rotated")
      assert.strictEqual(byPlatform["x"]!.action, "reauth-required")
      assert.include(byPlatform["x"]!.detail, "herald auth login x")
      assert.strictEqual(world.notified.length, 1)
      assert.strictEqual(world.notified[0]!.attention, 1)
      assert.deepStrictEqual(report.notification, { backend: "memory", notified: true, sent: ["alert"], held: [], detail: "alert sent for x" })
    }))

  it.effect("a failing notifier is reported, and the statuses are unchanged", () =>
    Effect.gen(function*() {
      const { report } = yield* run(
        { config: { platforms: { linkedin: { access_token: "li", access_token_expires_at: "1970-01-05T00:00:00Z" } } }, http: tiktokOk },
        "linkedin",
        false,
        (w) => (w.files.notifyFails = true)
      )
      assert.strictEqual(report.attention, 1)
      assert.deepStrictEqual(report.notification, { backend: "memory", notified: false, sent: [], held: [], detail: "HTTP 404 from the webhook" })
    }))

  it.effect("a refresh token read from the environment: stored, but the report warns that the env value now hides it", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run(
        {
          config: { platforms: { tiktok: { client_key: "ck", client_secret: "cs" } } },
          env: { TIKTOK_REFRESH_TOKEN: "rft-env" },
          http: tiktokOk
        },
        "tiktok"
      )
      assert.strictEqual(world.seen[0]!.form["refresh_token"], "rft-env")
      assert.strictEqual(world.keychain.get("tiktok/refresh_token"), "rft-2")
      assert.isTrue(report.statuses[0]!.alert)
      assert.include(report.statuses[0]!.detail, "TIKTOK_REFRESH_TOKEN is set in the environment")
    }))

  it.effect("secrets resolve env → keychain → config, and a further account's app credentials fall back to the default's", () =>
    Effect.gen(function*() {
      const { world } = yield* run(
        {
          config: {
            platforms: {
              tiktok: {
                client_key: "ck-config",
                client_secret: "cs-config",
                refresh_token: "rft-config",
                accounts: { brand: { refresh_token: "rft-brand-config" } }
              }
            }
          },
          env: { TIKTOK_CLIENT_SECRET: "cs-env" },
          keychain: { "tiktok/refresh_token": "rft-keychain" },
          http: tiktokOk
        },
        "all"
      )
      const forms = world.seen.map((r) => r.form)
      const main = forms.find((f) => f["refresh_token"] === "rft-keychain")
      const brand = forms.find((f) => f["refresh_token"] === "rft-brand-config")
      assert.deepStrictEqual(main, { client_key: "ck-config", client_secret: "cs-env", grant_type: "refresh_token", refresh_token: "rft-keychain" })
      assert.deepStrictEqual(brand, { client_key: "ck-config", client_secret: "cs-env", grant_type: "refresh_token", refresh_token: "rft-brand-config" })
      assert.strictEqual(world.keychain.get("tiktok:brand/refresh_token"), "rft-2")
    }))

  it.effect("a missing secret names every place that was tried", () =>
    Effect.gen(function*() {
      const { report } = yield* run({ config: { platforms: { tiktok: { client_key: "ck" } } }, http: tiktokOk }, "tiktok")
      assert.strictEqual(report.statuses[0]!.action, "failed")
      assert.include(report.statuses[0]!.detail, "TIKTOK_CLIENT_SECRET")
      assert.include(report.statuses[0]!.detail, "platforms.tiktok.client_secret")
    }))

  it.effect("an unknown target, or one that is not configured, is a usage error", () =>
    Effect.gen(function*() {
      const e1 = yield* run({ config: tiktokConfig, http: tiktokOk }, "myspace").pipe(Effect.flip)
      assert.strictEqual(e1._tag, "UsageError")
      const e2 = yield* run({ config: tiktokConfig, http: tiktokOk }, "x").pipe(Effect.flip)
      assert.include(e2.message, "x is not configured")
      const e3 = yield* run({ config: tiktokConfig, http: tiktokOk }, "--bogus").pipe(Effect.flip)
      assert.include(e3.message, "unknown option")
    }))

  it.effect("LinkedIn's introspected expiry is recorded in the config by a real run, not by a dry run", () =>
    Effect.gen(function*() {
      const options: WorldOptions = {
        config: {
          platforms: {
            linkedin: { client_id: "id", client_secret: "s", access_token: "li", access_token_expires_at: "1970-01-20T00:00:00Z" }
          }
        },
        // introspection: expires 40 days after the epoch (TestClock starts there)
        http: () => json(200, { active: true, status: "active", expires_at: 40 * 86_400, client_id: "id" })
      }
      const dry = yield* run(options, "linkedin", true)
      assert.strictEqual(dry.world.edits.length, 0)
      assert.strictEqual(dry.report.statuses[0]!.action, "healthy")
      const real = yield* run(options, "linkedin")
      assert.deepStrictEqual(real.world.edits.map((e) => [e.path.join("."), e.value]), [
        ["platforms.linkedin.access_token_expires_at", "1970-02-10T00:00:00Z"]
      ])
    }))

  it.effect("50 connections at concurrency 8: every rotation is persisted", () =>
    Effect.gen(function*() {
      const accounts = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`a${i}`, { refresh_token: `r${i}` }]))
      let n = 0
      const { report, world } = yield* run(
        { config: { platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "r", accounts } } }, http: () => {
          n++
          return json(200, { access_token: `a-${n}`, expires_in: 7200, refresh_token: `new-${n}`, refresh_expires_in: 15_552_000 })
        } },
        "tiktok"
      )
      assert.strictEqual(report.statuses.length, 50)
      assert.isTrue(report.statuses.every((s) => s.action === "rotated"))
      const stored = [...world.keychain.entries()].filter(([k]) => k.endsWith("/refresh_token")).map(([, v]) => v)
      assert.strictEqual(new Set(stored).size, 50)
    }))
})
