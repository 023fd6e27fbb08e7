/**
 * GracefulStop (DESIGN §2 rule 5) in-process, over in-memory layers and the TestClock:
 * what refreshAll does when asked to stop before it starts, while calls are in flight, and
 * twice; that the second request never cuts an uninterruptible step; and how the CLI's
 * exit code and the commands without a safe point react.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { exitCodeOf, NeedsAttention } from "../../src/cli/exit.js"
import type { HeraldConfig } from "../../src/domain/Config.js"
import type { Status } from "../../src/domain/Status.js"
// as an embedding app imports them
import { GracefulStop, GracefulStopLive, interruptedOnStop, refreshAll, unlessStopped } from "../../src/index.js"
import { connection } from "../support/connections.js"
import { json } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

const config: HeraldConfig = {
  platforms: {
    tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "rt-a", accounts: { brand: { refresh_token: "rt-b" } } }
  }
}

/** TikTok answering after `delay`, each answer a new pair */
const slowTikTok = (delay: Duration.DurationInput) => {
  let n = 0
  return () =>
    Effect.delay(
      Effect.sync(() => {
        n++
        return json(200, { access_token: `at-${n}`, expires_in: 7200, refresh_token: `rt-new-${n}`, refresh_expires_in: 15_552_000 })
      }),
      delay
    )
}

const setup = (delay: Duration.DurationInput = "2 seconds") => {
  const { layer, world } = makeWorld({ config, http: slowTikTok(delay) })
  return { world, layer: Layer.merge(layer, GracefulStopLive.layer) }
}

const byLabel = (statuses: ReadonlyArray<Status>) => Object.fromEntries(statuses.map((s) => [`${s.platform}:${s.account}`, s]))

describe("GracefulStop", () => {
  it.effect("asked to stop before the run starts: no call, every connection skipped saying so, and the alert still goes out", () =>
    Effect.gen(function*() {
      const { layer, world } = setup()
      const report = yield* Effect.gen(function*() {
        yield* (yield* GracefulStop).request("SIGTERM")
        return yield* refreshAll(undefined, { dryRun: false, concurrency: 8 })
      }).pipe(Effect.provide(layer))
      assert.strictEqual(world.seen.length, 0)
      assert.deepStrictEqual(report.statuses.map((s) => s.action), ["skipped", "skipped"])
      for (const s of report.statuses) assert.include(s.detail, "not started: the run was interrupted (SIGTERM)")
      assert.deepStrictEqual(world.edits, [])
      assert.strictEqual(world.notified.length, 1)
      assert.strictEqual(report.notification?.notified, true)
    }))

  it.effect("asked while a call is in flight: that call finishes and is stored, the next connection does not start", () =>
    Effect.gen(function*() {
      const { layer, world } = setup()
      const report = yield* Effect.gen(function*() {
        const stop = yield* GracefulStop
        const fiber = yield* Effect.fork(refreshAll(undefined, { dryRun: false, concurrency: 1 }))
        yield* TestClock.adjust("1 second")
        yield* stop.request("SIGTERM")
        yield* TestClock.adjust("5 seconds")
        return yield* Fiber.join(fiber)
      }).pipe(Effect.provide(layer))
      const statuses = byLabel(report.statuses)
      assert.strictEqual(statuses["tiktok:default"]!.action, "rotated")
      assert.strictEqual(statuses["tiktok:brand"]!.action, "skipped")
      assert.strictEqual(world.seen.length, 1)
      assert.strictEqual(world.keychain.get("tiktok/refresh_token"), "rt-new-1")
      assert.isFalse(world.keychain.has("tiktok:brand/refresh_token"))
      assert.strictEqual(world.notified.length, 1)
    }))

  it.effect("a second request cuts the calls in flight; what was stored before stays stored", () =>
    Effect.gen(function*() {
      const { layer, world } = setup()
      const report = yield* Effect.gen(function*() {
        const stop = yield* GracefulStop
        const fiber = yield* Effect.fork(refreshAll(undefined, { dryRun: false, concurrency: 1 }))
        // the first connection is answered and stored; the second is waiting for its answer
        yield* TestClock.adjust("3 seconds")
        yield* stop.request("SIGTERM")
        yield* stop.request("SIGTERM")
        return yield* Fiber.join(fiber)
      }).pipe(Effect.provide(layer))
      const statuses = byLabel(report.statuses)
      assert.strictEqual(statuses["tiktok:default"]!.action, "rotated")
      assert.strictEqual(statuses["tiktok:brand"]!.action, "failed")
      assert.include(statuses["tiktok:brand"]!.detail, "interrupted by a second stop request before its refresh finished: if its call to tiktok had gone out")
      assert.strictEqual(world.keychain.get("tiktok/refresh_token"), "rt-new-1")
      assert.strictEqual(world.notified.length, 1)
    }))

  it.effect("the second request waits for an uninterruptible step (an answer being journaled) to complete", () =>
    Effect.gen(function*() {
      const stop = yield* GracefulStopLive.make
      const journaled = yield* Ref.make(false)
      const answered = yield* Deferred.make<void>()
      const c = connection("tiktok")
      const work = Effect.gen(function*() {
        yield* Effect.uninterruptible(
          Deferred.succeed(answered, undefined).pipe(
            Effect.zipRight(Effect.sleep("1 second")),
            Effect.zipRight(Ref.set(journaled, true))
          )
        )
        yield* Effect.never
        return { platform: "tiktok", account: "default", action: "rotated", alert: false, detail: "" } satisfies Status
      })
      const fiber = yield* Effect.fork(unlessStopped(c, work).pipe(Effect.provideService(GracefulStop, stop)))
      yield* Deferred.await(answered)
      yield* stop.request("SIGTERM")
      yield* stop.request("SIGTERM")
      yield* TestClock.adjust("1 second")
      const status = yield* Fiber.join(fiber)
      assert.strictEqual(status.action, "failed")
      assert.isTrue(yield* Ref.get(journaled), "the journaling finished before the cut took effect")
    }))

  it.effect("commands without a safe point are interrupted at the first request", () =>
    Effect.gen(function*() {
      const stop = yield* GracefulStopLive.make
      const fiber = yield* Effect.fork(interruptedOnStop(Effect.never).pipe(Effect.provideService(GracefulStop, stop)))
      yield* stop.request("SIGINT")
      const exit = yield* Fiber.await(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.strictEqual(exitCodeOf(exit), 130)
    }))

  it("a run that was stopped exits 130 whatever its report said; a defect stays 70", () => {
    assert.strictEqual(exitCodeOf(Exit.void, { stopped: true }), 130)
    assert.strictEqual(exitCodeOf(Exit.fail(new NeedsAttention({ count: 2 })), { stopped: true }), 130)
    assert.strictEqual(exitCodeOf(Exit.fail(new NeedsAttention({ count: 2 }))), 1)
    assert.strictEqual(exitCodeOf(Exit.die(new Error("bug")), { stopped: true }), 70)
    assert.strictEqual(exitCodeOf(Exit.void), 0)
  })
})
