/**
 * `herald auth refresh TARGET`: lock (real runs) → replay the journal → every selected
 * connection concurrently → one report → what to tell (./notifyRun.ts).
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { type Connection, parseTarget, selectConnections } from "../domain/Connection.js"
import { connectionLabel } from "../domain/Platform.js"
import { makeReport, type Status, withDistribution } from "../domain/Status.js"
import { emptyMemory } from "../domain/Alerts.js"
import type { Delivery } from "../domain/Distribution.js"
import { AppConfig } from "../services/AppConfig.js"
import { Distributor } from "../services/Distributor.js"
import { Journal } from "../services/Journal.js"
import { Refreshers } from "../services/Refreshers.js"
import { RunLock } from "../services/RunLock.js"
import { Scrubber } from "../services/Scrubber.js"
import { Secrets } from "../services/Secrets.js"
import { WriteBack } from "../services/WriteBack.js"
import { credentialStatus, DEFAULT_CREDENTIAL_WARN_DAYS } from "../domain/Credential.js"
import type { WriteBackFailed } from "../domain/errors.js"
import { nowUtc, statusOfError } from "./statusOfError.js"
import { scrubReport } from "../domain/scrub.js"
import { guardTransport } from "../http/guards.js"
import { loadAlertMemory, notifyRun } from "./notifyRun.js"
import { refusalGuard } from "./refusalGuard.js"
import { connectionRunner, type Later, persistOutcome, type RunOptions } from "./refreshOne.js"
import { forEachUnlessStopped } from "./stopping.js"
import * as Redacted from "effect/Redacted"
import { platformIds } from "../platforms/registry.js"

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
  const writeBack = yield* WriteBack
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
    if (entry.writtenIn !== undefined) {
      if (entry.writtenIn === writeBack.staleEnvironment) {
        // stored already, but this job's environment still holds the value it replaced
        yield* (yield* Secrets).remember(connection, secrets)
        results.push(`${connectionLabel(connection)}: stored earlier in this job; this run uses that value, not the job's environment`)
      } else {
        // stored in an earlier job: this one's environment has it
        yield* journal.clear(connection).pipe(Effect.catchAll((e) => Effect.logWarning(`journal ${e.file} could not be cleared: ${e.reason}`)))
      }
      continue
    }
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

/**
 * herald's own write-back credential (GITLAB_TOKEN, the GitHub token) as one more status,
 * when its expiry is known: alerting within `auth.writeback.reauth_warn_days` (14).
 */
export const ownCredentialStatus = Effect.gen(function*() {
  const writeBack = yield* WriteBack
  if (writeBack.credential === undefined) return undefined
  const credential = yield* writeBack.credential
  if (credential === undefined) return undefined
  const app = yield* AppConfig
  const warnDays = app.config.auth?.writeback?.reauth_warn_days ?? DEFAULT_CREDENTIAL_WARN_DAYS
  return credentialStatus(credential, yield* nowUtc, warnDays)
})

