import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { Connection } from "../domain/Connection.js"
import type { OwnCredential } from "../domain/Credential.js"
import type { PreflightFailed, WriteBackFailed } from "../domain/errors.js"
import type { Outcome } from "../domain/Plan.js"
import type { SecretKey } from "../domain/Platform.js"
import type { Durable } from "./ConfigStore.js"

export interface Persisted {
  /** one line for the report, e.g. "stored in the OS keychain"; never a value */
  readonly where: string
  /** things the user should know (keychain unavailable, env shadows the stored value…) */
  readonly warnings: ReadonlyArray<string>
  /** the store the secrets went to, when there were any: "keychain", "config-file", "gitlab", "github" (Status.storedIn) */
  readonly storedIn?: string
  /**
   * Present when the values were queued for a later commit rather than written (persist's
   * `later`): they are stored once this succeeds, and not before — `where` says what will be
   * true then. Fails as that commit does.
   */
  readonly durable?: Durable<WriteBackFailed>
}

/** Where a new secret lands so that the next run, and the posting tools, read it. */
export class WriteBack extends Context.Tag("herald/WriteBack")<WriteBack, {
  readonly name: string
  /**
   * True when the next run reads the environment before this backend's store, so a
   * secret that came from the environment would hide the value written here (local).
   * False where the store *is* the next run's environment (GitLab CI variables).
   */
  readonly shadowedByEnvironment: boolean
  /**
   * Set where this run's own environment is the store's copy from before the run (a CI job
   * reads its variables once, at its start): the job's id (CI_JOB_ID). A value written
   * back here stays in the journal marked with it, and later runs in the same job use it
   * instead of the environment's old one, which may already be spent.
   */
  readonly staleEnvironment?: string
  /**
   * can `keys` of this connection be written now? Checked before anything is rotated. A
   * backend whose targets must exist beforehand (CI variables and secrets) requires them
   * only for the essential keys (`isEssentialSecret`); the others are written where they exist.
   */
  readonly preflight: (connection: Connection, keys: ReadonlyArray<SecretKey>) => Effect.Effect<void, PreflightFailed>
  /**
   * persist the secrets and metadata of a successful call. With `later`, a backend may
   * queue them for a commit it shares with other connections and return at once, with
   * `Persisted.durable` to wait for that commit; without it (or where a backend cannot),
   * it returns once they are stored.
   */
  readonly persist: (
    connection: Connection,
    update: Pick<Outcome, "secrets" | "metadata">,
    options?: { readonly later?: boolean }
  ) => Effect.Effect<Persisted, WriteBackFailed>
  /**
   * herald's own credential for this backend and its expiry, where it has one (GITLAB_TOKEN,
   * the GitHub token); a read-only call that never fails (undefined when it cannot tell).
   */
  readonly credential?: Effect.Effect<OwnCredential | undefined>
}>() {}
