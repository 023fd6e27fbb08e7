/**
 * The journal under many concurrent rotations (issue 9): records and clears are batched,
 * yet each record is on disk before it returns (persist first), and nothing is lost.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Redacted from "effect/Redacted"
import type { Connection } from "../../../src/domain/Connection.js"
import * as JournalFile from "../../../src/layers/journal/JournalFile.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "herald-journal-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const connection = (i: number): Connection => ({
  platform: "tiktok",
  account: `a${i}`,
  settings: {},
  configPath: ["platforms", "tiktok", "accounts", `a${i}`]
})

describe("JournalFile", () => {
  it.scoped("100 concurrent rotations: each record is on disk when it returns; clearing them all removes the file", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "state", "journal.json")
      const journal = yield* JournalFile.make(file)
      const missing: Array<number> = []
      yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) =>
          journal.record(connection(i), { secrets: { refresh_token: Redacted.make(`sentinel-rt-${i}`) }, metadata: {} }).pipe(
            Effect.zipRight(Effect.promise(() => fs.readFile(file, "utf8"))),
            Effect.tap((text) => Effect.sync(() => void (text.includes(`sentinel-rt-${i}"`) ? undefined : missing.push(i))))
          ),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(missing, [])
      const pending = yield* journal.pending
      assert.strictEqual(pending.length, 100)
      assert.strictEqual((yield* Effect.promise(() => fs.stat(file))).mode & 0o777, 0o600)

      yield* Effect.forEach(Array.from({ length: 100 }, (_, i) => i), (i) => journal.clear(connection(i)), { concurrency: "unbounded" })
      assert.deepStrictEqual(yield* journal.pending, [])
      const left = yield* Effect.promise(() => fs.access(file).then(() => true, () => false))
      assert.isFalse(left)
    }))

  it.scoped("records and clears interleaved keep exactly the uncleared entries", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const journal = yield* JournalFile.make(path.join(dir, "journal.json"))
      yield* Effect.forEach(
        Array.from({ length: 40 }, (_, i) => i),
        (i) =>
          journal.record(connection(i), { secrets: { refresh_token: Redacted.make(`rt-${i}`) }, metadata: { access_token_expires_at: `2027-01-01T00:00:${String(i).padStart(2, "0")}Z` } }).pipe(
            Effect.zipRight(i % 2 === 0 ? journal.clear(connection(i)) : Effect.void)
          ),
        { concurrency: "unbounded" }
      )
      const pending = yield* journal.pending
      assert.deepStrictEqual(
        pending.map((e) => e.account).sort(),
        Array.from({ length: 20 }, (_, k) => `a${2 * k + 1}`).sort()
      )
    }))

  it.scoped("a clear waits for no write of its own: it goes out with the next record, or when the journal's scope closes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal.json")
      const onDisk = () => Effect.promise(() => fs.readFile(file, "utf8").then((t) => Object.keys(JSON.parse(t) as object).sort(), () => []))
      const scope = yield* Scope.make()
      const journal = yield* JournalFile.make(file).pipe(Scope.extend(scope))
      yield* journal.record(connection(1), { secrets: { refresh_token: Redacted.make("rt-1") }, metadata: {} })
      yield* journal.record(connection(2), { secrets: { refresh_token: Redacted.make("rt-2") }, metadata: {} })
      yield* journal.clear(connection(1))
      assert.deepStrictEqual(yield* onDisk(), ["tiktok:a1", "tiktok:a2"], "the clear has not been written yet")
      yield* journal.record(connection(3), { secrets: { refresh_token: Redacted.make("rt-3") }, metadata: {} })
      assert.deepStrictEqual(yield* onDisk(), ["tiktok:a2", "tiktok:a3"], "written with the next record")
      yield* journal.clear(connection(2))
      yield* journal.clear(connection(3))
      assert.deepStrictEqual(yield* onDisk(), ["tiktok:a2", "tiktok:a3"])
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* onDisk(), [], "written when the run ends")
    }))
})
