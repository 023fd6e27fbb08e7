/**
 * One source of truth per secret (DESIGN §1 Write-back, issue 14 item 5): a keychain that
 * answers its probe and then fails a call must never leave the next run reading a token
 * that has rotated away, and a read that fails is not "absent".
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { json, type Handler } from "../support/memoryHttp.js"
import { makeWorld, type MemoryWorld, type WorldOptions } from "../support/memoryLayers.js"

const tiktokRotates: Handler = () =>
  json(200, { access_token: "sentinel-at-2", expires_in: 7200, refresh_token: "sentinel-rt-2", refresh_expires_in: 15_552_000 })

/** the refresh token lives in the keychain; the config file holds an old copy from an earlier fall-back */
const config: HeraldConfig = { platforms: { tiktok: { client_key: "ck", refresh_token: "sentinel-rt-0-stale" } } }
const keychain = { "tiktok/client_secret": "sentinel-cs", "tiktok/refresh_token": "sentinel-rt-1" }

const run = (options: WorldOptions, faults: MemoryWorld["keychainFaults"]) => {
  const { layer, world } = makeWorld(options)
  Object.assign(world.keychainFaults, faults)
  return refreshAll("tiktok", { dryRun: false, concurrency: 8 }).pipe(
    Effect.provide(layer),
    Effect.map((report) => ({ report, world, status: report.statuses[0]! }))
  )
}

const fileValue = (world: MemoryWorld, key: string) =>
  world.edits.filter((e) => e.path.join(".") === `platforms.tiktok.${key}`).at(-1)?.value

