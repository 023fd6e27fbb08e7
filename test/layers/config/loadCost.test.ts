/**
 * Issue 20: what loading a big config and writing one value back costs, counted (not timed).
 * A one-account refresh in a 5,000-account config took 4× the time of one in a 10-account
 * config: the whole file was composed into yaml's round-trip Document at load (for the
 * writer) and every account went through the Schema. A plain config now builds no
 * Document at all, and its connections are built once.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { vi } from "vitest"
import { connectionsOf } from "../../../src/domain/Connection.js"
import { CatalogLive } from "../../../src/cli/AppLayer.js"
import { configCatalog } from "../../../src/programs/configCatalog.js"
import * as ConfigFile from "../../../src/layers/config/ConfigFile.js"
import * as ConfigFileStore from "../../../src/layers/config/ConfigFileStore.js"

const counted = vi.hoisted(() => ({ documents: 0 }))

vi.mock("yaml", async (importOriginal) => {
  const real = await importOriginal<typeof import("yaml")>()
  return {
    ...real,
    parseDocument: (...args: Parameters<typeof real.parseDocument>) => {
      counted.documents++
      return real.parseDocument(...args)
    }
  }
})

const bigConfig = (accounts: number, extra = "") => {
  const lines = ["# five thousand brands", "platforms:", "  tiktok:", "    client_key: ck", "    client_secret: cs", "    accounts:"]
  for (let i = 0; i < accounts; i++) {
    lines.push(`      a${i}:`, `        refresh_token: "SENTINEL-rt-${i}" # rotated by herald`, `        refresh_token_expires_at: 2027-01-01T00:00:00Z`)
  }
  return `${lines.join("\n")}\n${extra}`
}

describe("config load cost", () => {
  it.scoped("a 5,000-account config is loaded and one account's tokens written back without building a yaml Document", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "herald-load-"))),
        (d) => Effect.promise(() => fs.rm(d, { recursive: true, force: true }))
      )
      const file = path.join(dir, "herald.yaml")
      const text = bigConfig(5000)
      yield* Effect.promise(() => fs.writeFile(file, text, { mode: 0o600 }))
      counted.documents = 0
      const loaded = yield* ConfigFile.load({ file, explicit: true }).pipe(Effect.provide(CatalogLive))
      assert.strictEqual(connectionsOf(loaded.config).length, 5001)
      const store = yield* ConfigFileStore.make(file)
      const edits = [
        { path: ["platforms", "tiktok", "accounts", "a4321", "refresh_token"], value: "SENTINEL-rt-new" },
        { path: ["platforms", "tiktok", "accounts", "a4321", "refresh_token_expires_at"], value: "2027-06-01T00:00:00Z" }
      ]
      yield* store.apply(edits, { secret: true })
      assert.strictEqual(counted.documents, 0)
      // and the file is what the whole-Document edit makes (that one builds a Document, after the count)
      const written = yield* Effect.promise(() => fs.readFile(file, "utf8"))
      assert.strictEqual(written, ConfigFileStore.applyEdits(text, edits))
      assert.include(written, `        refresh_token: "SENTINEL-rt-new" # rotated by herald\n`)
    }))

  it("a config beyond the fast path still loads through one Document, handed to the writer", () => {
    counted.documents = 0
    const text = bigConfig(10, "auth:\n  alerts: { backend: none }\n")
    assert.isTrue(Either.isRight(ConfigFile.parseConfigText("/tmp/flow.yaml", text, configCatalog)))
    assert.strictEqual(counted.documents, 1)
    assert.isDefined(ConfigFile.takeParsedDocument(text))
  })

  it("a config's connections are built once, however often they are asked for", () => {
    const config = Either.getOrThrow(ConfigFile.parseConfigText("/tmp/memo.yaml", bigConfig(100), configCatalog))
    assert.strictEqual(connectionsOf(config), connectionsOf(config))
  })
})
