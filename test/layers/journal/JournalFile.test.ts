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
import { replay } from "../../../src/layers/journal/journalLog.js"
import { mountTmpfs } from "../../support/tmpfs.js"

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
      const onDisk = () => Effect.promise(() => fs.readFile(file, "utf8").then((t) => Object.keys(replay(t).entries).sort(), () => []))
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

describe("JournalFile: the old location, the user's own values, and room on disk (issue 14)", () => {
  it.scoped("an entry an older version left in the state dir is replayed from the new journal, and the old file removed", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const old = path.join(dir, "state", "herald", "journal-1234abcd.json")
      yield* Effect.promise(() => fs.mkdir(path.dirname(old), { recursive: true }))
      const left = { platform: "tiktok", account: "a1", at: "2026-11-30T10:00:00.000Z", secrets: { refresh_token: "sentinel-left" }, metadata: {} }
      yield* Effect.promise(() => fs.writeFile(old, JSON.stringify({ "tiktok:a1": left }), { mode: 0o600 }))
      const file = path.join(dir, ".herald.yaml.herald-journal")
      const journal = yield* JournalFile.make(file, { legacy: [old] })
      const pending = yield* journal.pending
      assert.deepStrictEqual(pending, [left])
      assert.include(yield* Effect.promise(() => fs.readFile(file, "utf8")), "sentinel-left")
      assert.isFalse(yield* Effect.promise(() => fs.access(old).then(() => true, () => false)))
    }))

  it.scoped("supersede forgets only the keys the user stored, at once, and says what it held", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal.json")
      const journal = yield* JournalFile.make(file)
      yield* journal.record(connection(1), { secrets: { refresh_token: Redacted.make("rt-old"), access_token: Redacted.make("at-old") }, metadata: {} })
      const first = yield* journal.supersede!(connection(1), ["access_token"])
      assert.deepStrictEqual(Object.keys(first?.secrets ?? {}).sort(), ["access_token", "refresh_token"])
      const onDisk = replay(yield* Effect.promise(() => fs.readFile(file, "utf8"))).entries
      assert.deepStrictEqual(Object.keys(onDisk["tiktok:a1"]!.secrets), ["refresh_token"])
      yield* journal.supersede!(connection(1), ["refresh_token"])
      assert.deepStrictEqual(yield* journal.pending, [])
      assert.isUndefined(yield* journal.supersede!(connection(2), ["refresh_token"]))
    }))

  it.scoped("room is secured at preflight: a disk that fills up before the answer still takes it; a full one fails the preflight (tmpfs)", () =>
    Effect.gen(function*() {
      const fsys = mountTmpfs(256)
      if ("skipped" in fsys) {
        console.warn(`skipped: ${fsys.skipped}`)
        return
      }
      yield* Effect.addFinalizer(() => Effect.sync(() => fsys.unmount()))
      const file = path.join(fsys.dir, ".herald.yaml.herald-journal")
      const journal = yield* JournalFile.make(file)
      yield* journal.preflight!(connection(1))
      // the disk fills up while the platform is answering
      fsys.fill()
      const token = `sentinel-rt-${"x".repeat(2000)}`
      yield* journal.record(connection(1), { secrets: { refresh_token: Redacted.make(token) }, metadata: {} })
      assert.include(yield* Effect.promise(() => fs.readFile(file, "utf8")), token)

      // now nothing is left: the next rotation is refused before it is sent
      fsys.fill()
      const refused = yield* Effect.either(journal.preflight!(connection(2)))
      assert.isTrue(refused._tag === "Left")
      if (refused._tag === "Left") {
        assert.strictEqual(refused.left._tag, "PreflightFailed")
        assert.include(refused.left.reason, "ENOSPC")
      }
      const names = (yield* Effect.promise(() => fs.readdir(fsys.dir))).filter((n) => !n.endsWith(".room"))
      assert.deepStrictEqual(names.sort(), [".herald.yaml.herald-journal", "filler.bin"], "no temp file left behind")
    }))

  it.scoped("a journal folder that takes no new file fails the preflight as not writable, even for root (read-only tmpfs)", () =>
    Effect.gen(function*() {
      const fsys = mountTmpfs(64, { readOnly: true })
      if ("skipped" in fsys) {
        console.warn(`skipped: ${fsys.skipped}`)
        return
      }
      yield* Effect.addFinalizer(() => Effect.sync(() => fsys.unmount()))
      const journal = yield* JournalFile.make(path.join(fsys.dir, ".herald.yaml.herald-journal"))
      const refused = yield* Effect.either(journal.preflight!(connection(1)))
      assert.isTrue(refused._tag === "Left")
      if (refused._tag === "Left") assert.include(refused.left.reason, "not writable (EROFS)")
    }))
})

