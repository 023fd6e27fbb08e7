/**
 * Group commit for a file many fibers write at once: each caller queues its change and
 * waits; whoever holds the file next commits everything queued so far in one write. A
 * thousand connections finishing together cost a handful of writes instead of a thousand
 * (each a full rewrite of the file), and no caller returns before its own change is on
 * disk — "persist first" keeps holding. The callers of one batch share one wait, and its
 * commit runs in a fiber of its own, started by the batch's first caller: a caller costs a
 * push and an await, and none of them giving up leaves the others' items unwritten. Where
 * the callers say which are on their way (Linger), that commit may wait a few ms for them.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

export interface Staged<E> {
  readonly committed: Effect.Effect<void, E>
  readonly commitNow: Effect.Effect<void, E>
}

export interface GroupCommit<A, E> {
  /** Queue `item`; succeeds once a commit that includes it has succeeded. */
  readonly submit: (item: A) => Effect.Effect<void, E>
  /**
   * Queue `item` without waiting: it goes out with the next commit, or with `flush`. Only
   * for changes whose loss in a crash is harmless (clearing what is stored elsewhere).
   */
  readonly defer: (item: A) => Effect.Effect<void>
  /**
   * Queue `item` without writing it now: it goes out with the next commit (another caller's
   * submit, `flush`, a timer's flush). Returns two waits for it, each succeeding once a
   * commit holding the item has succeeded: `committed` only waits; `commitNow` first commits
   * the queue if no commit has taken the item yet.
   */
  readonly stage: (item: A) => Effect.Effect<Staged<E>>
  /** Commit whatever is queued now (deferred items included); fails as that commit does. */
  readonly flush: Effect.Effect<void, E>
  /** How many items wait for a commit. */
  readonly queued: Effect.Effect<number>
  /**
   * Fewer submitters are on their way than `Linger.expected` said (a call failed, its answer
   * will not come): a batch that lingers for them looks again. Plain, for a caller's sync step.
   */
  readonly nudge: () => void
}

/**
 * A batch's commit may wait briefly for the answers still on their way (a database's
 * commit_delay): where a wave's answers arrive spread over its latency, each commit would
 * otherwise take only what arrived during the one before, and the fsyncs would follow the
 * event loop's turns — the longer the run, the more — instead of the waves.
 *
 * It waits only for answers to calls sent about when its own items' calls were (no later
 * than `atMost` after the latest of them): a call sent since, by a connection the last
 * commit let go, answers a whole latency later and is not waited for.
 */
export interface Linger<A> {
  /** when the call `item` answers was sent; undefined: it is no answer, and its batch waits for none */
  readonly sentAt: (item: A) => number | undefined
  /** how many answers are on their way to calls sent no later than `until` */
  readonly expected: (until: number) => number
  /**
   * a batch is committed once its items are at least 1/share of those it holds and those
   * expected (a wave's answers in about `share` commits); at once when none is expected
   */
  readonly share: number
  /** and never later than this after its commit was started: a slow answer holds up the others only so long */
  readonly atMost: Duration.DurationInput
}

/**
 * `commit` writes a whole batch, in order. It fails for the batch as a whole (the file
 * could not be written: every caller in it gets the error), or it succeeds with one entry
 * per item: `undefined`, or that item's own error (it was left out; the rest were written).
 */
/**
 * The rest of this turn of the event loop: whatever else is ready now (the other answers
 * that arrived together, their fibers resumed) queues its items before a commit is made,
 * so they share its one write and fsync instead of each making its own. A few µs.
 */
const nextTurn: Effect.Effect<void> = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})

