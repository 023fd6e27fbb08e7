/**
 * `herald auth logout TARGET`: the connection's own tokens (access and refresh, and the
 * expiry dates that describe them) removed from where herald stores them — the OS keychain
 * or pass, and the config file — under the run lock, so no run rotates them meanwhile. App
 * credentials (client id and secret) are the platform's, shared by its accounts: kept. What
 * herald cannot remove (an environment variable, a CI/CD variable) is named, not ignored.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { Connection } from "../domain/Connection.js"
import { envName, keychainAccount, metadataKeys, type SecretKey } from "../domain/Platform.js"
import { envVar } from "../layers/config/envVar.js"
import { ConfigStore } from "../services/ConfigStore.js"
import { Keychain } from "../services/Keychain.js"
import { Refreshers } from "../services/Refreshers.js"
import { RunLock } from "../services/RunLock.js"
import { WriteBack } from "../services/WriteBack.js"

const USER_TOKENS: ReadonlyArray<SecretKey> = ["access_token", "refresh_token"]

export interface LogoutResult {
  /** what was removed, and from where (`refresh_token from the OS keychain`) */
  readonly removed: ReadonlyArray<{ readonly key: string; readonly from: string }>
  /** what is still there and herald cannot remove, with what to do */
  readonly left: ReadonlyArray<string>
}

/** The keys `logout` removes for a connection: its user tokens that its platform uses. */
export const logoutKeys = (connection: Connection) =>
  Effect.map(Refreshers, (r) => USER_TOKENS.filter((k) => r.get(connection.platform).secretKeys.includes(k)))

export const logout = (connection: Connection) =>
  Effect.gen(function*() {
    yield* (yield* RunLock).acquire
    const keys = yield* logoutKeys(connection)
    const keychain = yield* Keychain
    const store = yield* ConfigStore
    const writeBack = yield* WriteBack
    const removed: Array<{ key: string; from: string }> = []
    const left: Array<string> = []

    const usable = yield* keychain.check.pipe(Effect.match({ onSuccess: () => true, onFailure: () => false }))
    if (usable) {
      for (const key of keys) {
        const account = keychainAccount(connection, key)
        const where = keychain.describe?.(account) ?? `keychain herald ${account}`
        const gone = yield* keychain.remove(account).pipe(
          Effect.catchAll((e) => Effect.sync(() => void left.push(`${key} in ${where}: could not be removed (${e.reason})`)).pipe(Effect.as(false)))
        )
        if (gone) removed.push({ key, from: where })
      }
    }

    if (store.remove !== undefined) {
      const paths = [...keys, ...metadataKeys].map((k) => [...connection.configPath, k])
      const gone = yield* store.remove(paths).pipe(
        Effect.catchAll((e) => Effect.sync(() => void left.push(`${store.file}: ${e.reason}`)).pipe(Effect.as([])))
      )
      for (const p of gone) removed.push({ key: p[p.length - 1]!, from: `${p.join(".")} in ${store.file}` })
    }

    for (const key of keys) {
      const name = envName(connection, key)
      if (Option.isSome(yield* envVar(name))) left.push(`${name} is still set in the environment: herald cannot unset it; remove it where it is set`)
    }
    if (writeBack.name !== "local" && writeBack.name !== "pass") {
      left.push(
        `the ${writeBack.name} write-back's variables were not touched: delete ${keys.map((k) => envName(connection, k)).join(", ")} there`
      )
    }
    return { removed, left } satisfies LogoutResult
  }).pipe(Effect.scoped)
