import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { type AlertMemoryState, emptyMemory } from "../../../src/domain/Alerts.js"
import * as AlertMemoryFile from "../../../src/layers/alertMemory/AlertMemoryFile.js"
import { storeKey } from "../../../src/layers/journal/stateDir.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "herald-alerts-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

const state: AlertMemoryState = {
  ...emptyMemory("0123"),
  told: { linkedin: { kind: "reauth-required", date: "2026-12-01T09:00:00Z", toldAt: "2026-11-22T09:00:00.000Z" } },
  refusals: { x: { at: "2026-11-22T09:00:00Z", fingerprint: "abcdef0123456789" } }
}

describe("AlertMemoryFile", () => {
  it.scoped("no file is an empty memory with a fresh salt; a saved memory reads back, 0600 in a 0700 folder", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "state", "alerts.json")
      const memory = AlertMemoryFile.make(file)
      const empty = yield* memory.load
      assert.deepStrictEqual({ ...empty, salt: "" }, emptyMemory(""))
      assert.match(empty.salt, /^[0-9a-f]{32}$/)
      assert.notStrictEqual((yield* memory.load).salt, empty.salt)
      yield* memory.save(state)
      assert.deepStrictEqual(yield* memory.load, state)
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(fs.statSync(path.dirname(file)).mode & 0o777, 0o700)
      // no temp file left beside it
      assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["alerts.json"])
    }))

  it.scoped("an unreadable file starts over instead of failing the run", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "alerts.json")
      fs.writeFileSync(file, "{ not json")
      const loaded = yield* AlertMemoryFile.make(file).load
      assert.deepStrictEqual(loaded.told, {})
      fs.writeFileSync(file, JSON.stringify({ version: 9 }))
      assert.deepStrictEqual((yield* AlertMemoryFile.make(file).load).told, {})
    }))

  it.effect("lives in the state folder, or in HERALD_ALERT_STATE_DIR, named after the config file", () =>
    Effect.gen(function*() {
      const key = storeKey("/srv/herald.yaml")
      const inState = yield* AlertMemoryFile.alertMemoryPath("/srv/herald.yaml").pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["XDG_STATE_HOME", "/var/state"]])))
      )
      assert.strictEqual(inState, `/var/state/herald/alerts-${key}.json`)
      const cached = yield* AlertMemoryFile.alertMemoryPath("/srv/herald.yaml").pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map([["XDG_STATE_HOME", "/var/state"], ["HERALD_ALERT_STATE_DIR", "/cache/herald-alerts"]]))
        )
      )
      assert.strictEqual(cached, `/cache/herald-alerts/alerts-${key}.json`)
    }))

  it.effect("a config reached through a symlink shares the memory of its real file (one alert, not one per path)", () =>
    Effect.gen(function*() {
      const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "herald-alerts-link-")))
      const real = path.join(dir, "dotfiles", "herald.yaml")
      fs.mkdirSync(path.dirname(real))
      fs.writeFileSync(real, "platforms: {}\n")
      const link = path.join(dir, "config.yaml")
      fs.symlinkSync(real, link)
      const env = Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["XDG_STATE_HOME", path.join(dir, "state")]])))
      const viaLink = yield* AlertMemoryFile.alertMemoryPath(link).pipe(env)
      const direct = yield* AlertMemoryFile.alertMemoryPath(real).pipe(env)
      fs.rmSync(dir, { recursive: true, force: true })
      assert.strictEqual(viaLink, direct)
    }))
})
