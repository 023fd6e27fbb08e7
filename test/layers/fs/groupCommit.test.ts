/**
 * Group commit (issue 9): many writers share a few commits, and none returns before a
 * commit holding its own change has finished.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import * as GroupCommit from "../../../src/layers/fs/groupCommit.js"

/** A commit that takes a while, like an fsync'd write, and records what it was given. */
const slowRecorder = <E>(opts: { readonly failBatch?: (batch: ReadonlyArray<number>) => E | undefined; readonly failItem?: (n: number) => E | undefined } = {}) => {
  const batches: Array<ReadonlyArray<number>> = []
  const committed = new Set<number>()
  const commit = (batch: ReadonlyArray<number>) =>
    Effect.gen(function*() {
      yield* Effect.sleep("20 millis")
      const whole = opts.failBatch?.(batch)
      if (whole !== undefined) return yield* Effect.fail(whole)
      batches.push(batch)
      const errors = batch.map((n) => opts.failItem?.(n))
      batch.forEach((n, i) => {
        if (errors[i] === undefined) committed.add(n)
      })
      return errors
    })
  return { batches, committed, commit }
}

describe("groupCommit", () => {
  it.live("50 concurrent writers: a few commits, in order, and each returns only once its item is committed", () =>
    Effect.gen(function*() {
      const rec = slowRecorder<string>()
      const writer = yield* GroupCommit.make(rec.commit)
      const seenCommittedOnReturn: Array<boolean> = []
      yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i),
        (i) => Effect.tap(writer.submit(i), () => Effect.sync(() => void seenCommittedOnReturn.push(rec.committed.has(i)))),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(seenCommittedOnReturn.length, 50)
      assert.isTrue(seenCommittedOnReturn.every(Boolean))
      // the first writer commits alone; everyone who queued meanwhile shares the next commit
      assert.isAtMost(rec.batches.length, 3)
      assert.deepStrictEqual(rec.batches.flat(), Array.from({ length: 50 }, (_, i) => i))
    }))

  it.live("a failed commit fails every writer in it; the next writers still commit", () =>
    Effect.gen(function*() {
      let failing = true
      const rec = slowRecorder<string>({ failBatch: () => (failing ? "EROFS" : undefined) })
      const writer = yield* GroupCommit.make(rec.commit)
      const first = yield* Effect.forEach([1, 2, 3], (i) => Effect.either(writer.submit(i)), { concurrency: "unbounded" })
      assert.isTrue(first.every((r) => Either.isLeft(r) && r.left === "EROFS"))
      failing = false
      yield* writer.submit(4)
      assert.deepStrictEqual([...rec.committed], [4])
    }))

  it.live("an item's own error fails only that writer; the rest of its batch is committed", () =>
    Effect.gen(function*() {
      const rec = slowRecorder<string>({ failItem: (n) => (n === 2 ? "bad edit" : undefined) })
      const writer = yield* GroupCommit.make(rec.commit)
      const results = yield* Effect.forEach([1, 2, 3], (i) => Effect.either(writer.submit(i)), { concurrency: "unbounded" })
      assert.deepStrictEqual(results.map(Either.isRight), [true, false, true])
      assert.deepStrictEqual([...rec.committed].sort(), [1, 3])
    }))

  it.live("a writer interrupted while it waits is taken back and does not hold up the others", () =>
    Effect.gen(function*() {
      const rec = slowRecorder<string>()
      const writer = yield* GroupCommit.make(rec.commit)
      const leader = yield* Effect.fork(writer.submit(1))
      yield* Effect.sleep("5 millis")
      const quitter = yield* Effect.fork(writer.submit(2))
      const stayer = yield* Effect.fork(writer.submit(3))
      yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(quitter)
      yield* Fiber.await(leader)
      yield* Fiber.await(stayer)
      assert.deepStrictEqual(rec.batches, [[1], [3]])
    }))

  it.live("a deferred item waits for the next commit or a flush, and a flush with nothing queued writes nothing", () =>
    Effect.gen(function*() {
      const rec = slowRecorder<string>()
      const writer = yield* GroupCommit.make(rec.commit)
      yield* writer.flush
      assert.deepStrictEqual(rec.batches, [])
      yield* writer.defer(1)
      yield* writer.defer(2)
      assert.deepStrictEqual(rec.batches, [], "deferring writes nothing")
      yield* writer.submit(3)
      assert.deepStrictEqual(rec.batches, [[1, 2, 3]], "deferred items go out with the next commit, in order")
      yield* writer.defer(4)
      yield* writer.flush
      assert.deepStrictEqual(rec.batches, [[1, 2, 3], [4]])
    }))
})

/**
 * A writer that lingers (GroupCommit.Linger: a third, at most 5 ms) over a commit that
 * records its batches at once, and the answers on their way: item → when its call was sent
 * (TestClock ms). `answer(n)` is what the journal does when n's answer comes: n is no longer
 * expected, and is submitted.
 */
