/**
 * Simulated time for year-long runs: a Clock whose `sleep` only ends when the driver
 * moves time, like TestClock, but whose abandoned sleeps cost nothing.
 *
 * Why not TestClock itself: every `adjust`/`setTime` polls the test's fibers with a few
 * `setTimeout(0)`s (measured ≈ 5.5 ms), and each sleep an `Effect.timeout` leaves behind
 * when its request answers in time is replayed one by one with the same polling
 * (≈ +5 ms each; every provider call leaves two). For 5,840 runs of the 90-minute
 * schedule that is ≈ 160 s of wall time. Here an interrupted sleep removes itself, and
 * time moves between runs by assignment.
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"

interface Sleeper {
  readonly at: number
  readonly seq: number
  readonly wake: () => void
}

export class VirtualClock implements Clock.Clock {
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId
  private readonly sleepers = new Set<Sleeper>()
  private seq = 0
  /** bumped whenever a sleep starts or ends: the driver's sign that the run still moves */
  activity = 0

  constructor(public now: number) {}

  unsafeCurrentTimeMillis(): number {
    return this.now
  }
  readonly currentTimeMillis: Effect.Effect<number> = Effect.sync(() => this.now)
  unsafeCurrentTimeNanos(): bigint {
    return BigInt(this.now) * 1_000_000n
  }
  readonly currentTimeNanos: Effect.Effect<bigint> = Effect.sync(() => this.unsafeCurrentTimeNanos())

  sleep(duration: Duration.Duration): Effect.Effect<void> {
    const ms = Duration.toMillis(duration)
    if (!(ms > 0)) return Effect.yieldNow()
    return Effect.async<void>((resume) => {
      // whole milliseconds, like a real timer (jittered backoff asks for fractions)
      const sleeper: Sleeper = { at: this.now + Math.ceil(ms), seq: this.seq++, wake: () => resume(Effect.void) }
      this.sleepers.add(sleeper)
      this.activity++
      // an interrupted sleep (the losing side of a timeout) leaves nothing behind
      return Effect.sync(() => {
        if (this.sleepers.delete(sleeper)) this.activity++
      })
    })
  }

  get sleeping(): number {
    return this.sleepers.size
  }

  /** Move time forward (never back) to `at`, outside any run. */
  setTime(at: number): void {
    if (this.sleepers.size > 0) throw new Error(`moving time while ${this.sleepers.size} sleep(s) are pending`)
    this.now = Math.max(this.now, at)
  }

  /** Jump to the earliest pending sleep and end it. */
  wakeNext(): void {
    let next: Sleeper | undefined
    for (const s of this.sleepers) {
      if (next === undefined || s.at < next.at || (s.at === next.at && s.seq < next.seq)) next = s
    }
    if (next === undefined) return
    this.sleepers.delete(next)
    this.activity++
    this.now = Math.max(this.now, next.at)
    next.wake()
  }
}

/** Lets every microtask and ready callback run: one turn of the event loop. */
const turn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

/** Also lets Effect's scheduler hops (setTimeout 0) that were queued before now run. */
const timerTurn = Effect.async<void>((resume) => {
  const handle = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(handle))
})

export interface Driven<A, E> {
  readonly exit: Exit.Exit<A, E>
  /** simulated time the effect took: retries, backoff and timeouts */
  readonly simulatedMs: number
}

/**
 * Runs `effect` to completion on `clock`: whenever nothing but sleeps is left to do,
 * time jumps to the earliest one. Mirrors "fork, adjust in steps, join" with TestClock.
 */
export const drive = <A, E, R>(clock: VirtualClock, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const started = clock.now
    const fiber = yield* Effect.fork(effect)
    let seen = clock.activity
    let quiet = 0
    for (let spins = 0;; spins++) {
      yield* turn
      const done = fiber.unsafePoll()
      if (done !== null) return { exit: done, simulatedMs: clock.now - started } satisfies Driven<A, E>
      if (spins > 1_000_000) return yield* Effect.dieMessage("a simulated run neither finished nor slept")
      if (clock.activity !== seen || clock.sleeping === 0) {
        seen = clock.activity
        quiet = 0
        continue
      }
      // a request in flight also holds a (timeout) sleep: only jump once the run is idle
      if (++quiet < 2) continue
      yield* timerTurn
      if (fiber.unsafePoll() !== null || clock.activity !== seen) continue
      clock.wakeNext()
      seen = clock.activity
      quiet = 0
    }
  })
