/**
 * One connection, start to finish: secrets → plan → preflight → call → journal →
 * write-back → status. It cannot fail: every typed error becomes a Status here, so one
 * connection's trouble never stops another's.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type { Connection } from "../domain/Connection.js"
import { WriteBackFailed } from "../domain/errors.js"
import type { Call, Outcome } from "../domain/Plan.js"
import { envName, type SecretKey } from "../domain/Platform.js"
import type { Status } from "../domain/Status.js"
import { Journal } from "../services/Journal.js"
import { Refreshers } from "../services/Refreshers.js"
import { Scrubber } from "../services/Scrubber.js"
import { type SecretBag, Secrets } from "../services/Secrets.js"
import { WriteBack } from "../services/WriteBack.js"
import { securable } from "../platforms/tokenAnswer.js"
import { nowUtc, statusOfError } from "./statusOfError.js"

export interface RunOptions {
  readonly dryRun: boolean
  /**
   * Told the secrets a connection stored, once write-back has them: the side channel that
   * hands them to distribution without putting them in the Status.
   */
  readonly onStored?: (connection: Connection, secrets: Outcome["secrets"]) => Effect.Effect<void>
  /**
   * Where given, write-back may queue a connection's values for a commit shared with the
   * other connections (ConfigStore.stage) and hand them over (Later): the caller commits
   * and waits for them before it reports anything (refreshAll: once every connection is
   * done), and clears the journal entry once the commit holding it has landed; a failure that
   * the fallback does not mend is that connection's status. Absent: each connection is
   * stored before it returns.
   */
  readonly settleLater?: (connection: Connection, later: Later) => Effect.Effect<void>
}

/** A connection's values queued for a shared commit (RunOptions.settleLater). */
export interface Later {
  /** once it has landed: the journal entry cleared (never fails) */
  readonly landed: Effect.Effect<void>
  /** when it failed: the values written on their own (persist's retries), then `landed`; fails as that write does */
  readonly fallback: Effect.Effect<void, WriteBackFailed>
  /**
   * commits what is still queued, unless a commit has taken these values already, then
   * waits for the shared commit holding them
   */
  readonly commitNow: Effect.Effect<void, WriteBackFailed>
}

const persistRetry = Schedule.exponential("200 millis").pipe(Schedule.intersect(Schedule.recurs(2)))

/**
 * `Effect.retry(persistRetry)`, with the schedule's driver made only once a first attempt
 * has failed (it is fed that failure first, so the delays are the schedule's own): nearly
 * every persist succeeds at once, and a driver per connection is most of what it costs.
 */
const retryingPersist = <A, E, R, E2>(attempt: Effect.Effect<A, E, R>, mapError: (e: E) => E2): Effect.Effect<A, E2, R> =>
  Effect.catchAll(attempt, (first) => {
    let replay = true
    const again = Effect.suspend(() => {
      if (!replay) return attempt
      replay = false
      return Effect.fail(first)
    })
    return Effect.mapError(Effect.retry(again, persistRetry), mapError)
  })

const hasSecrets = (o: Pick<Outcome, "secrets">) => Object.keys(o.secrets).length > 0

/**
 * Persist first (DESIGN §2 rule 2): the journal has the new secret before write-back is
 * tried, and keeps it when write-back fails after its retries.
 */
export const persistOutcome = (
  connection: Connection,
  outcome: Pick<Outcome, "secrets" | "metadata">,
  settleLater?: RunOptions["settleLater"]
) => Effect.flatMap(persistServices, (services) => persistWith(services, connection, outcome, settleLater))

/** What persisting needs, taken once (a run takes them once for all its connections). */
interface PersistServices {
  readonly writeBack: WriteBack["Type"]
  readonly journal: Journal["Type"]
  readonly scrubber: Scrubber["Type"]
}

const persistServices = Effect.all({ writeBack: WriteBack, journal: Journal, scrubber: Scrubber })