const lingering = (sent: ReadonlyArray<readonly [item: number, at: number]>) =>
  Effect.gen(function*() {
    const batches: Array<ReadonlyArray<number>> = []
    const sentAt = new Map(sent)
    const onTheirWay = new Map(sent)
    const writer = yield* GroupCommit.make(
      (batch: ReadonlyArray<number>) => Effect.sync(() => (batches.push([...batch]), batch.map(() => undefined))),
      {
        sentAt: (n) => sentAt.get(n),
        expected: (until) => [...onTheirWay.values()].filter((at) => at <= until).length,
        share: 3,
        atMost: "5 millis"
      }
    )
    const answer = (n: number) => Effect.suspend(() => (onTheirWay.delete(n), Effect.fork(writer.submit(n))))
    /** `n`'s call failed: its answer will not come */
    const lost = (n: number) => Effect.sync(() => (onTheirWay.delete(n), writer.nudge()))
    return { batches, writer, answer, lost }
  })

/** A few turns of the event loop: a batch's commit starts on the next one. */
const turns = Effect.promise(() => new Promise<void>((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve)))))

describe("groupCommit lingering for the answers on their way (issue 20)", () => {
  it.effect("a lone answer is committed at once, without waiting for the clock", () =>
    Effect.gen(function*() {
      const w = yield* lingering([[1, 0]])
      const one = yield* w.answer(1)
      yield* turns
      assert.deepStrictEqual(w.batches, [[1]])
      yield* Fiber.join(one)
    }))

  it.effect("a commit waits for the answers to calls sent with its own until it holds a third of them", () =>
    Effect.gen(function*() {
      const w = yield* lingering([[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [6, 0]])
      const first = yield* w.answer(1)
      yield* turns
      assert.deepStrictEqual(w.batches, [], "1 of 6: it waits")
      yield* w.answer(2)
      yield* turns
      assert.deepStrictEqual(w.batches, [[1, 2]], "2 of 6")
      yield* Fiber.join(first)
      for (const n of [3, 4, 5, 6]) {
        yield* w.answer(n)
        yield* turns
      }
      // 3 waits for a third of 3, 4, 5 and 6; 5 for a third of 5 and 6; 6 is the last
      assert.deepStrictEqual(w.batches, [[1, 2], [3, 4], [5], [6]])
    }))

  it.effect("it waits no longer than `atMost` for answers that do not come", () =>
    Effect.gen(function*() {
      const w = yield* lingering([[1, 0], [2, 0], [3, 0], [4, 0]])
      const one = yield* w.answer(1)
      yield* turns
      yield* TestClock.adjust("4 millis")
      yield* turns
      assert.deepStrictEqual(w.batches, [])
      yield* TestClock.adjust("1 millis")
      yield* turns
      assert.deepStrictEqual(w.batches, [[1]])
      yield* Fiber.join(one)
    }))

  it.effect("a call sent since (more than `atMost` after its own) is not waited for: it answers a latency later", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("100 millis")
      const w = yield* lingering([[1, 0], [2, 100], [3, 100], [4, 100]])
      yield* w.answer(1)
      yield* turns
      assert.deepStrictEqual(w.batches, [[1]])
    }))

  it.effect("an answer that will not come (its call failed) holds the commit no longer once it is said (nudge)", () =>
    Effect.gen(function*() {
      const w = yield* lingering([[1, 0], [2, 0], [3, 0], [4, 0]])
      const one = yield* w.answer(1)
      yield* turns
      assert.deepStrictEqual(w.batches, [])
      for (const n of [2, 3, 4]) yield* w.lost(n)
      yield* turns
      assert.deepStrictEqual(w.batches, [[1]])
      yield* Fiber.join(one)
    }))

  it.effect("a flush takes a lingering batch at once; its own commit then writes nothing more", () =>
    Effect.gen(function*() {
      const w = yield* lingering([[1, 0], [2, 0], [3, 0], [4, 0]])
      const one = yield* w.answer(1)
      yield* turns
      yield* w.writer.flush
      assert.deepStrictEqual(w.batches, [[1]])
      yield* Fiber.join(one)
      yield* TestClock.adjust("5 millis")
      yield* turns
      assert.deepStrictEqual(w.batches, [[1]])
    }))
})

/** Counts every Effect operation the fibers it supervises evaluate. */
class OpCounter extends Supervisor.AbstractSupervisor<number> {
  count = 0
  get value() {
    return Effect.sync(() => this.count)
  }
  override onEffect(): void {
    this.count++
  }
}

describe("groupCommit cost", () => {
  it.live("a writer costs a few operations of its own: the batch shares one wait and one commit, not one each", () =>
    Effect.gen(function*() {
      const opsOf = (writers: number) =>
        Effect.gen(function*() {
          const writer = yield* GroupCommit.make((batch: ReadonlyArray<number>) => Effect.succeed(batch.map(() => undefined)))
          const counter = new OpCounter()
          yield* Effect.forEach(Array.from({ length: writers }, (_, i) => i), (i) => writer.submit(i), { concurrency: "unbounded", discard: true }).pipe(
            Effect.supervised(counter),
            Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))
          )
          return counter.count
        })
      const one = yield* opsOf(1)
      const many = yield* opsOf(201)
      const perWriter = (many - one) / 200
      // the forEach's fiber per item is most of it (57 in all here); when each writer also made a
      // Deferred of its own, waited a turn of the event loop and took a turn at the lock: 111
      assert.isAtMost(perWriter, 75, `${perWriter} operations per further writer`)
    }))
})
