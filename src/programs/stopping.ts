/**
 * How a run stops on request (DESIGN §2 rule 5): a connection not yet started is skipped
 * and says so; one in flight is left to finish unless a second request cuts it.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Connection } from "../domain/Connection.js"
import { connectionLabel } from "../domain/Platform.js"
import type { Status } from "../domain/Status.js"
import { GracefulStop } from "../services/GracefulStop.js"

/** Pure: a connection the run never started because it was asked to stop. */
export const notStartedStatus = (c: Connection, reason: string): Status => ({
  platform: c.platform,
  account: c.account,
  action: "skipped",
  alert: true,
  detail: `not started: the run was interrupted (${reason}) before it reached this connection; ` +
    `nothing was sent and its stored token is unchanged: the next run refreshes it`
})

/** Pure: a connection whose work was cut by a second stop request. */
export const cutStatus = (c: Connection): Status => ({
  platform: c.platform,
  account: c.account,
  action: "failed",
  alert: true,
  detail: `interrupted by a second stop request before its refresh finished: if its call to ${c.platform} had gone ` +
    `out, an answer still on its way was not read (an answer already received is in the journal, and the next run ` +
    `or herald auth recover stores it); if the next run is refused, run herald auth login ${connectionLabel(c)}`
})

/**
 * `work` for one connection, under the run's stop requests when there is a GracefulStop:
 * not started once a stop was requested; cut at the second request (interruption waits
 * for the uninterruptible journaling of an answer already received).
 */
export const unlessStopped = <R>(c: Connection, work: Effect.Effect<Status, never, R>): Effect.Effect<Status, never, R> =>
  Effect.flatMap(Effect.serviceOption(GracefulStop), (stop) =>
    Option.match(stop, {
      onNone: () => work,
      onSome: (s) =>
        Effect.flatMap(s.poll, (requested) =>
          Option.isSome(requested)
            ? Effect.succeed(notStartedStatus(c, requested.value))
            : Effect.raceFirst(work, Effect.as(s.urgent, cutStatus(c))))
    }))

/**
 * `work` for each connection, `concurrency` at a time, each under the run's stop requests
 * as `unlessStopped` has it — with one race for the whole run instead of one per
 * connection (two fibers each, for thousands of connections): at the second request the
 * connections in flight are interrupted (after the journaling of an answer already
 * received) and say they were cut; those never started say so. Statuses in input order.
 */
export const forEachUnlessStopped = <R>(
  connections: ReadonlyArray<Connection>,
  work: (c: Connection) => Effect.Effect<Status, never, R>,
  concurrency: number
): Effect.Effect<Array<Status>, never, R> =>
  Effect.flatMap(Effect.serviceOption(GracefulStop), (stop) => {
    const done: Array<Status | undefined> = connections.map(() => undefined)
    if (Option.isNone(stop)) {
      return Effect.as(
        inWorkers(connections.length, concurrency, (i) => Effect.map(work(connections[i]!), (status) => void (done[i] = status))),
        done as Array<Status>
      )
    }
    const s = stop.value
    const started: Array<boolean> = connections.map(() => false)
    const each = inWorkers(connections.length, concurrency, (i) =>
      Effect.flatMap(s.poll, (requested) => {
        const c = connections[i]!
        if (Option.isSome(requested)) {
          done[i] = notStartedStatus(c, requested.value)
          return Effect.void
        }
        started[i] = true
        return Effect.map(work(c), (status) => void (done[i] = status))
      }))
    return Effect.raceFirst(each, s.urgent).pipe(
      Effect.zipRight(s.poll),
      Effect.map((requested) =>
        connections.map((c, i) =>
          done[i] ?? (started[i] ? cutStatus(c) : notStartedStatus(c, Option.getOrElse(requested, () => "a stop request")))
        )
      )
    )
  })

/**
 * `body(0)` … `body(count − 1)`, at most `concurrency` at once, in order of start: that many
 * fibers take the next index until none is left (Effect.forEach forks a fiber per element:
 * for thousands of connections, thousands of fibers made and dropped).
 */
const inWorkers = <R>(count: number, concurrency: number, body: (i: number) => Effect.Effect<void, never, R>): Effect.Effect<void, never, R> => {
  let next = 0
  const worker: Effect.Effect<void, never, R> = Effect.suspend(() => (next < count ? Effect.zipRight(body(next++), worker) : Effect.void))
  const workers = Math.max(1, Math.min(concurrency, count))
  return workers === 1 ? worker : Effect.all(Array.from({ length: workers }, () => worker), { concurrency: "unbounded", discard: true })
}

/** Whether the run was asked to stop: it then exits 130 whatever its report says. */
export const stopRequested = Effect.flatMap(
  Effect.serviceOption(GracefulStop),
  Option.match({ onNone: () => Effect.succeedNone, onSome: (s) => s.poll })
)

/**
 * For commands without a safe point to stop at (login waiting for a browser, doctor…):
 * interrupted at the first request, as a signal always did.
 */
export const interruptedOnStop = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(GracefulStop), (stop) =>
    Option.match(stop, {
      onNone: () => effect,
      onSome: (s) => Effect.raceFirst(effect, Effect.zipRight(s.requested, Effect.interrupt))
    }))
