/**
 * `local` write-back: secrets to the OS keychain, or to the config file (0600) where no
 * keychain is usable — said in the report, never silently; expiry metadata always to the
 * config file.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Connection } from "../../domain/Connection.js"
import { PreflightFailed, WriteBackFailed } from "../../domain/errors.js"
import type { Outcome } from "../../domain/Plan.js"
import { keychainAccount, type SecretKey } from "../../domain/Platform.js"
import { ConfigStore, editsFor } from "../../services/ConfigStore.js"
import { Keychain } from "../../services/Keychain.js"
import { type Persisted, WriteBack } from "../../services/WriteBack.js"

export const make = Effect.gen(function*() {
  const keychain = yield* Keychain
  const store = yield* ConfigStore

  const keychainReason = keychain.check.pipe(
    Effect.match({ onSuccess: () => undefined, onFailure: (e) => e.reason })
  )

  // untraced, like persist: called per connection inside refreshOne's span, where a span and a
  // call-site capture of its own cost more than the call
  const preflight = Effect.fnUntraced(function*(connection: Connection, _keys: ReadonlyArray<SecretKey>) {
    const reason = yield* keychainReason
    if (reason === undefined) return
    yield* store.check.pipe(
      Effect.mapError((e) =>
        new PreflightFailed({
          platform: connection.platform,
          account: connection.account,
          reason: `nowhere to store the new token: the OS keychain is unavailable (${reason}) and ${e.message}`
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
    const edits = editsFor(connection, update.metadata)
    const warnings: Array<string> = []
    let where = "nothing to store"
    let storedIn: string | undefined = undefined
    if (secrets.length > 0) {
      const reason = yield* keychainReason
      const inKeychain = reason === undefined
        ? yield* Effect.forEach(secrets, ([key, value]) => keychain.set(keychainAccount(connection, key), value), {
          discard: true
        }).pipe(
          Effect.as(true),
          Effect.catchAll((e) => {
            warnings.push(`the OS keychain failed (${e.reason})`)
            return Effect.succeed(false)
          })
        )
        : false
      if (inKeychain) {
        where = "stored in the OS keychain"
        storedIn = "keychain"
      } else {
        storedIn = "config-file"
        edits.push(...editsFor(connection, Object.fromEntries(secrets.map(([key, value]) => [key, Redacted.value(value)]))))
        where = reason !== undefined
          ? `stored in ${store.file} (0600) because the OS keychain is unavailable (${reason})`
          : `stored in ${store.file} (0600)`
      }
    }
    const holdsSecret = edits.length > Object.keys(update.metadata).length
    yield* store.apply(edits, { secret: holdsSecret }).pipe(Effect.mapError((e) => failed(e.message)))
    if (secrets.length === 0 && edits.length > 0) where = `expiry recorded in ${store.file}`
    return { where, warnings, ...(storedIn === undefined ? {} : { storedIn }) } satisfies Persisted
  })

  return { name: "local", shadowedByEnvironment: true, preflight, persist } satisfies WriteBack["Type"]
})

export const layer: Layer.Layer<WriteBack, never, Keychain | ConfigStore> = Layer.effect(WriteBack, make)