export const make = <A, E>(
  commit: (batch: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<E | undefined>, E>,
  linger?: Linger<A>
): Effect.Effect<GroupCommit<A, E>> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    interface Waiting {
      readonly item: A
      /** the item's own error, once its batch is committed (undefined: it was written) */
      own?: E | undefined
    }
    /**
     * The items the next commit takes, and one wait they all share: a caller costs a push
     * and an await, not a Deferred, a turn of the event loop and a turn at the lock each.
     */
    interface Batch {
      readonly waiting: Array<Waiting>
      /**
       * who waits for its commit to end: told once it has (a plain callback each, not a
       * Deferred: a waiter that gives up leaves nothing to undo but a call that finds it gone)
       */
      readonly listeners: Array<() => void>
      /** a commit has taken it: no item joins or leaves it any more */
      taken: boolean
      /** its commit is on its way (started by its first submitter) */
      scheduled: boolean
      /** how its commit ended, once it has: a wait that comes later needs no await */
      outcome: Exit.Exit<void, E> | undefined
      /** how many of its items were submitted (a caller waits for each; Linger counts them) */
      submitted: number
      /** when the latest call its items answer was sent (Linger.sentAt); -Infinity: none is an answer */
      latest: number
      /** its commit lingers (Linger): call to end the wait, once the batch is ready or taken */
      wake: (() => void) | undefined
    }
    const fresh = (): Batch => ({
      waiting: [],
      listeners: [],
      taken: false,
      scheduled: false,
      outcome: undefined,
      submitted: 0,
      latest: -Infinity,
      wake: undefined
    })
    /** The batch's commit has ended so: its waiters are told. */
    const ended = (b: Batch, outcome: Exit.Exit<void, E>) =>
      Effect.sync(() => {
        b.outcome = outcome
        for (const listener of b.listeners.splice(0)) listener()
      })
    /** always the batch no commit has taken yet */
    let batch = fresh()

    const atMost = linger === undefined ? Duration.zero : Duration.decode(linger.atMost)
    const atMostMs = Duration.toMillis(atMost)
    /** Its commit need not wait any longer: none expected, or enough of them here (Linger). */
    const ready = (b: Batch): boolean => {
      if (b.taken || linger === undefined || b.latest === -Infinity) return true
      const expected = linger.expected(b.latest + atMostMs)
      return expected <= 0 || b.submitted * linger.share >= b.submitted + expected
    }
    /** End `b`'s lingering, if it lingers and need not any more. */
    const wakeIfReady = (b: Batch) => {
      const wake = b.wake
      if (wake !== undefined && ready(b)) {
        b.wake = undefined
        wake()
      }
    }
    /** Until `b` is ready (woken by the submit or nudge that makes it so), or `atMost` has passed. */
    const lingerFor = (b: Batch): Effect.Effect<void> =>
      Effect.suspend(() =>
        ready(b)
          ? Effect.void
          : Effect.raceFirst(
            Effect.async<void>((resume) => {
              b.wake = () => resume(Effect.void)
              return Effect.sync(() => void (b.wake = undefined))
            }),
            Effect.sleep(atMost)
          )
      )

    /** Commit the queue as it is now; the batch's outcome goes to its waiters and is returned. */
    const commitQueued: Effect.Effect<Exit.Exit<unknown, E>> = Effect.suspend((): Effect.Effect<Exit.Exit<unknown, E>> => {
      const b = batch
      batch = fresh()
      b.taken = true
      // a flush took it: whoever lingered for it finds it taken
      wakeIfReady(b)
      if (b.waiting.length === 0) {
        return Effect.as(ended(b, Exit.void), Exit.void)
      }
      return Effect.flatMap(Effect.exit(commit(b.waiting.map((w) => w.item))), (exit) => {
        if (Exit.isSuccess(exit)) b.waiting.forEach((w, i) => void (w.own = exit.value[i]))
        return Effect.as(ended(b, Exit.asVoid(exit)), exit)
      })
    })

    /** Commit `b` unless a commit has already taken it (then it is on its way or done). */
    const commitUnlessTaken = (b: Batch) =>
      lock.withPermits(1)(
        // a batch, once taken, is finished even if whoever started it is interrupted: others wait on it
        Effect.uninterruptible(Effect.suspend(() => (b.taken ? Effect.void : Effect.asVoid(commitQueued))))
      )

    /** `w`'s own outcome, once its batch's commit has ended. */
    const ownOutcome = (b: Batch, w: Waiting): Effect.Effect<void, E> =>
      b.outcome !== undefined && Exit.isFailure(b.outcome) ? b.outcome : w.own === undefined ? Effect.void : Effect.fail(w.own)

    /** Wait for `w`'s batch, as things are now (no await once its commit has ended). */
    const awaitOutcome = (b: Batch, w: Waiting): Effect.Effect<void, E> =>
      b.outcome !== undefined
        ? ownOutcome(b, w)
        : Effect.async<void, E>((resume) => void b.listeners.push(() => resume(ownOutcome(b, w))))

    /**
     * Wait for `w`'s batch; given up before any commit took it, the item is taken back out.
     * A caller that cannot be interrupted (a token's journaling) is spared the watch.
     */
    const waitFor = (b: Batch, w: Waiting): Effect.Effect<void, E> =>
      Effect.checkInterruptible((interruptible) =>
        interruptible
          ? Effect.onInterrupt(awaitOutcome(b, w), () =>
            Effect.sync(() => {
              const at = b.taken ? -1 : b.waiting.indexOf(w)
              if (at >= 0) {
                b.waiting.splice(at, 1)
                b.submitted--
              }
            }))
          : awaitOutcome(b, w)
      )

    const submit = (item: A): Effect.Effect<void, E> =>
      Effect.suspend(() => {
        const b = batch
        const w: Waiting = { item }
        b.waiting.push(w)
        b.submitted++
        if (linger !== undefined) {
          const sent = linger.sentAt(item)
          if (sent !== undefined && sent > b.latest) b.latest = sent
        }
        if (b.scheduled) {
          wakeIfReady(b)
          return waitFor(b, w)
        }
        b.scheduled = true
        // one commit per batch, in a fiber of its own: however many of its writers give up
        // waiting, the others' items are still written
        const committing = linger === undefined
          ? Effect.zipRight(nextTurn, commitUnlessTaken(b))
          : Effect.zipRight(Effect.zipRight(nextTurn, lingerFor(b)), commitUnlessTaken(b))
        return Effect.zipRight(Effect.forkDaemon(committing), waitFor(b, w))
      })

    const defer = (item: A): Effect.Effect<void> => Effect.sync(() => void batch.waiting.push({ item }))

    const flush: Effect.Effect<void, E> = lock.withPermits(1)(Effect.uninterruptible(commitQueued)).pipe(
      Effect.flatMap((exit) => Effect.asVoid(exit))
    )

    const stage = (item: A): Effect.Effect<Staged<E>> =>
      Effect.sync(() => {
        const b = batch
        const w: Waiting = { item }
        b.waiting.push(w)
        const committed = Effect.suspend(() => awaitOutcome(b, w))
        // a batch a commit has taken needs no turn at the lock: only its outcome is waited for
        return { committed, commitNow: Effect.suspend(() => (b.taken ? committed : Effect.zipRight(commitUnlessTaken(b), committed))) }
      })

    const queued = Effect.sync(() => batch.waiting.length)

    const nudge = () => wakeIfReady(batch)

    return { submit, defer, stage, flush, queued, nudge }
  })
