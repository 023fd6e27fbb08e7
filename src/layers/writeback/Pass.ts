/**
 * `pass` write-back: secrets into the password store (through the Keychain, which is the
 * pass store when this backend is chosen), expiry metadata into the config file. Unlike
 * `local` there is no fall-back to the config file: someone who chose an encrypted store
 * must never find a refresh token in plain text, so an unusable store fails preflight and
 * nothing is rotated.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { Connection } from "../../domain/Connection.js"
import { PreflightFailed, WriteBackFailed } from "../../domain/errors.js"
import type { Outcome } from "../../domain/Plan.js"
import { keychainAccount, type SecretKey } from "../../domain/Platform.js"
import { ConfigStore, editsFor } from "../../services/ConfigStore.js"
import { Keychain } from "../../services/Keychain.js"
import { type Persisted, WriteBack } from "../../services/WriteBack.js"
import * as Schema from "effect/Schema"

/** `auth.writeback.pass` in the config file: where in the password store herald's entries live. */
export const configSection = Schema.Struct({
  prefix: Schema.optional(
    Schema.String.pipe(
      Schema.filter((s) => s === "" || (/^[^/].*\/$/.test(s) && !s.split("/").includes("..")), {
        message: () => "expected a folder in the password store ending in '/', such as herald/"
      })
    )
  )
})

export const make = Effect.gen(function*() {
  const keychain = yield* Keychain
  const store = yield* ConfigStore

  // untraced, like persist: called per connection inside refreshOne's span, where a span and a
  // call-site capture of its own cost more than the call
  const preflight = Effect.fnUntraced(function*(connection: Connection, _keys: ReadonlyArray<SecretKey>) {
    yield* keychain.check.pipe(
      Effect.mapError((e) =>
        new PreflightFailed({
          platform: connection.platform,
          account: connection.account,
          reason: `the pass store cannot take the new token: ${e.reason}`
        })
      )
    )
  })

  const persist = Effect.fnUntraced(function*(
    connection: Connection,
    update: Pick<Outcome, "secrets" | "metadata">
  ) {
    const failed = (reason: string) =>
      new WriteBackFailed({ platform: connection.platform, account: connection.account, reason })
    const secrets = Object.entries(update.secrets) as Array<[SecretKey, Redacted.Redacted<string>]>
    // the refresh token first: it is the one whose loss means a new login
    secrets.sort(([a], [b]) => (a === "refresh_token" ? -1 : b === "refresh_token" ? 1 : 0))
    yield* Effect.forEach(secrets, ([key, value]) => keychain.set(keychainAccount(connection, key), value), {
      discard: true
    }).pipe(Effect.mapError((e) => failed(e.reason)))
    const edits = editsFor(connection, update.metadata)
    yield* store.apply(edits, { secret: false }).pipe(Effect.mapError((e) => failed(e.message)))
    const where = secrets.length > 0
      ? `stored in ${secrets.map(([key]) => keychain.describe?.(keychainAccount(connection, key)) ?? "pass").join(", ")}`
      : edits.length > 0
      ? `expiry recorded in ${store.file}`
      : "nothing to store"
    return { where, warnings: [], ...(secrets.length > 0 ? { storedIn: "pass" } : {}) } satisfies Persisted
  })

  return { name: "pass", shadowedByEnvironment: true, preflight, persist } satisfies WriteBack["Type"]
})

export const layer: Layer.Layer<WriteBack, never, Keychain | ConfigStore> = Layer.effect(WriteBack, make)
