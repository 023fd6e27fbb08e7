/**
 * What a writing run does around the run lock: it takes the lock before anything else,
 * reads the token store again once it holds it, and a dry run never takes it.
 */
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as YAML from "yaml"
import { configLayerFor } from "../../src/cli/AppLayer.js"
import * as ConfigFileStore from "../../src/layers/config/ConfigFileStore.js"
import * as JournalFile from "../../src/layers/journal/JournalFile.js"
import * as KeychainMemory from "../../src/layers/keychain/Memory.js"
import * as NotifierNone from "../../src/layers/notifier/None.js"
import { SecretsLive } from "../../src/layers/secrets/SecretsLive.js"
import * as LocalWriteBack from "../../src/layers/writeback/Local.js"
import { RefreshersLive } from "../../src/platforms/refreshers.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { LockHeld, RunLock } from "../../src/services/RunLock.js"
import { json, makeMemoryHttp } from "../support/memoryHttp.js"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const configText = (refreshToken: string) => `# tokens for the blog
platforms:
  tiktok:
    client_key: ck
    client_secret: cs
    refresh_token: ${refreshToken}
`

/** The whole app over a real config file and journal; HTTP, keychain and the lock are stand-ins. */
const world = (lock: RunLock["Type"]) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-locked-"))
  dirs.push(dir)
  const file = path.join(dir, "herald.yaml")
  fs.writeFileSync(file, configText("rft-1"), { mode: 0o600 })
  let n = 1
  // the platform: only the newest refresh token works, and each use rotates it
  let live = "rft-1"
  const http = makeMemoryHttp((req) => {
    if (req.form["refresh_token"] !== live) return json(400, { error: "invalid_grant", error_description: "Refresh token is invalid or expired." })
    live = `rft-${++n}`
    return json(200, { access_token: `act-${n}`, expires_in: 7200, refresh_token: live, refresh_expires_in: 15_552_000 })
  })
  const layer = Layer.mergeAll(RefreshersLive, SecretsLive, LocalWriteBack.layer, NotifierNone.layer, JournalFile.layer, Layer.succeed(RunLock, lock)).pipe(
    Layer.provideMerge(Layer.mergeAll(ConfigFileStore.layer, KeychainMemory.unavailable("not in tests"), http.layer, ScrubberRegistry.layer)),
    Layer.provideMerge(configLayerFor(Option.some(file))),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromJson({ XDG_STATE_HOME: path.join(dir, "state") })))
  )
  const stored = () => (YAML.parse(fs.readFileSync(file, "utf8")) as { platforms: { tiktok: Record<string, string> } }).platforms.tiktok
  return { file, http, layer, stored, live: () => live, rotate: () => {
    // another run rotating behind our back: the platform moves on and that run stores the result
    live = `rft-${++n}`
    fs.writeFileSync(file, configText(live), { mode: 0o600 })
  } }
}

describe("a writing run and the lock", () => {
  it.effect("tokens are read again once the lock is held: another run's rotation is not undone", () =>
    Effect.gen(function*() {
      let w: ReturnType<typeof world> | undefined
      // the lock is only granted after another run finished rotating (it stored rft-2)
      w = world({ acquire: Effect.sync(() => w!.rotate()) })
      const report = yield* refreshAll("tiktok", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(w.layer))
      assert.strictEqual(report.statuses[0]!.action, "rotated")
      // the platform was shown the token the other run stored, not the one this run started with
      assert.deepStrictEqual(w.http.seen.map((r) => r.form["refresh_token"]), ["rft-2"])
      assert.strictEqual(w.stored()["refresh_token"], "rft-3")
      assert.strictEqual(w.live(), "rft-3")
      // comments survive, and the file holding the secret stays 0600
      assert.include(fs.readFileSync(w.file, "utf8"), "# tokens for the blog")
      assert.strictEqual(fs.statSync(w.file).mode & 0o777, 0o600)
    }))

  it.effect("a lock that is held stops a real run before any call or journal replay; a dry run never asks for it", () =>
    Effect.gen(function*() {
      let asked = 0
      const held = new LockHeld({ file: "/state/herald/lock-x.lock", pid: 4242, startedAt: "2026-05-01T10:00:00.000Z" })
      const w = world({ acquire: Effect.suspend(() => (asked++, Effect.fail(held))) })
      const e = yield* refreshAll("tiktok", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(w.layer), Effect.flip)
      assert.strictEqual(e._tag, "LockHeld")
      assert.include(e.message, "pid 4242")
      assert.include(e.message, "2026-05-01T10:00:00.000Z")
      assert.strictEqual(w.http.seen.length, 0)
      assert.strictEqual(asked, 1)

      const dry = yield* refreshAll("tiktok", { dryRun: true, concurrency: 1 }).pipe(Effect.provide(w.layer))
      assert.strictEqual(dry.statuses[0]!.action, "rotated")
      assert.strictEqual(asked, 1)
      assert.strictEqual(w.http.seen.length, 0)
      assert.strictEqual(w.stored()["refresh_token"], "rft-1")
    }))

  it.effect("a usage error is reported without taking the lock", () =>
    Effect.gen(function*() {
      let asked = 0
      const w = world({ acquire: Effect.sync(() => void asked++) })
      const e = yield* refreshAll("x", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(w.layer), Effect.flip)
      assert.strictEqual(e._tag, "UsageError")
      assert.strictEqual(asked, 0)
    }))

  it.effect("the journal's clears are written before the lock is let go: none can land on the next run's entries", () =>
    Effect.gen(function*() {
      let atRelease: Array<string> | undefined
      let w: ReturnType<typeof world> | undefined
      // what the journal holds at the moment this run lets go of the lock
      const journalEntries = () => {
        const dir = path.join(path.dirname(w!.file), "state", "herald")
        const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith("journal-")) : []
        return files.flatMap((f) => Object.keys(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as object))
      }
      w = world({ acquire: Effect.addFinalizer(() => Effect.sync(() => void (atRelease = journalEntries()))) })
      const report = yield* refreshAll("tiktok", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(w.layer))
      assert.strictEqual(report.statuses[0]!.action, "rotated")
      assert.deepStrictEqual(atRelease, [])
    }))
})