export const refreshAll = (target: string | undefined, options: RefreshAllOptions) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const wanted = yield* parseTarget(target, platformIds)
    // a usage error is reported before the lock is taken
    let parsed = yield* selectConnections(app.connections, wanted, app.file, platformIds)
    if (!options.dryRun) {
      const stuck = yield* (yield* RunLock).acquire.pipe(
        Effect.as(undefined),
        Effect.catchTag("LockHeld", (e) => (e.stuck === true ? Effect.succeed(e) : Effect.fail(e)))
      )
      // a lock held for hours means no run refreshes anything: every connection says so, and a human is told
      if (stuck !== undefined) {
        // without the lock nothing may be remembered: a stuck lock alerts on every run
        return yield* notifyRun(makeReport(false, parsed.map((c): Status => ({
          platform: c.platform,
          account: c.account,
          action: "skipped",
          alert: true,
          detail: `nothing refreshed: ${stuck.message}`
        }))), { state: emptyMemory(""), port: Option.none() }, {})
      }
      // tokens and expiries are read again under the lock (see currentConfig)
      const fresh = yield* currentConfig
      parsed = yield* selectConnections(fresh.connections, wanted, fresh.file, platformIds)
      const replayed = yield* replayJournalFor(fresh.connections)
      for (const line of replayed) yield* Effect.logInfo(line)
    }
    const stored: Array<Delivery> = []
    const onStored = (connection: Connection, secrets: Delivery["secrets"]) => {
      const told = Effect.sync(() => void stored.push({ connection, secrets }))
      return options.onStored === undefined ? told : Effect.zipRight(told, options.onStored(connection, secrets))
    }
    // read under the lock: what was told, and which grants were refused (no refresh storms)
    const memory = yield* loadAlertMemory
    const guard = yield* refusalGuard(memory.state)
    // on a stop request (SIGTERM, SIGINT, an embedding app) no connection starts; those in flight finish
    // write-back shares its commits: the connections hand over what is still to be made durable,
    // and are settled once they are all done (below)
    const settling: Array<{ readonly connection: Connection; readonly later: Later }> = []
    const settleLater = (connection: Connection, later: Later) => Effect.sync(() => void settling.push({ connection, later }))
    const runOptions = { ...options, onStored, settleLater }
    // the services are taken once for every connection, and the stop requests watched once for the run
    const ran = yield* Effect.flatMap(connectionRunner, (run) =>
      forEachUnlessStopped(parsed, (c) => run(c, runOptions), concurrencyFor(app, options.concurrency))).pipe(
        Effect.provideService(Refreshers, guard.refreshers)
      )
    // before anything is reported or distributed: a connection whose commit failed says so
    // (its token is still in the journal), never "stored"
    const notStored = new Map<string, Status>()
    const keyOf = (x: { readonly platform: string; readonly account: string }) => `${x.platform}\n${x.account}`
    // the first commits whatever is still queued; the rest find it done. Each journal entry
    // is cleared once the commit holding its token has landed (the clears go out with the
    // journal's flush, in one write); a connection whose commit failed is written on its
    // own, side by side with the others that failed
    const notSettled: Array<{ readonly connection: Connection; readonly error: WriteBackFailed }> = []
    const fallbacks: Array<Fiber.RuntimeFiber<void>> = []
    for (const { connection, later } of settling) {
      yield* Effect.matchEffect(later.commitNow, {
        onSuccess: () => later.landed,
        onFailure: () =>
          Effect.map(
            Effect.fork(Effect.catchAll(later.fallback, (error) => Effect.sync(() => void notSettled.push({ connection, error })))),
            (fiber) => void fallbacks.push(fiber)
          )
      })
    }
    yield* Fiber.joinAll(fallbacks)
    for (const { connection, error } of notSettled) notStored.set(keyOf(connection), statusOfError(connection, error, yield* nowUtc))
    const connectionStatuses = notStored.size === 0 ? ran : ran.map((s) => notStored.get(keyOf(s)) ?? s)
    if (notStored.size > 0) {
      const kept = stored.filter((d) => !notStored.has(keyOf(d.connection)))
      stored.splice(0, stored.length, ...kept)
    }
    // asked after the connections: GitHub's answers to them already carried the token's expiry
    const own = yield* ownCredentialStatus
    const statuses = own === undefined ? connectionStatuses : [...connectionStatuses, own]
    if (!options.dryRun) yield* flushJournal
    const scrubber = yield* Scrubber
    const distributed = yield* distribute(parsed, stored, options.dryRun)
    // everything the report says leaves herald (table, JSON, alert): no secret known to this run is in it
    const report = scrubReport(withDistribution(makeReport(options.dryRun, statuses), distributed), yield* scrubber.current)
    // a dry run sends nothing and remembers nothing
    if (options.dryRun) return report
    return yield* notifyRun(report, memory, yield* guard.refusals).pipe(
      // a webhook's or mail server's refusal may quote what it was sent
      Effect.flatMap((r) => Effect.map(scrubber.current, (scrub) => scrubReport(r, scrub)))
    )
  }).pipe(
    // set once here, so each of the connections' calls finds them set (providerCall)
    guardTransport,
    Effect.scoped
  )
