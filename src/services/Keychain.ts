import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

export class KeychainUnavailable extends Schema.TaggedError<KeychainUnavailable>()("KeychainUnavailable", {
  reason: Schema.String
}) {}

/** The OS keychain, service `herald`; accounts are `<platform>[:<account>]/<key>`. */
export class Keychain extends Context.Tag("herald/Keychain")<Keychain, {
  /** why it cannot be used, or none when it answers */
  readonly check: Effect.Effect<void, KeychainUnavailable>
  readonly get: (account: string) => Effect.Effect<Option.Option<Redacted.Redacted<string>>, KeychainUnavailable>
  readonly set: (account: string, value: Redacted.Redacted<string>) => Effect.Effect<void, KeychainUnavailable>
  /** how an account is named to a person (`pass herald/x/refresh_token`); default `keychain herald <account>` */
  readonly describe?: (account: string) => string
  /** delete an account (`herald auth logout`); true when there was one. Left out by a keychain that cannot delete. */
  readonly remove?: (account: string) => Effect.Effect<boolean, KeychainUnavailable>
}>() {}
