/**
 * Group commit for a file many fibers write at once: each caller queues its change and
 * waits; whoever holds the file next commits everything queued so far in one write. A
 * thousand connections finishing together cost a handful of writes instead of a thousand
 * (each a full rewrite of the file), and no caller returns before its own change is on
 * disk — "persist first" keeps holding.
 */
import * as Deferred from "effect/Deferred"
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
  commit: (batch: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<E | undefined>, E>
): Effect.Effect<GroupCommit<A, E>> =>
  Effect.map(Effect.makeSemaphore(1), (lock) => {
    interface Waiting {
      readonly item: A
      /** absent for a deferred item: nobody waits for it */
      readonly done?: Deferred.Deferred<void, E>
    }
    let queue: Array<Waiting> = []

    /** Commit the queue as it is now; the batch's outcome goes to its waiters and is returned. */
    const commitQueued: Effect.Effect<Exit.Exit<unknown, E>> = Effect.suspend(() => {
      const batch = queue
      queue = []
      if (batch.length === 0) return Effect.succeed<Exit.Exit<unknown, E>>(Exit.void)
      return Effect.flatMap(Effect.exit(commit(batch.map((w) => w.item))), (exit) =>
        Effect.as(
          Effect.forEach(batch, (w, i) => {
            if (w.done === undefined) return Effect.void
            if (Exit.isFailure(exit)) return Deferred.done(w.done, exit)
            const own = exit.value[i]
            return Deferred.done(w.done, own === undefined ? Exit.void : Exit.fail(own))
          }, { discard: true }),
          exit
        ))
    })

    /** Commit the queue unless a commit has already taken `done`'s item; then wait for it. */
    const commitUnlessDone = (done: Deferred.Deferred<void, E>) =>
      lock.withPermits(1)(
        // a batch, once taken, is finished even if its leader is interrupted: others wait on it
        Effect.uninterruptible(Effect.flatMap(Deferred.isDone(done), (already) => (already ? Effect.void : commitQueued)))
      )

    const submit = (item: A): Effect.Effect<void, E> =>
      Effect.gen(function*() {
        const done = yield* Deferred.make<void, E>()
        const waiting: Waiting = { item, done }
        queue.push(waiting)
        yield* Effect.zipRight(nextTurn, commitUnlessDone(done)).pipe(
          // given up before any commit took it: take the change back
          Effect.onInterrupt(() =>
            Effect.sync(() => {
              queue = queue.filter((w) => w !== waiting)
            })
          )
        )
        return yield* Deferred.await(done)
      })

    const defer = (item: A): Effect.Effect<void> => Effect.sync(() => void queue.push({ item }))

    const flush: Effect.Effect<void, E> = lock.withPermits(1)(Effect.uninterruptible(commitQueued)).pipe(
      Effect.flatMap((exit) => Effect.asVoid(exit))
    )

    const stage = (item: A): Effect.Effect<Staged<E>> =>
      Effect.map(Deferred.make<void, E>(), (done) => {
        queue.push({ item, done })
        return { committed: Deferred.await(done), commitNow: Effect.zipRight(commitUnlessDone(done), Deferred.await(done)) }
      })

    const queued = Effect.sync(() => queue.length)

    return { submit, defer, stage, flush, queued }
  })