const persistWith = (
  { journal, scrubber, writeBack }: PersistServices,
  connection: Connection,
  outcome: Pick<Outcome, "secrets" | "metadata">,
  settleLater?: RunOptions["settleLater"],
  registered = false,
  secured?: Secured
) =>
  Effect.gen(function*() {
    const journaled = !hasSecrets(outcome)
      ? false
      : journal.amend !== undefined && onDiskAlready(secured, outcome)
      // its tokens are on disk since their answer came: the fuller entry need not be waited for
      ? yield* Effect.as(journal.amend(connection, outcome), true)
      : yield* journal.record(connection, outcome).pipe(
        Effect.matchEffect({
          onSuccess: () => Effect.succeed(true),
          onFailure: (e) => Effect.as(Effect.logError(`journal ${e.file} could not be written: ${e.reason}`), false)
        })
      )
    // the new values are secrets too: a backend's error text may quote them (refreshOne has
    // registered an answer's values already)
    if (!registered) yield* scrubber.register(Object.values(outcome.secrets))
    const withRecovery = (e: WriteBackFailed) => (journaled ? new WriteBackFailed({ ...e, recoveryPath: journal.file }) : e)
    const persistNow = retryingPersist(writeBack.persist(connection, outcome), withRecovery)
    const persisted = settleLater === undefined
      ? yield* persistNow
      : yield* retryingPersist(writeBack.persist(connection, outcome, { later: true }), withRecovery)
    // only once the store holds the values: clearing first would leave them only in memory
    const clearJournal = journaled
      ? Effect.suspend(() => {
        // in a CI job, the job's environment still holds the old value: its later runs need this one
        const job = writeBack.staleEnvironment
        return job !== undefined && journal.settle !== undefined ? journal.settle(connection, job) : journal.clear(connection)
      }).pipe(Effect.catchAll((e) => Effect.logWarning(`journal ${e.file} could not be cleared: ${e.reason}`)))
      : Effect.void
    if (persisted.durable === undefined) {
      yield* clearJournal
      return persisted
    }
    const durable = persisted.durable
    // the shared commit failed: written on its own, with persist's own retries
    const fallback = Effect.zipRight(Effect.asVoid(persistNow), clearJournal)
    if (settleLater === undefined) yield* Effect.matchEffect(durable.commitNow, { onSuccess: () => clearJournal, onFailure: () => fallback })
    else yield* settleLater(connection, { landed: clearJournal, fallback, commitNow: durable.commitNow })
    return persisted
  })

/** A value read from the environment hides what local write-back stored: say so. */
const shadowWarnings = (connection: Connection, secrets: SecretBag, stored: ReadonlyArray<SecretKey>) =>
  stored.flatMap((key) =>
    Option.match(secrets.resolved(key), {
      onNone: () => [],
      onSome: (r) =>
        r.source === "env"
          ? [{
            critical: key === "refresh_token",
            text: `${envName(connection, key)} is set in the environment and hides the new value herald stored; ` +
              `unset it before the next run${key === "refresh_token" ? " (the old refresh token no longer works)" : ""}`
          }]
          : []
    })
  )

const dryRunStatus = (connection: Connection, plan: Call): Status => ({
  platform: connection.platform,
  account: connection.account,
  action: plan.action,
  alert: plan.alert ?? false,
  detail: plan.detail,
  ...(plan.expiresAt !== undefined ? { expiresAt: plan.expiresAt } : {}),
  ...(plan.reauthBy !== undefined ? { reauthBy: plan.reauthBy } : {})
})

/** What a connection's answer left in the journal before the rest of it was read. */
interface Secured {
  secrets: Outcome["secrets"] | undefined
  /** the journal has them on disk (its write did not fail) */
  journaled?: boolean
}

/** Whether every secret of `outcome` is one its answer's journaling put on disk already. */
const onDiskAlready = (secured: Secured | undefined, outcome: Pick<Outcome, "secrets">): boolean => {
  if (secured?.journaled !== true || secured.secrets === undefined) return false
  const onDisk = secured.secrets as Readonly<Record<string, Redacted.Redacted<string> | undefined>>
  return Object.entries(outcome.secrets).every(([key, value]) => {
    const kept = onDisk[key]
    return kept !== undefined && value !== undefined && Redacted.value(kept) === Redacted.value(value as Redacted.Redacted<string>)
  })
}

/**
 * The hook a refresher hands to its call (RefreshContext.secure): a success answer's new
 * refresh token goes to the journal at once, uninterruptibly. A token the platform merely
 * echoed back is no rotation and is not journaled. A journal that cannot be written is
 * logged; write-back is still tried with the token in memory. From here on the new tokens
 * are scrubbed from whatever the run says, even where the rest of the answer fails.
 */
