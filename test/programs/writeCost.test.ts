/**
 * Issue 20: what a run writes does not grow with the square of its connections. The whole
 * app over a real config file and journal (HTTP, keychain and the lock are stand-ins), the
 * platform answering after 50 ms of TestClock time, and every byte written and fsync made
 * counted at `node:fs` (test/support/fileIo.ts) — so the claims are asserted on counts,
 * not on timing:
 * - bytes written to the config, the journal and its room: at most 10× the config's size;
 * - fsyncs: one journal group commit per wave of answers, so they follow the waves
 *   (⌈N / concurrency⌉), not the connections.
 * The fake platform answers in waves (a barrier, not a latency), so the counts do not
 * depend on how fast this machine is.
 */
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as YAML from "yaml"
import * as ConfigFile from "../../src/layers/config/ConfigFile.js"
import * as ConfigFileStore from "../../src/layers/config/ConfigFileStore.js"
import * as JournalFile from "../../src/layers/journal/JournalFile.js"
import * as KeychainMemory from "../../src/layers/keychain/Memory.js"
import * as NotifierNone from "../../src/layers/notifier/None.js"
import { SecretsLive } from "../../src/layers/secrets/SecretsLive.js"
import * as LocalWriteBack from "../../src/layers/writeback/Local.js"
import { CatalogLive } from "../../src/cli/AppLayer.js"
import { RefreshersLive } from "../../src/platforms/refreshers.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { RunLock } from "../../src/services/RunLock.js"
import { countFileIo, type FileIo } from "../support/fileIo.js"
import { json, makeMemoryHttp } from "../support/memoryHttp.js"
import { preloadPlatforms } from "../support/platforms.js"

await preloadPlatforms

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const name = (i: number) => `a${String(i).padStart(5, "0")}`

/** N TikTok connections (the default account and N - 1 more), laid out as a user's config would be. */
const configText = (n: number) =>
  "# tokens for the shop's accounts\nplatforms:\n  tiktok:\n    client_key: ck\n    client_secret: cs\n" +
  `    refresh_token: "SENTINEL-rt-${name(0)}-0"\n    accounts:\n` +
  Array.from({ length: n - 1 }, (_, k) => k + 1).map((i) =>
    `      ${name(i)}:\n        refresh_token: "SENTINEL-rt-${name(i)}-0"\n        access_token: "SENTINEL-at-${name(i)}-0"\n` +
    `        refresh_token_expires_at: 2027-05-21T14:00:00Z\n`
  ).join("")

interface Measured {
  readonly size: number
  readonly io: FileIo
  readonly waves: number
  /** how long the run took, in TestClock time */
  readonly tookMs: number
}

/**
 * How the fake platform answers: `together`, in waves (a barrier: once `concurrency`
 * requests wait, or every one still to come, all of them at once); `spread`, each after a
 * latency of its own (50 ms and 0–6 ms more, of TestClock time), so that the connections
 * drift apart as a real run's do and a wave's answers arrive spread over several ms.
 */
type Answers = "together" | "spread"

/** The extra latency of request `i` (`spread`): fixed by its index, so every run is the same. */
const jitter = (i: number) => (i * 37) % 7

/** One real run of `n` rotating connections at `concurrency`, its file I/O counted. */
const measure = (n: number, concurrency: number, answers: Answers = "together") =>
  Effect.gen(function*() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-writecost-"))
    dirs.push(dir)
    const file = path.join(dir, "herald.yaml")
    fs.writeFileSync(file, configText(n), { mode: 0o600 })
    const size = fs.statSync(file).size
    // the platform: each refresh token is spent and a new one handed out. It answers in
    // waves, as a platform with a steady latency does: once `concurrency` requests wait
    // (or every one still to come), all of them at once
    let waiting: Array<Deferred.Deferred<void>> = []
    let answered = 0
    const together = Effect.gen(function*() {
      const turn = yield* Deferred.make<void>()
      waiting.push(turn)
      if (waiting.length === Math.min(concurrency, n - answered)) {
        const wave = waiting
        waiting = []
        answered += wave.length
        for (const w of wave) yield* Deferred.succeed(w, undefined)
      }
      yield* Deferred.await(turn)
    })
    const http = makeMemoryHttp((req, i) =>
      Effect.gen(function*() {
        yield* answers === "together" ? together : Effect.sleep(`${50 + jitter(i)} millis`)
        return json(200, {
          access_token: (req.form["refresh_token"] ?? "").replace("-rt-", "-at-").replace(/-0$/, "-1"),
          expires_in: 86_400,
          refresh_token: (req.form["refresh_token"] ?? "").replace(/-0$/, "-1"),
          refresh_expires_in: 15_552_000
        })
      })
    )
    const layer = Layer.mergeAll(
      RefreshersLive,
      SecretsLive,
      LocalWriteBack.layer,
      NotifierNone.layer,
      JournalFile.layer,
      Layer.succeed(RunLock, { acquire: Effect.void })
    ).pipe(
      Layer.provideMerge(Layer.mergeAll(ConfigFileStore.layer, KeychainMemory.unavailable("not in tests"), http.layer, ScrubberRegistry.layer)),
      Layer.provideMerge(ConfigFile.layer(Option.some(file)).pipe(Layer.provide(CatalogLive))),
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({ XDG_STATE_HOME: path.join(dir, "state") })))
    )
    const counting = countFileIo(dir)
    const started = yield* Clock.currentTimeMillis
    let tookMs = 0
    try {
      const run = yield* Effect.fork(refreshAll("tiktok", { dryRun: false, concurrency }).pipe(Effect.provide(layer)))
      // the clock moves on while the run goes (the config's commit timer; spread answers, a
      // millisecond at a time); the file system's work is real
      while (Option.isNone(yield* Fiber.poll(run))) {
        yield* TestClock.adjust(answers === "together" ? "50 millis" : "1 millis")
        yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      }
      const report = yield* Fiber.join(run)
      tookMs = (yield* Clock.currentTimeMillis) - started
      const failed = report.statuses.filter((s) => s.action !== "rotated")
      assert.deepStrictEqual(failed.slice(0, 2).map((s) => s.detail), [])
      assert.deepStrictEqual(new Set(report.statuses.map((s) => s.action)), new Set(["rotated"]))
      assert.strictEqual(report.statuses.length, n)
      for (const s of report.statuses) assert.strictEqual(s.storedIn, "config-file")
    } finally {
      counting.stop()
    }
    // every new token is where the next run reads it, and the journal has nothing left
    const accounts = (YAML.parse(fs.readFileSync(file, "utf8")) as { platforms: { tiktok: { accounts: Record<string, Record<string, string>> } } })
      .platforms.tiktok.accounts
    for (let i = 1; i < n; i++) assert.strictEqual(accounts[name(i)]!["refresh_token"], `SENTINEL-rt-${name(i)}-1`)
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.includes("journal")), [])
    assert.include(fs.readFileSync(file, "utf8"), "# tokens for the shop's accounts")
    return { size, io: counting.io, waves: Math.ceil(n / concurrency), tookMs } satisfies Measured
  })

