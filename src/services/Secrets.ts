import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { Connection } from "../domain/Connection.js"
import type { SecretMissing, SecretUnreadable } from "../domain/errors.js"
import type { SecretKey } from "../domain/Platform.js"

export type SecretSource = "env" | "keychain" | "config" | "journal"

export interface ResolvedSecret {
  readonly value: Redacted.Redacted<string>
  readonly source: SecretSource
  /** the env name, keychain account or config key it was found under */
  readonly name: string
}

/** The secrets of one connection, looked up once (env → keychain → config). */
export interface SecretBag {
  readonly get: (key: SecretKey) => Option.Option<Redacted.Redacted<string>>
  readonly require: (key: SecretKey) => Effect.Effect<Redacted.Redacted<string>, SecretMissing>
  readonly resolved: (key: SecretKey) => Option.Option<ResolvedSecret>
  /** every name that would be tried for a key, in order */
  readonly tried: (key: SecretKey) => ReadonlyArray<string>
}

export class Secrets extends Context.Tag("herald/Secrets")<Secrets, {
  /**
   * Fails when a store that answers cannot be read for one of the keys (a keychain read
   * error): that is not "absent", and falling through to a later store could hand back a
   * stale copy of a token that has since rotated.
   */
  readonly lookup: (connection: Connection, keys: ReadonlyArray<SecretKey>) => Effect.Effect<SecretBag, SecretUnreadable>
  /**
   * Values newer than every store (a journal entry being replayed): they win over env,
   * keychain and config for the rest of this run, because the environment a run started
   * with can still hold the refresh token that the journalled rotation killed.
   */
  readonly remember: (
    connection: Connection,
    secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>>
  ) => Effect.Effect<void>
}>() {}