describe("JournalFile: appended, not rewritten (issue 20)", () => {
  it.scoped("each record appends its line; the file is never rewritten while entries stay, and compacted by flush", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal")
      const journal = yield* JournalFile.make(file)
      yield* journal.record(connection(1), { secrets: { refresh_token: Redacted.make("rt-1") }, metadata: {} })
      const inode = (yield* Effect.promise(() => fs.stat(file))).ino
      yield* journal.record(connection(2), { secrets: { refresh_token: Redacted.make("rt-2") }, metadata: {} })
      yield* journal.clear(connection(1))
      yield* journal.record(connection(3), { secrets: { refresh_token: Redacted.make("rt-3") }, metadata: {} })
      const text = yield* Effect.promise(() => fs.readFile(file, "utf8"))
      assert.strictEqual((yield* Effect.promise(() => fs.stat(file))).ino, inode, "the same file, appended to")
      assert.strictEqual(text.split("\n").filter((l) => l !== "").length, 4, "three records and a clear")
      yield* journal.flush!
      const after = yield* Effect.promise(() => fs.readFile(file, "utf8"))
      assert.strictEqual(after.split("\n").filter((l) => l !== "").length, 2, "compacted to the live entries")
      assert.deepStrictEqual(Object.keys(replay(after).entries).sort(), ["tiktok:a2", "tiktok:a3"])
    }))

  it.scoped("a torn last line left by a crash: the entries before it are pending, and the next record starts a line of its own", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal")
      const first = yield* JournalFile.make(file)
      yield* first.record(connection(1), { secrets: { refresh_token: Redacted.make("rt-1") }, metadata: {} })
      // a crash cut the next append short
      yield* Effect.promise(() => fs.appendFile(file, '{"n":2,"put":"tiktok:a2","entry":{"platform":"tik'))
      const journal = yield* JournalFile.make(file)
      assert.deepStrictEqual((yield* journal.pending).map((e) => e.secrets["refresh_token"]), ["rt-1"])
      yield* journal.record(connection(3), { secrets: { refresh_token: Redacted.make("rt-3") }, metadata: {} })
      const again = yield* JournalFile.make(file)
      assert.deepStrictEqual((yield* again.pending).map((e) => e.secrets["refresh_token"]).sort(), ["rt-1", "rt-3"])
    }))

  it.scoped("an entry stored under another key than its connection's is still cleared (and not replayed again)", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal")
      const odd = { platform: "tiktok", account: "a1", at: "2026-12-01T10:00:00.000Z", secrets: { refresh_token: "rt-1" }, metadata: {} }
      yield* Effect.promise(() => fs.writeFile(file, JSON.stringify({ n: 1, put: "TikTok/a1", entry: odd }) + "\n", { mode: 0o600 }))
      const journal = yield* JournalFile.make(file)
      assert.strictEqual((yield* journal.pending).length, 1)
      yield* journal.clear(connection(1))
      yield* journal.flush!
      const again = yield* JournalFile.make(file)
      assert.deepStrictEqual(yield* again.pending, [])
    }))

  it.scoped("a connection that ends without recording gives its room back: failed calls do not grow the room for the rest of the run", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "journal")
      const journal = yield* JournalFile.make(file)
      const roomSize = () => Effect.promise(() => fs.stat(`${file}.room`).then((s) => s.size, () => 0))
      // eight at a time, like a run at concurrency 8, each call failing (a 429, say)
      for (let wave = 0; wave < 10; wave++) {
        const batch = Array.from({ length: 8 }, (_, k) => connection(wave * 8 + k))
        for (const c of batch) yield* journal.preflight!(c)
        for (const c of batch) yield* journal.release!(c)
      }
      const need = JournalFile.BASE_ROOM + 8 * JournalFile.ENTRY_ROOM
      assert.isAtMost(yield* roomSize(), need + JournalFile.ROOM_STEP, "room for eight answers, not eighty")
    }))
})

/**
 * Issue 20: a rotation's answer is journaled (and fsync'd) once. The outcome's fuller entry
 * — the same tokens and their metadata — is an amendment that goes out with the journal's
 * next write instead of a second write of its own, and never brings back an entry that is
 * gone.
 */
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
