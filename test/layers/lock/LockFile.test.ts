import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Scope from "effect/Scope"
import * as Exit from "effect/Exit"
import * as TestClock from "effect/TestClock"
import * as LockFile from "../../../src/layers/lock/LockFile.js"

const dirs: Array<string> = []
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "herald-lock-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** A pid that no running process has: a child that has already exited. */
let dead: number | undefined
const deadPid = (): number => {
  dead ??= spawnSync(process.execPath, ["-e", ""]).pid!
  return dead
}

const writeLock = (file: string, holder: Record<string, unknown> | string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, typeof holder === "string" ? holder : JSON.stringify(holder))
}

/** Acquire in a scope of our own; the caller closes it to release. */
const hold = (lock: ReturnType<typeof LockFile.make>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const result = yield* Effect.either(Scope.extend(lock.acquire, scope))
    return { result, release: Scope.close(scope, Exit.void) }
  })

describe("LockFile", () => {
  it.live("the lock holds this process's pid and start time, is 0600, and is removed on release", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "state", "herald", "lock-x.lock")
      const { result, release } = yield* hold(LockFile.make(file))
      assert.isTrue(Either.isRight(result))
      const holder = JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number; startedAt: string }
      assert.strictEqual(holder.pid, process.pid)
      assert.isFalse(Number.isNaN(Date.parse(holder.startedAt)))
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600)
      assert.strictEqual(fs.statSync(path.dirname(file)).mode & 0o777, 0o700)
      yield* release
      assert.isFalse(fs.existsSync(file))
      // no temp files or takeover markers are left behind
      assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), [])
    }))

  it.live("a second holder in the same process fails fast, naming the holder's pid and start time", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "lock-x.lock")
      const lock = LockFile.make(file)
      const first = yield* hold(lock)
      const second = yield* hold(lock)
      assert.isTrue(Either.isLeft(second.result))
      const e = Either.isLeft(second.result) ? second.result.left : undefined
      const holder = JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number; startedAt: string }
      assert.strictEqual(e?._tag, "LockHeld")
      assert.include(e!.message, `pid ${process.pid}`)
      assert.include(e!.message, holder.startedAt)
      // the failed attempt did not disturb the holder's lock
      yield* second.release
      assert.isTrue(fs.existsSync(file))
      yield* first.release
      assert.isFalse(fs.existsSync(file))
    }))

  it.live("a lock held by another live process is respected", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "lock-x.lock")
      const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" })
      try {
        writeLock(file, { pid: sleeper.pid, startedAt: "2026-01-01T00:00:00.000Z", host: os.hostname() })
        const { result } = yield* hold(LockFile.make(file))
        assert.isTrue(Either.isLeft(result))
        if (Either.isLeft(result)) {
          assert.strictEqual(result.left._tag, "LockHeld")
          assert.include(result.left.message, `pid ${sleeper.pid}`)
          assert.include(result.left.message, "2026-01-01T00:00:00.000Z")
        }
        assert.include(fs.readFileSync(file, "utf8"), String(sleeper.pid))
      } finally {
        sleeper.kill("SIGKILL")
      }
    }))

  it.live("a lock left by a dead process is taken over, and released like any other", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "lock-x.lock")
      writeLock(file, { pid: deadPid(), startedAt: "2026-01-01T00:00:00.000Z" })
      const { result, release } = yield* hold(LockFile.make(file))
      assert.isTrue(Either.isRight(result))
      assert.strictEqual((JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number }).pid, process.pid)
      yield* release
      assert.isFalse(fs.existsSync(file))
    }))

  it.live("an unreadable lock, or one with this pid from an earlier life (a restarted container), is taken over", () =>
    Effect.gen(function*() {
      for (const junk of ["", "{not json", JSON.stringify({ pid: 0, startedAt: "x" }), JSON.stringify({ pid: process.pid, startedAt: "x", id: "from-before" })]) {
        const file = path.join(tempDir(), "lock-x.lock")
        writeLock(file, junk)
        const { result, release } = yield* hold(LockFile.make(file))
        assert.isTrue(Either.isRight(result), `taking over ${JSON.stringify(junk)}`)
        yield* release
      }
    }))

  it.live("a lock recorded on another host is never judged by a local pid", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "lock-x.lock")
      writeLock(file, { pid: deadPid(), startedAt: "2026-01-01T00:00:00.000Z", host: "some-other-host.invalid" })
      const { result } = yield* hold(LockFile.make(file))
      assert.isTrue(Either.isLeft(result))
    }))

  it.live("many contenders for one dead lock: exactly one wins, every time", () =>
    Effect.gen(function*() {
      for (let round = 0; round < 10; round++) {
        const file = path.join(tempDir(), "lock-x.lock")
        writeLock(file, { pid: deadPid(), startedAt: "2026-01-01T00:00:00.000Z" })
        const lock = LockFile.make(file)
        const results = yield* Effect.forEach(Array.from({ length: 16 }), () => hold(lock), { concurrency: "unbounded" })
        const winners = results.filter((r) => Either.isRight(r.result))
        assert.strictEqual(winners.length, 1, `round ${round}: ${winners.length} holders`)
        const losers = results.filter((r) => Either.isLeft(r.result)).map((r) => (Either.isLeft(r.result) ? r.result.left._tag : ""))
        assert.isTrue(losers.every((t) => t === "LockHeld"))
        yield* Effect.forEach(results, (r) => r.release, { discard: true })
        assert.isFalse(fs.existsSync(file))
        assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), [])
      }
    }))

  // the lock now lives beside the config (issue 14 item 3): the remedy names that folder, not XDG_STATE_HOME
  it.live("a lock folder that cannot be created is a clear start-up error, not a crash", () =>
    Effect.gen(function*() {
      const blocker = path.join(tempDir(), "not-a-dir")
      fs.writeFileSync(blocker, "")
      const { result } = yield* hold(LockFile.make(path.join(blocker, "herald", "lock-x.lock")))
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "LockUnavailable")
        assert.include(result.left.message, "ENOTDIR")
        assert.include(result.left.message, `check that ${path.join(blocker, "herald")} is a folder herald can write`)
      }
    }))
})

