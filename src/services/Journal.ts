import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Connection } from "../domain/Connection.js"
import type { PreflightFailed } from "../domain/errors.js"
import type { Outcome } from "../domain/Plan.js"

export class JournalError extends Schema.TaggedError<JournalError>()("JournalError", {
  file: Schema.String,
  reason: Schema.String
}) {}

export interface JournalEntry {
  readonly platform: string
  readonly account: string
  readonly at: string
  readonly secrets: Readonly<Record<string, string>>
  readonly metadata: Readonly<Record<string, string>>
  /** written back already, in this CI job (WriteBack.staleEnvironment): kept for that job's later runs */
  readonly writtenIn?: string
}

/**
 * A local, 0600 record of every rotated secret, written the moment it arrives and cleared
 * once write-back has it (DESIGN §2 rule 2): a rotated token is never only in memory.
 * `record` returns once the entry is durable; `clear` may return before its write (a
 * leftover entry only makes the next run write back a value the store already has), and
 * `pending` sees every clear made before it. Where clears wait, `flush` writes them: a run
 * calls it before it lets go of the run lock, so that no clear of its own lands after the
 * next run has recorded a new entry for the same connection.
 */
export class Journal extends Context.Tag("herald/Journal")<Journal, {
  readonly file: string
  readonly record: (connection: Connection, update: Pick<Outcome, "secrets" | "metadata">) => Effect.Effect<void, JournalError>
  /**
   * `record` for an entry whose secrets this connection has recorded already (its answer's
   * tokens, journaled the moment they arrived): the fuller entry (its metadata) is not
   * waited for and goes out with the journal's next write. Losing it in a crash loses no
   * token. It changes nothing once the entry is gone (cleared, superseded). Absent: `record`.
   */
  readonly amend?: (connection: Connection, update: Pick<Outcome, "secrets" | "metadata">) => Effect.Effect<void>
  readonly clear: (connection: Connection) => Effect.Effect<void, JournalError>
  /**
   * Instead of `clear`, where the run's environment cannot see what write-back stored (a CI
   * job's variables): keep the entry, marked as written back in `job`. Like `clear`, it may
   * return before its write. Absent: `clear` is used.
   */
  readonly settle?: (connection: Connection, job: string) => Effect.Effect<void, JournalError>
  readonly pending: Effect.Effect<ReadonlyArray<JournalEntry>, JournalError>
  /**
   * Before a rotation is sent (DESIGN §2 rule 1): the journal can take this connection's
   * answer — its folder takes a new file and a rename, and room for the entry is secured
   * so a disk that fills up meanwhile cannot lose it. Absent where there is no disk.
   */
  readonly preflight?: (connection: Connection) => Effect.Effect<void, PreflightFailed>
  /**
   * The connection is done (its call failed, or whatever it returned is recorded): the room
   * its preflight secured is no longer kept for it. Absent where there is no disk.
   */
  readonly release?: (connection: Connection) => Effect.Effect<void>
  /**
   * A value the user stored (`auth set`, `auth login`) wins over an older rotated one: the
   * journal forgets `keys` of this connection's entry, at once. The entry as it was, when
   * it held any of them. Absent where the journal is not shared with other runs.
   */
  readonly supersede?: (connection: Connection, keys: ReadonlyArray<string>) => Effect.Effect<JournalEntry | undefined, JournalError>
  /**
   * Write the clears still waiting (and compact what the journal keeps, at a run's end);
   * absent where `clear` writes at once.
   */
  readonly flush?: Effect.Effect<void, JournalError>
}>() {}