const describeIo = (m: Measured) =>
  `${m.io.written} bytes (${(m.io.written / m.size).toFixed(1)}× a ${m.size}-byte config; ` +
  `${JSON.stringify(Object.fromEntries(m.io.byFile))}), ${m.io.fsyncs} fsyncs for ${m.waves} waves ` +
  `(${JSON.stringify(Object.fromEntries(m.io.fsyncsOf))})`

/** Journal fsyncs per wave. */
const journalPerWave = (m: Measured) => (m.io.fsyncsOf.get(".herald.yaml.herald-journal") ?? 0) / m.waves

describe("a run's writes (issue 20)", () => {
  it.effect("answers spread over their latency: journal fsyncs per wave stay a few, and flat as N grows (200 → 800 at c = 32)", () =>
    Effect.gen(function*() {
      const short = yield* measure(200, 32, "spread")
      const long = yield* measure(800, 32, "spread")
      const said = `N=200: ${journalPerWave(short).toFixed(2)} / wave in ${short.tookMs} ms, ${describeIo(short)}; ` +
        `N=800: ${journalPerWave(long).toFixed(2)} / wave in ${long.tookMs} ms, ${describeIo(long)}`
      // a commit for each answer (or each millisecond that brought some) made 29 → 32 per wave,
      // one per connection; lingering for the answers to calls sent with its own, one or two
      for (const m of [short, long]) {
        assert.isAtMost(journalPerWave(m), 2, said)
        assert.isAtMost(m.io.fsyncs, 2 * m.waves + 16, said)
      }
      assert.isAtMost(journalPerWave(long), 1.25 * journalPerWave(short), said)
      // and the lingering costs each wave a few ms at most: 50 ms, 6 of jitter, a few of the
      // clock's steps while the file system works
      assert.isAtMost(long.tookMs, long.waves * (50 + 6 + JournalFile.LINGER_AT_MOST_MS), said)
    }), 240_000)


  it.effect("400 rotations at concurrency 8: config + journal + room written ≤ 10× the config, one journal fsync per wave", () =>
    Effect.gen(function*() {
      const m = yield* measure(400, 8)
      assert.isAtMost(m.io.written, 10 * m.size, describeIo(m))
      // one group commit per wave: the refresh tokens the moment they arrive (the whole
      // outcome rides with the next one); and a fixed few: the room grown, folders, config commits
      assert.isAtMost(m.io.fsyncsOf.get(".herald.yaml.herald-journal") ?? 0, m.waves + 2, describeIo(m))
      assert.isAtMost(m.io.fsyncs, m.waves + 16, describeIo(m))
    }), 120_000)

  it.effect("fsyncs follow the waves, not the connections: the same 400 rotations at concurrency 32 make a quarter as many waves, and far fewer fsyncs", () =>
    Effect.gen(function*() {
      const narrow = yield* measure(400, 8)
      const wide = yield* measure(400, 32)
      assert.isAtMost(wide.io.fsyncs, wide.waves + 16, describeIo(wide))
      // per connection, fsyncs would stay the same whatever the concurrency
      assert.isBelow(wide.io.fsyncs, narrow.io.fsyncs / 2, `c=8: ${describeIo(narrow)}; c=32: ${describeIo(wide)}`)
    }), 240_000)
})