const secureHook = (
  connection: Connection,
  sent: Option.Option<Redacted.Redacted<string>>,
  secured: Secured,
  journal: Journal["Type"],
  scrubber: Scrubber["Type"]
) =>
  (body: unknown) =>
    Effect.suspend(() => {
      const found = securable(body)
      if (found === undefined) return Effect.void
      if (Option.isSome(sent) && Redacted.value(sent.value) === Redacted.value(found.refresh_token)) return Effect.void
      secured.secrets = found
      return Effect.zipRight(
        scrubber.register(Object.values(found)),
        journal.record(connection, { secrets: found, metadata: {} }).pipe(
          Effect.matchEffect({
            onSuccess: () => Effect.sync(() => void (secured.journaled = true)),
            onFailure: (e) => Effect.logError(`journal ${e.file} could not be written: ${e.reason}; storing the new token directly`)
          })
        )
      )
    }).pipe(uninterruptibleHere)

/** `Effect.uninterruptible`, without a region of its own where the caller has one already (the exchange's). */
const uninterruptibleHere = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.checkInterruptible((interruptible) => (interruptible ? Effect.uninterruptible(effect) : effect))

/**
 * A connection that failed after its answer's token was journaled: the token is written
 * back now, so that the store never keeps the one that was spent. Says where it went.
 */
const keepSecured = (services: PersistServices, connection: Connection, secured: Secured): Effect.Effect<string | undefined> =>
  secured.secrets === undefined
    ? Effect.succeed(undefined)
    : persistWith(services, connection, { secrets: secured.secrets, metadata: {} }).pipe(
      Effect.map((p) => `the new refresh token it sent was kept: ${p.where}`),
      Effect.catchAll((e) =>
        Effect.succeed(
          e.recoveryPath !== undefined
            ? `the new refresh token it sent is safe in ${e.recoveryPath}: fix the store and run herald auth recover`
            : `the new refresh token it sent could not be stored (${e.reason})`
        )
      )
    )

/** A bug in herald (a defect) inside one connection: that connection's status, nothing more. */
const defectStatus = (connection: Connection, cause: Cause.Cause<unknown>): Status => {
  const defect = Cause.squash(cause)
  const what = defect instanceof Error ? `${defect.name}: ${defect.message}` : "an unexpected error"
  return {
    platform: connection.platform,
    account: connection.account,
    action: "failed",
    alert: true,
    detail: `herald failed on this connection (a bug, please report it: ${what.slice(0, 200)})`
  }
}

/** refreshOne for one connection, over services taken beforehand (connectionRunner). */
export type ConnectionRunner = (connection: Connection, options: RunOptions) => Effect.Effect<Status>

/**
 * refreshOne's services, taken once: a run of thousands of connections hands each of them
 * the same ones instead of each looking them all up again.
 */
export const connectionRunner: Effect.Effect<ConnectionRunner, never, Refreshers | WriteBack | Scrubber | Secrets | Journal> = Effect.map(
  Effect.all({ refreshers: Refreshers, writeBack: WriteBack, scrubber: Scrubber, secrets: Secrets, journal: Journal }),
  (services) => (connection, options) => refreshWith(services, connection, options)
)

export const refreshOne = (connection: Connection, options: RunOptions) =>
  Effect.flatMap(connectionRunner, (run) => run(connection, options))

interface RunServices extends PersistServices {
  readonly refreshers: Refreshers["Type"]
  readonly secrets: Secrets["Type"]
}

