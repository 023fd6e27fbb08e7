/** The report says where a rotated secret went — in the detail line and in `storedIn` (JSON). */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { renderJson, renderTable } from "../../src/cli/render.js"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { type Handler, json } from "../support/memoryHttp.js"
import { makeWorld, type WorldOptions } from "../support/memoryLayers.js"

const tiktokOk: Handler = () =>
  json(200, { access_token: "act-2", expires_in: 7200, refresh_token: "rft-2", refresh_expires_in: 15_552_000 })

const tiktokConfig: HeraldConfig = { platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "rft-1" } } }

const run = (options: WorldOptions, dryRun = false, setup?: (w: ReturnType<typeof makeWorld>["world"]) => void) => {
  const { layer, world } = makeWorld(options)
  setup?.(world)
  return refreshAll("tiktok", { dryRun, concurrency: 1 }).pipe(Effect.provide(layer), Effect.map((report) => ({ report, world })))
}

describe("storedIn", () => {
  it.effect("a keychain write says keychain", () =>
    Effect.gen(function*() {
      const { report } = yield* run({ config: tiktokConfig, http: tiktokOk })
      assert.strictEqual(report.statuses[0]!.storedIn, "keychain")
      assert.include(JSON.parse(renderJson(report)).statuses[0], { storedIn: "keychain" })
    }))

  it.effect("no usable keychain: config-file in the JSON, and one line in the table that says why", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run({ config: tiktokConfig, http: tiktokOk, keychainUnavailable: "no Secret Service" })
      assert.strictEqual(world.keychain.size, 0)
      assert.include(JSON.parse(renderJson(report)).statuses[0], { storedIn: "config-file" })
      const table = renderTable(report)
      assert.include(table, "stored in /memory/herald.yaml (0600) because the OS keychain is unavailable (no Secret Service)")
      assert.notInclude(table, "rft-2")
    }))

  it.effect("a dry run stores nothing and says nothing about a store", () =>
    Effect.gen(function*() {
      const { report } = yield* run({ config: tiktokConfig, http: tiktokOk }, true)
      assert.isUndefined(report.statuses[0]!.storedIn)
    }))

  it.effect("write-back failing: the JSON points at the recovery file", () =>
    Effect.gen(function*() {
      const fiber = yield* run(
        { config: tiktokConfig, http: tiktokOk, keychainUnavailable: "none" },
        false,
        (w) => (w.files.applyFails = true)
      ).pipe(Effect.fork)
      yield* TestClock.adjust("10 seconds")
      const { report } = yield* Fiber.join(fiber)
      assert.strictEqual(report.statuses[0]!.action, "failed")
      assert.strictEqual(report.statuses[0]!.storedIn, "recovery-file")
    }))
})
