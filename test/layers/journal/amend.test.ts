/**
 * Issue 20: a rotation's answer is journaled (and fsync'd) once. The outcome's fuller entry
 * — the same tokens and their metadata — is an amendment that goes out with the journal's
 * next write instead of a second write of its own, and never brings back an entry that is
 * gone.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Connection } from "../../../src/domain/Connection.js"
import * as JournalFile from "../../../src/layers/journal/JournalFile.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "herald-amend-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const connection = (i: number): Connection => ({
  platform: "tiktok",
  account: `a${i}`,
  settings: {},
  configPath: ["platforms", "tiktok", "accounts", `a${i}`]
})

const linesOf = (file: string) =>
  Effect.promise(() => fs.readFile(file, "utf8").then((t) => t.split("\n").filter((l) => l !== ""), () => []))

const secrets = { refresh_token: Redacted.make("sentinel-amend-rt"), access_token: Redacted.make("sentinel-amend-at") }

describe("Journal.amend", () => {
  it.scoped("the outcome's entry adds no write of its own: it rides with the next record, and a fresh reader sees its metadata", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal")
      const journal = yield* JournalFile.make(file)
      yield* journal.record(connection(1), { secrets, metadata: {} })
      assert.strictEqual((yield* linesOf(file)).length, 1, "the answer's tokens: one line, on disk")
      yield* journal.amend!(connection(1), { secrets, metadata: { refresh_token_expires_at: "2027-06-01T00:00:00Z" } })
      assert.strictEqual((yield* linesOf(file)).length, 1, "the amendment is not written on its own")
      // another connection's answer: its write carries the amendment
      yield* journal.record(connection(2), { secrets: { refresh_token: Redacted.make("sentinel-amend-rt-2") }, metadata: {} })
      assert.strictEqual((yield* linesOf(file)).length, 3)
      const fresh = yield* JournalFile.make(file)
      const entry = (yield* fresh.pending).find((e) => e.account === "a1")
      assert.deepStrictEqual(entry?.metadata, { refresh_token_expires_at: "2027-06-01T00:00:00Z" })
      assert.strictEqual(entry?.secrets["refresh_token"], "sentinel-amend-rt")
    }))

  it.scoped("an amendment after the entry was cleared, or without any entry, brings nothing back", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal")
      const journal = yield* JournalFile.make(file)
      yield* journal.record(connection(1), { secrets, metadata: {} })
      yield* journal.clear(connection(1))
      yield* journal.amend!(connection(1), { secrets, metadata: { refresh_token_expires_at: "2027-06-01T00:00:00Z" } })
      yield* journal.amend!(connection(3), { secrets, metadata: { refresh_token_expires_at: "2027-06-01T00:00:00Z" } })
      yield* journal.flush!
      assert.deepStrictEqual(yield* journal.pending, [])
      const fresh = yield* JournalFile.make(file)
      assert.deepStrictEqual(yield* fresh.pending, [])
    }))
})
