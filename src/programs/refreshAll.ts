/**
 * `herald auth refresh TARGET`: lock (real runs) → replay the journal → every selected
 * connection concurrently → one report → one alert.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { parseTarget, selectConnections } from "../domain/Connection.js"
import { connectionLabel } from "../domain/Platform.js"
import { makeReport, type Report } from "../domain/Status.js"
import { AppConfig } from "../services/AppConfig.js"
import { Journal } from "../services/Journal.js"
import { Notifier } from "../services/Notifier.js"
import { RunLock } from "../services/RunLock.js"
import { Secrets } from "../services/Secrets.js"
import { persistOutcome, refreshOne, type RunOptions } from "./refreshOne.js"
import * as Redacted from "effect/Redacted"

export interface RefreshAllOptions extends RunOptions {
  readonly concurrency: number
}

export const DEFAULT_CONCURRENCY = 8

/**
 * Rotated tokens a previous run could not store are written back before anything is
 * rotated again; entries that still cannot be stored stay in the journal.
 */
export const replayJournal = Effect.gen(function*() {
  const journal = yield* Journal
  const app = yield* AppConfig
  const pending = yield* journal.pending.pipe(
    Effect.catchAll((e) => Effect.logError(`cannot read journal ${e.file}: ${e.reason}`).pipe(Effect.as([])))
  )
  const results: Array<string> = []
  for (const entry of pending) {
    const connection = app.connections.find((c) => c.platform === entry.platform && c.account === entry.account)
    if (connection === undefined) {
      yield* Effect.logWarning(`journal ${journal.file} holds a token for ${entry.platform}:${entry.account}, which is not configured; left there`)
      continue
    }
    const secrets = Object.fromEntries(Object.entries(entry.secrets).map(([k, v]) => [k, Redacted.make(v)]))
    yield* (yield* Secrets).remember(connection, secrets)
    const ok = yield* persistOutcome(connection, { secrets, metadata: entry.metadata }).pipe(Effect.isSuccess)
    results.push(`${connectionLabel(connection)}: ${ok ? "restored from the journal" : "still in the journal"}`)
  }
  return results
})

export const refreshAll = (target: string | undefined, options: RefreshAllOptions) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const parsed = yield* Either.flatMap(parseTarget(target), (t) => selectConnections(app.connections, t, app.file))
    if (!options.dryRun) {
      yield* (yield* RunLock).acquire
      const replayed = yield* replayJournal
      for (const line of replayed) yield* Effect.logInfo(line)
    }
    const statuses = yield* Effect.forEach(parsed, (c) => refreshOne(c, options), {
      concurrency: Math.max(1, options.concurrency)
    })
    const report = makeReport(options.dryRun, statuses)
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
  }).pipe(Effect.scoped)