describe("keychain faults", () => {
  it.effect("setPassword fails: the new token goes to the file and the keychain's stale entry is removed", () =>
    Effect.gen(function*() {
      const { status, world } = yield* run({ config, http: tiktokRotates, keychain }, { set: "the item is locked" })
      assert.strictEqual(status.action, "rotated")
      assert.strictEqual(status.storedIn, "config-file")
      assert.strictEqual(fileValue(world, "refresh_token"), "sentinel-rt-2")
      assert.strictEqual(fileValue(world, "access_token"), "sentinel-at-2")
      // what the next run reads first: nothing left in the keychain for these keys, so the file's new value
      assert.isFalse(world.keychainNow().has("tiktok/refresh_token"), "the spent token is gone from the keychain")
      assert.isFalse(world.keychainNow().has("tiktok/access_token"))
      assert.strictEqual(world.keychainNow().get("tiktok/client_secret"), "sentinel-cs", "secrets not rotated stay")
      assert.include(status.detail, "the OS keychain failed (the item is locked)")
      assert.match(status.detail, /the old copy in the keychain was removed \([^)]*keychain herald tiktok\/refresh_token/)
      assert.strictEqual(world.journal.size, 0)
      assert.notInclude(status.detail, "sentinel")
    }))

  it.effect("setPassword and the removal both fail: the connection fails with the token in the journal, never 'stored'", () =>
    Effect.gen(function*() {
      // write-back is retried with backoff: let the test clock run through it
      const fiber = yield* Effect.fork(run({ config, http: tiktokRotates, keychain }, { set: "the item is locked", remove: "the item is locked" }))
      yield* TestClock.adjust("10 seconds")
      const { report, status, world } = yield* Fiber.join(fiber)
      assert.strictEqual(status.action, "failed")
      assert.isTrue(status.alert)
      assert.strictEqual(status.storedIn, "recovery-file")
      assert.include(status.detail, "keychain herald tiktok/refresh_token still holds the old one, which the next run would read first")
      assert.include(status.detail, "herald auth recover")
      assert.notInclude(status.detail, "stored in /memory")
      assert.strictEqual(world.journal.get("tiktok")?.secrets["refresh_token"], "sentinel-rt-2")
      assert.strictEqual(world.notified.length, 1, "a human is told")
      assert.notInclude(JSON.stringify(report), "sentinel-rt")
    }))

  it.effect("getPassword fails: the connection fails as transient, naming the entry; nothing is sent and nothing written", () =>
    Effect.gen(function*() {
      const { report, status, world } = yield* run({ config, http: tiktokRotates, keychain }, { get: "D-Bus timeout" })
      assert.strictEqual(world.seen.length, 0, "the stale copy in the config file is never sent")
      assert.strictEqual(status.action, "failed")
      assert.isTrue(status.alert)
      assert.match(status.detail, /could not be read from keychain herald tiktok\/\w+ \(D-Bus timeout\)/)
      assert.include(status.detail, "nothing was sent to tiktok")
      assert.include(status.detail, "the next run tries again")
      assert.deepStrictEqual(world.edits, [])
      assert.strictEqual(world.keychainNow().get("tiktok/refresh_token"), "sentinel-rt-1")
      assert.notInclude(JSON.stringify(report), "sentinel")
    }))

  it.effect("a keychain that is there but does not answer (locked) is not passed over: nothing sent, the entry named", () =>
    Effect.gen(function*() {
      const { report, status, world } = yield* run(
        { config, http: tiktokRotates, keychain, keychainUnavailable: "reading the keychain did not answer within 5 s", keychainPresent: true },
        {}
      )
      assert.strictEqual(world.seen.length, 0, "the config file's copy is not sent in the keychain's place")
      assert.strictEqual(status.action, "failed")
      assert.match(status.detail, /could not be read from keychain herald tiktok\/\w+ \(reading the keychain did not answer within 5 s\)/)
      assert.deepStrictEqual(world.edits, [])
      assert.notInclude(JSON.stringify(report), "sentinel")
    }))

  it.effect("every secret from the environment and a keychain that does not answer: skipped before anything is rotated", () =>
    Effect.gen(function*() {
      const { status, world } = yield* run({
        config: { platforms: { tiktok: {} } },
        http: tiktokRotates,
        keychainUnavailable: "the keychain did not answer within 5 s (is the keychain locked?)",
        keychainPresent: true,
        env: {
          TIKTOK_CLIENT_KEY: "ck",
          TIKTOK_CLIENT_SECRET: "sentinel-cs",
          TIKTOK_REFRESH_TOKEN: "sentinel-rt-1",
          TIKTOK_ACCESS_TOKEN: "sentinel-at-1"
        }
      }, {})
      assert.strictEqual(world.seen.length, 0)
      assert.strictEqual(status.action, "skipped")
      assert.include(status.detail, "nothing rotated: nowhere to store the new token: the OS keychain does not answer")
      assert.include(status.detail, "HERALD_KEYCHAIN=off")
    }))

  it.effect("the keychain stops answering after the call: the token stays in the journal, not in the file under the keychain's old copy", () =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({
        config,
        keychain,
        http: () => {
          // the answer arrives; by the time herald stores it the keychain is locked
          world.keychainFaults.check = "writing the keychain did not answer within 5 s"
          world.keychainFaults.set = "writing the keychain did not answer within 5 s"
          world.keychainFaults.remove = "writing the keychain did not answer within 5 s"
          return tiktokRotates({} as never, 0)
        }
      })
      const fiber = yield* Effect.fork(refreshAll("tiktok", { dryRun: false, concurrency: 8 }).pipe(Effect.provide(layer)))
      yield* TestClock.adjust("10 seconds")
      const report = yield* Fiber.join(fiber)
      const status = report.statuses[0]!
      assert.strictEqual(status.action, "failed")
      assert.strictEqual(status.storedIn, "recovery-file")
      assert.include(status.detail, "not written to /memory/herald.yaml: the OS keychain does not answer")
      assert.strictEqual(world.journal.get("tiktok")?.secrets["refresh_token"], "sentinel-rt-2")
      assert.isUndefined(fileValue(world, "refresh_token"))
      assert.notInclude(JSON.stringify(report), "sentinel")
    }))

  it.effect("stored in the keychain while the config file holds an older copy: the report says to delete that copy", () =>
    Effect.gen(function*() {
      const { status, world } = yield* run({ config, http: tiktokRotates, keychain }, {})
      assert.strictEqual(status.action, "rotated")
      assert.strictEqual(world.keychainNow().get("tiktok/refresh_token"), "sentinel-rt-2")
      assert.include(
        status.detail,
        "/memory/herald.yaml still holds an older platforms.tiktok.refresh_token: delete it there (the OS keychain has the current one"
      )
      assert.notInclude(status.detail, "sentinel")
    }))

  it.effect("a keychain unusable for the whole run is still passed over: the config file's value is used", () =>
    Effect.gen(function*() {
      const { status, world } = yield* run(
        { config: { platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "sentinel-rt-1" } } }, http: tiktokRotates, keychainUnavailable: "no Secret Service" },
        {}
      )
      assert.strictEqual(world.seen.length, 1)
      assert.strictEqual(status.action, "rotated")
      assert.strictEqual(fileValue(world, "refresh_token"), "sentinel-rt-2")
    }))
})
