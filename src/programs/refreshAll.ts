/**
 * `herald auth refresh TARGET`: lock (real runs) → replay the journal → every selected
 * connection concurrently → one report → one alert.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type Connection, parseTarget, selectConnections } from "../domain/Connection.js"
import { connectionLabel } from "../domain/Platform.js"
import { makeReport, type Report } from "../domain/Status.js"
import { type Delivery, withDistribution } from "../domain/Distribution.js"
import { AppConfig } from "../services/AppConfig.js"
import { Distributor } from "../services/Distributor.js"
import { Journal } from "../services/Journal.js"
import { Notifier } from "../services/Notifier.js"
import { RunLock } from "../services/RunLock.js"
import { Secrets } from "../services/Secrets.js"
import { guardTransport } from "../platforms/providerCall.js"
import { persistOutcome, refreshOne, type RunOptions } from "./refreshOne.js"
import * as Redacted from "effect/Redacted"

export interface RefreshAllOptions extends RunOptions {
  /** How many connections are worked on at once; default `auth.concurrency` from the config, else 8. */
  readonly concurrency?: number
}

export const DEFAULT_CONCURRENCY = 8

/** The concurrency a run uses: the one asked for, else the config's `auth.concurrency`, else 8. */
export const concurrencyFor = (app: AppConfig["Type"], asked: number | undefined) =>
  Math.max(1, asked ?? app.config.auth?.concurrency ?? DEFAULT_CONCURRENCY)

/**
 * The config as it is now: read again from its source where it has one. A writing run
 * asks for it once it holds the lock, because the run that held the lock before may have
 * rotated tokens and rewritten the file since this run read it at start.
 */
export const currentConfig = Effect.flatMap(AppConfig, (app) => app.reload ?? Effect.succeed(app))

/**
 * Rotated tokens a previous run could not store are written back before anything is
 * rotated again; entries that still cannot be stored stay in the journal. Call it while
 * holding the run lock.
 */
export const replayJournalFor = (connections: ReadonlyArray<Connection>) => Effect.gen(function*() {
  const journal = yield* Journal
  const pending = yield* journal.pending.pipe(
    Effect.catchAll((e) => Effect.logError(`cannot read journal ${e.file}: ${e.reason}`).pipe(Effect.as([])))
  )
  const results: Array<string> = []
  for (const entry of pending) {
    const connection = connections.find((c) => c.platform === entry.platform && c.account === entry.account)
    if (connection === undefined) {
      yield* Effect.logWarning(`journal ${journal.file} holds a token for ${entry.platform}:${entry.account}, which is not configured; left there`)
      continue
    }
    const secrets = Object.fromEntries(Object.entries(entry.secrets).map(([k, v]) => [k, Redacted.make(v)]))
    yield* (yield* Secrets).remember(connection, secrets)
    const ok = yield* persistOutcome(connection, { secrets, metadata: entry.metadata }).pipe(Effect.isSuccess)
    results.push(`${connectionLabel(connection)}: ${ok ? "restored from the journal" : "still in the journal"}`)
  }
  if (pending.length > 0) yield* flushJournal
  return results
})

/**
 * The journal's clears still waiting are written while the run holds the lock: one landing
 * after the lock is released could delete an entry the next run has just recorded.
 */
export const flushJournal = Effect.flatMap(Journal, (journal) =>
  (journal.flush ?? Effect.void).pipe(
    Effect.catchAll((e) => Effect.logWarning(`journal ${e.file} could not be cleared: ${e.reason}`))
  ))

/** `replayJournalFor` the connections configured now. */
export const replayJournal = Effect.flatMap(currentConfig, (app) => replayJournalFor(app.connections))

/**
 * The secrets stored in this run go to the `auth.distribute` targets, in connection order
 * (so keys a file lacks are appended in a stable order). Not in a dry run; and an embedding
 * app that provides no Distributor distributes nothing.
 */
const distribute = (order: ReadonlyArray<Connection>, stored: ReadonlyArray<Delivery>, dryRun: boolean) =>
  dryRun || stored.length === 0
    ? Effect.succeed([])
    : Effect.flatMap(Effect.serviceOption(Distributor), (distributor) =>
      Option.match(distributor, {
        onNone: () => Effect.succeed([]),
        onSome: (d) => {
          const rank = new Map(order.map((c, i) => [connectionLabel(c), i]))
          const rankOf = (x: Delivery) => rank.get(connectionLabel(x.connection)) ?? order.length
          return d.distribute([...stored].sort((a, b) => rankOf(a) - rankOf(b)))
        }
      }))

export const refreshAll = (target: string | undefined, options: RefreshAllOptions) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const wanted = yield* parseTarget(target)
    // a usage error is reported before the lock is taken
    let parsed = yield* selectConnections(app.connections, wanted, app.file)
    if (!options.dryRun) {
      yield* (yield* RunLock).acquire
      // tokens and expiries are read again under the lock (see currentConfig)
      const fresh = yield* currentConfig
      parsed = yield* selectConnections(fresh.connections, wanted, fresh.file)
      const replayed = yield* replayJournalFor(fresh.connections)
      for (const line of replayed) yield* Effect.logInfo(line)
    }
    const stored: Array<Delivery> = []
    const onStored = (connection: Connection, secrets: Delivery["secrets"]) =>
      Effect.sync(() => void stored.push({ connection, secrets })).pipe(Effect.zipRight(options.onStored?.(connection, secrets) ?? Effect.void))
    const statuses = yield* Effect.forEach(parsed, (c) => refreshOne(c, { ...options, onStored }), {
      concurrency: concurrencyFor(app, options.concurrency)
    })
    if (!options.dryRun) yield* flushJournal
    const report = withDistribution(makeReport(options.dryRun, statuses), yield* distribute(parsed, stored, options.dryRun))
    if (options.dryRun || report.attention === 0) return report
    const notifier = yield* Notifier
    return yield* notifier.notify(report).pipe(
      Effect.match({
        onSuccess: (): Report => ({
          ...report,
          notification: { backend: notifier.name, notified: notifier.name !== "none", detail: notifier.name === "none" ? "no alert backend configured" : "alert sent" }
        }),
        onFailure: (e): Report => ({ ...report, notification: { backend: notifier.name, notified: false, detail: e.reason } })
      })
    )
  }).pipe(
    // set once here, so each of the connections' calls finds them set (providerCall)
    guardTransport,
    Effect.scoped
  )