const refreshWith = (services: RunServices, connection: Connection, options: RunOptions): Effect.Effect<Status> => {
  const { journal, scrubber, writeBack } = services
  const secured: Secured = { secrets: undefined }
  const body = Effect.gen(function*() {
    const refresher = services.refreshers.get(connection.platform)
    const secrets = yield* services.secrets.lookup(connection, refresher.secretKeys)
    const now = yield* nowUtc
    const secure = options.dryRun ? undefined : secureHook(connection, secrets.get("refresh_token"), secured, journal, scrubber)
    const ctx = { connection, secrets, now, secure }
    const plan = yield* refresher.plan(ctx)
    const base = { platform: connection.platform, account: connection.account }
    if (plan._tag === "Decided") {
      const { _tag, metadata, ...decided } = plan
      if (!options.dryRun && metadata !== undefined && Object.keys(metadata).length > 0) {
        // metadata only: failing to record it must not turn a good answer into an alert
        const warn = (e: WriteBackFailed) =>
          Effect.flatMap(
            scrubber.scrub(`could not record ${Object.keys(metadata).join(", ")}: ${e.reason}`),
            (text) => Effect.logWarning(text)
          )
        const later = options.settleLater
        const persisted = yield* writeBack.persist(connection, { secrets: {}, metadata }, { later: later !== undefined }).pipe(
          Effect.map((p) => p.durable),
          Effect.catchAll((e) => Effect.as(warn(e), undefined))
        )
        if (persisted !== undefined) {
          yield* later === undefined
            ? Effect.catchAll(persisted.commitNow, warn)
            : later(connection, {
              landed: Effect.void,
              // its commit failed: said, and nothing more (metadata only)
              fallback: Effect.catchAll(persisted.committed, warn),
              commitNow: persisted.commitNow
            })
        }
      }
      return { ...base, ...decided } satisfies Status
    }
    if (options.dryRun && !plan.readOnly) return dryRunStatus(connection, plan)
    if (!options.dryRun && plan.writes.length > 0) {
      yield* writeBack.preflight(connection, plan.writes)
      if (journal.preflight !== undefined) yield* journal.preflight(connection)
    }
    const outcome = yield* refresher.execute(ctx, plan)
    // the answer's tokens were registered when they were journaled (secureHook)
    if (!onDiskAlready(secured, outcome)) yield* scrubber.register(Object.values(outcome.secrets))
    const details = [outcome.detail]
    let alert = outcome.alert ?? false
    let storedIn: string | undefined = undefined
    if (!options.dryRun && (hasSecrets(outcome) || Object.keys(outcome.metadata).length > 0)) {
      const persisted = yield* persistWith(services, connection, outcome, options.settleLater, true, secured)
      if (hasSecrets(outcome) && options.onStored !== undefined) yield* options.onStored(connection, outcome.secrets)
      if (hasSecrets(outcome)) {
        details.push(persisted.where)
        storedIn = persisted.storedIn
      }
      details.push(...persisted.warnings)
      if (writeBack.shadowedByEnvironment) {
        const stored = Object.keys(outcome.secrets) as Array<SecretKey>
        for (const w of shadowWarnings(connection, secrets, stored)) {
          details.push(w.text)
          alert = alert || w.critical
        }
      }
    }
    return {
      ...base,
      action: outcome.action,
      alert,
      detail: details.join("; "),
      ...(outcome.expiresAt !== undefined ? { expiresAt: outcome.expiresAt } : {}),
      ...(outcome.reauthBy !== undefined ? { reauthBy: outcome.reauthBy } : {}),
      ...(storedIn !== undefined ? { storedIn } : {})
    } satisfies Status
  })
  // whatever became of its call, the journal's room for its answer is not kept any longer
  const release = journal.release?.(connection) ?? Effect.void
  // the one exit of a connection's text: a platform or backend may have quoted a secret in it
  const finish = (status: Status) =>
    Effect.zipRight(release, Effect.map(scrubber.scrub(status.detail), (detail): Status => ({ ...status, detail })))
  // the way out of a failure, which few connections take (the way of a success is one step)
  const recover = (cause: Cause.Cause<Effect.Effect.Error<typeof body>>): Effect.Effect<Status> =>
    Effect.failCause(cause).pipe(
      Effect.catchAll((error) =>
        Effect.gen(function*() {
          // a failure after the answer's token was journaled (write-back failing has already
          // said where its token is)
          const kept = error._tag === "WriteBackFailed" ? undefined : yield* keepSecured(services, connection, secured)
          return statusOfError(connection, error, yield* nowUtc, kept)
        })
      ),
      // one connection's bug is its own (DESIGN §2 rule 6); an interruption stays one
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.failCause(cause)
          : Effect.gen(function*() {
            const scrub = yield* scrubber.current
            yield* Effect.logError(scrub(`${connection.platform}:${connection.account}: ${Cause.pretty(cause)}`))
            const status = defectStatus(connection, cause)
            const kept = yield* keepSecured(services, connection, secured)
            return kept === undefined ? status : { ...status, detail: `${status.detail}; ${kept}` }
          })
      ),
      Effect.onExit((exit) => (Exit.isSuccess(exit) ? Effect.void : release)),
      Effect.flatMap(finish)
    )
  // interrupted while interruptible, no handler runs: the journal's finalizer lets go of the room then
  return Effect.matchCauseEffect(body, { onSuccess: finish, onFailure: recover })
}
