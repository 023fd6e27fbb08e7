/**
 * What `auth set` and `auth login` share with a refresh run (DESIGN §2 rule 3): they hold
 * the run lock while they store, so no run rotates the same token meanwhile, and a value
 * the user stores supersedes what an earlier run left in the journal — else the next
 * refresh would replay that older token over the one just set.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type { Connection } from "../domain/Connection.js"
import { connectionLabel } from "../domain/Platform.js"
import { Journal, type JournalEntry } from "../services/Journal.js"
import { RunLock } from "../services/RunLock.js"

/** A refresh run takes seconds: wait that long for it rather than fail a deliberate store. */
const lockRetry = Schedule.spaced("250 millis").pipe(Schedule.upTo("30 seconds"))

/** The run lock until the scope closes, waiting a little for a run that holds it. */
export const lockForUserWrite = Effect.flatMap(RunLock, (lock) =>
  lock.acquire.pipe(
    Effect.retry({ schedule: lockRetry, while: (e) => e._tag === "LockHeld" && e.stuck !== true })
  ))

/** This connection's journal entry, if an earlier run left one (read under the lock). */
export const journalEntryOf = (connection: Connection) =>
  Effect.flatMap(Journal, (journal) => journal.pending).pipe(
    Effect.map((entries) => entries.find((e) => e.platform === connection.platform && e.account === connection.account)),
    Effect.catchAll(() => Effect.succeed<JournalEntry | undefined>(undefined))
  )

/**
 * After the user's values are stored: the journal forgets those keys of this connection,
 * on disk before the lock is let go. The line that says so, when there was something to
 * forget (`earlier`: the entry as read before a login replaced it with its own).
 */
export const supersedeJournal = (connection: Connection, keys: ReadonlyArray<string>, earlier?: JournalEntry) =>
  Effect.gen(function*() {
    const journal = yield* Journal
    if (keys.length === 0) return undefined
    const found = journal.supersede !== undefined ? yield* journal.supersede(connection, keys) : undefined
    if (journal.flush !== undefined) yield* journal.flush
    const before = found ?? earlier
    if (before === undefined) return undefined
    const dropped = keys.filter((k) => k in before.secrets)
    if (dropped.length === 0) return undefined
    return `note: the journal held ${dropped.join(", ")} for ${connectionLabel(connection)} from an earlier run (${before.at}); ` +
      `the value${dropped.length === 1 ? "" : "s"} stored now supersede${dropped.length === 1 ? "s" : ""} it: no refresh will replay it`
  }).pipe(
    Effect.catchAll((e) =>
      Effect.succeed(
        `warning: the journal ${e.file} could not be updated (${e.reason}) and may hold an older value for ` +
          `${connectionLabel(connection)}; remove that entry before the next refresh, or it is written back over this one`
      )
    )
  )
