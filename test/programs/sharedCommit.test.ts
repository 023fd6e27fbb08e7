/**
 * Issue 20 item 1: a run's config write-back is committed once for many connections, not
 * once per connection — and the journal still holds each rotated token until the commit
 * that stores it has landed, and no report says "stored" for a commit that failed.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import type { ConfigEdit } from "../../src/services/ConfigStore.js"
import { json, type Handler } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

const accounts = ["a1", "a2", "a3", "a4", "a5"]

const config: HeraldConfig = {
  platforms: {
    tiktok: {
      client_key: "SENTINEL-ck",
      client_secret: "SENTINEL-cs",
      refresh_token: "SENTINEL-default-0",
      accounts: Object.fromEntries(accounts.map((a) => [a, { refresh_token: `SENTINEL-${a}-0` }]))
    }
  }
}

/** Each refresh token is spent and a new one handed out: `…-0` becomes `…-1`. */
const rotates: Handler = (req) =>
  json(200, {
    access_token: "SENTINEL-access",
    expires_in: 86_400,
    refresh_token: (req.form?.["refresh_token"] ?? "SENTINEL-unknown").replace(/-0$/, "-1"),
    refresh_expires_in: 15_552_000
  })

const refreshTokens = (edits: ReadonlyArray<ConfigEdit>) =>
  edits.filter((e) => e.path.at(-1) === "refresh_token").map((e) => e.value).sort()

describe("shared config commits", () => {
  it.effect("six rotations at once: one commit holds all six tokens, and every journal entry is still there when it lands", () =>
    Effect.gen(function*() {
      const commits: Array<{ readonly tokens: ReadonlyArray<string>; readonly journaled: ReadonlyArray<string> }> = []
      const { layer, world } = makeWorld({
        config,
        http: rotates,
        keychainUnavailable: "off",
        sharedCommits: {
          onCommit: (edits) =>
            commits.push({
              tokens: refreshTokens(edits),
              journaled: [...world.journal.values()].map((e) => e.secrets["refresh_token"]!).sort()
            })
        }
      })
      const report = yield* refreshAll("tiktok", { dryRun: false, concurrency: 6 }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(report.statuses.map((s) => s.action), Array(6).fill("rotated"))
      for (const s of report.statuses) assert.strictEqual(s.storedIn, "config-file")
      const expected = ["default", ...accounts].map((a) => `SENTINEL-${a}-1`).sort()
      assert.strictEqual(commits.length, 1, "one write for the six connections")
      assert.deepStrictEqual(commits[0]!.tokens, expected)
      assert.deepStrictEqual(commits[0]!.journaled, expected, "no entry cleared before the commit holding its token")
      assert.deepStrictEqual(refreshTokens(world.edits), expected)
      assert.strictEqual(world.journal.size, 0, "cleared once the commit landed")
      assert.notMatch(JSON.stringify(report), /SENTINEL/)
    }))

  it.effect("the shared commit fails: no connection says stored, each new token stays in the journal and the report points at it", () =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({
        config,
        http: rotates,
        keychainUnavailable: "off",
        sharedCommits: {}
      })
      world.files.applyFails = true
      const fiber = yield* refreshAll("tiktok", { dryRun: false, concurrency: 6 }).pipe(Effect.provide(layer), Effect.fork)
      // the retries of the write on its own
      yield* TestClock.adjust("10 seconds")
      const report = yield* Fiber.join(fiber)
      assert.deepStrictEqual(report.statuses.map((s) => s.action), Array(6).fill("failed"))
      for (const s of report.statuses) {
        assert.strictEqual(s.storedIn, "recovery-file")
        assert.notInclude(s.detail, "stored in /memory")
        assert.include(s.detail, "/memory/state/journal.json")
      }
      assert.deepStrictEqual(
        [...world.journal.values()].map((e) => e.secrets["refresh_token"]).sort(),
        ["default", ...accounts].map((a) => `SENTINEL-${a}-1`).sort()
      )
      assert.strictEqual(world.edits.length, 0)
      assert.notMatch(JSON.stringify(report), /SENTINEL/)
    }))

  it.effect("the shared commit fails: the connections' own writes are tried side by side, all within one retry schedule", () =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({ config, http: rotates, keychainUnavailable: "off", sharedCommits: {} })
      world.files.applyFails = true
      const fiber = yield* refreshAll("tiktok", { dryRun: false, concurrency: 6 }).pipe(Effect.provide(layer), Effect.fork)
      // one connection's write and its two retries take 200 + 400 ms: one after another, six would take 3.6 s
      yield* TestClock.adjust("1 second")
      const done = yield* Fiber.poll(fiber)
      assert.isTrue(Option.isSome(done), "the run has reported one retry schedule after the commit failed")
      const report = yield* Fiber.join(fiber)
      assert.deepStrictEqual(report.statuses.map((s) => s.action), Array(6).fill("failed"))
      for (const s of report.statuses) assert.strictEqual(s.storedIn, "recovery-file")
    }))
})