describe("which locks are taken over (issue 14 item 11)", () => {
  const HOUR = 3_600_000
  const now = Date.parse("2026-12-02T12:00:00Z")
  const facts = (over: Partial<LockFile.Facts> = {}): LockFile.Facts => ({
    now,
    host: "here",
    pid: 4242,
    bootId: "boot-1",
    ownIds: new Set(),
    alive: () => true,
    procStart: () => "1000",
    ...over
  })
  const holder = (over: Record<string, unknown> = {}) => ({
    pid: 77,
    startedAt: new Date(now - 60_000).toISOString(),
    host: "here",
    procStart: "1000",
    bootId: "boot-1",
    ...over
  })

  it("another host: abandoned once its heartbeat is 15 minutes old, respected while it beats", () => {
    const other = holder({ host: "container-before-restart" })
    assert.strictEqual(LockFile.judgeHolder(other, now - 16 * 60_000, facts()), "stale")
    assert.strictEqual(LockFile.judgeHolder(other, now - 2 * 60_000, facts()), "live")
    // no mtime to go by: its start time is the last sign of life
    assert.strictEqual(LockFile.judgeHolder(holder({ host: "h2", startedAt: new Date(now - 2 * HOUR).toISOString() }), undefined, facts()), "stale")
  })

  it("this host: a dead pid, a reused pid (another start time) or another boot is stale; a live holder is respected", () => {
    assert.strictEqual(LockFile.judgeHolder(holder(), now, facts({ alive: () => false })), "stale")
    assert.strictEqual(LockFile.judgeHolder(holder(), now, facts({ procStart: () => "999999" })), "stale")
    assert.strictEqual(LockFile.judgeHolder(holder(), now, facts({ bootId: "boot-2" })), "stale")
    assert.strictEqual(LockFile.judgeHolder(holder(), now, facts()), "live")
    // where /proc says nothing, a live pid is respected
    assert.strictEqual(LockFile.judgeHolder(holder(), now, facts({ procStart: () => undefined })), "live")
  })

  it("a live holder that started more than 6 hours ago is stuck (alert), not silently respected", () => {
    const old = holder({ startedAt: new Date(now - 7 * HOUR).toISOString() })
    assert.strictEqual(LockFile.judgeHolder(old, now, facts()), "stuck")
    assert.strictEqual(LockFile.judgeHolder({ ...old, host: "h2" }, now - 60_000, facts()), "stuck")
  })

  it.live("a lock whose pid now belongs to another process (start time differs) is taken over", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "lock-x.lock")
      const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"], { stdio: "ignore" })
      try {
        writeLock(file, {
          pid: child.pid,
          startedAt: new Date().toISOString(),
          host: os.hostname(),
          procStart: "1",
          id: "someone-else"
        })
        const { result, release } = yield* hold(LockFile.make(file))
        assert.isTrue(Either.isRight(result), String(Either.isLeft(result) ? result.left.message : ""))
        assert.strictEqual((JSON.parse(fs.readFileSync(file, "utf8")) as { pid: number }).pid, process.pid)
        yield* release
      } finally {
        child.kill("SIGKILL")
      }
    }))

  it.live("the lock records this process's start time, so a later reuse of the pid is recognised", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "lock-x.lock")
      const { release } = yield* hold(LockFile.make(file))
      const rec = JSON.parse(fs.readFileSync(file, "utf8")) as { procStart?: string }
      if (fs.existsSync(`/proc/${process.pid}/stat`)) assert.strictEqual(rec.procStart, LockFile.procStartOf(process.pid))
      yield* release
    }))
})

describe("the holder's heartbeat", () => {
  it.scoped("a held lock is touched every minute, so another host can tell a live holder from an abandoned lock", () =>
    Effect.gen(function*() {
      const file = path.join(tempDir(), "lock-x.lock")
      yield* LockFile.make(file).acquire
      const old = new Date(Date.now() - 3_600_000)
      fs.utimesSync(file, old, old)
      yield* TestClock.adjust("61 seconds")
      // the heartbeat fiber runs on the test clock; give it a turn
      yield* Effect.yieldNow()
      assert.isAbove(fs.statSync(file).mtimeMs, Date.now() - 60_000)
    }))
})
