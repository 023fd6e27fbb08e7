import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Connection } from "../domain/Connection.js"

export class ConfigWriteError extends Schema.TaggedError<ConfigWriteError>()("ConfigWriteError", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot write ${this.file}: ${this.reason}`
  }
}

/** The waits for values queued for a later commit (ConfigStore.stage, Persisted.durable). */
export interface Durable<E> {
  /** succeeds once the commit holding them is durable; fails as it does */
  readonly committed: Effect.Effect<void, E>
  /** the same, but commits what is queued first where no commit has taken them yet */
  readonly commitNow: Effect.Effect<void, E>
}

export interface ConfigEdit {
  readonly path: ReadonlyArray<string>
  readonly value: string
}

/** Edits setting each of `values` under a connection's own section (e.g. `platforms.x.accounts.brand`). */
export const editsFor = (
  connection: Pick<Connection, "configPath">,
  values: Readonly<Record<string, string | undefined>>
): Array<ConfigEdit> =>
  Object.entries(values).flatMap(([key, value]) => (value === undefined ? [] : [{ path: [...connection.configPath, key], value }]))

/** Edits the config file in place, keeping comments and key order; writes are serialised. */
export class ConfigStore extends Context.Tag("herald/ConfigStore")<ConfigStore, {
  readonly file: string
  /** can the file be written (or created)? */
  readonly check: Effect.Effect<void, ConfigWriteError>
  /** apply edits in one atomic write; `secret` makes the file 0600 */
  readonly apply: (edits: ReadonlyArray<ConfigEdit>, options: { readonly secret: boolean }) => Effect.Effect<void, ConfigWriteError>
  /**
   * Queue edits for the store's next commit instead of writing now: many connections'
   * edits then share one write (a timer commits what is queued, and so does any `apply`).
   * Returns two waits for them, each succeeding once a commit holding them is durable:
   * `committed` only waits, `commitNow` commits what is queued first if nothing has yet.
   * Until then the edits are not stored: a caller says so only after the wait (a rotated
   * token stays in the journal until then). Absent: `apply` is used.
   */
  readonly stage?: (
    edits: ReadonlyArray<ConfigEdit>,
    options: { readonly secret: boolean }
  ) => Effect.Effect<Durable<ConfigWriteError>>
  /**
   * delete the keys at these paths in one atomic write (`herald auth logout`); returns the
   * paths that were there. Left out by a store that cannot delete.
   */
  readonly remove?: (paths: ReadonlyArray<ReadonlyArray<string>>) => Effect.Effect<ReadonlyArray<ReadonlyArray<string>>, ConfigWriteError>
}>() {}
