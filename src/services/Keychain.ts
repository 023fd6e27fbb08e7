import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

export class KeychainUnavailable extends Schema.TaggedError<KeychainUnavailable>()("KeychainUnavailable", {
  reason: Schema.String,
  /**
   * The keychain is there but does not answer (locked, timed out, a key gpg cannot use
   * without a prompt): what it holds is unknown, so it must not be passed over as if it
   * were empty — it may hold a newer token than the config file, or an older one that a
   * later run would read first. Absent: there is no keychain here (not installed, no
   * Secret Service, turned off), and the config file is the store.
   */
  present: Schema.optional(Schema.Boolean)
}) {}

/** The OS keychain, service `herald`; accounts are `<platform>[:<account>]/<key>`. */
export class Keychain extends Context.Tag("herald/Keychain")<Keychain, {
  /** why it cannot be used, or none when it answers */
  readonly check: Effect.Effect<void, KeychainUnavailable>
  readonly get: (account: string) => Effect.Effect<Option.Option<Redacted.Redacted<string>>, KeychainUnavailable>
  readonly set: (account: string, value: Redacted.Redacted<string>) => Effect.Effect<void, KeychainUnavailable>
  /**
   * Deletes an entry, true when there was one (one that is not there is already removed).
   * Write-back uses it so that a value stored elsewhere leaves no stale copy here to be read
   * first (DESIGN §1 Write-back); `herald auth logout` to remove a connection's tokens.
   */
  readonly remove: (account: string) => Effect.Effect<boolean, KeychainUnavailable>
  /** how an account is named to a person (`pass herald/x/refresh_token`); default `keychain herald <account>` */
  readonly describe?: (account: string) => string
}>() {}
