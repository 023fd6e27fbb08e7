/**
 * `local` write-back: secrets to the OS keychain, or to the config file (0600) where no
 * keychain is usable — said in the report, never silently; expiry metadata always to the
 * config file. One source of truth per secret: a value the keychain refused goes to the
 * file and its keychain entry is removed, since the keychain is read first; if that
 * removal fails too, write-back fails (the token stays in the journal) rather than report
 * a value stored that the next run would not read.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { Connection } from "../../domain/Connection.js"
import { PreflightFailed, WriteBackFailed } from "../../domain/errors.js"
import type { Outcome } from "../../domain/Plan.js"
import { keychainAccount, type SecretKey } from "../../domain/Platform.js"
import { ConfigStore, editsFor } from "../../services/ConfigStore.js"
import { Keychain, type KeychainUnavailable } from "../../services/Keychain.js"
import { type Persisted, WriteBack } from "../../services/WriteBack.js"

export const make = Effect.gen(function*() {
  const keychain = yield* Keychain
  const store = yield* ConfigStore

  // a keychain that is not there (switched off, no Secret Service) stays away for the run:
  // asked once, not once per connection; one that is there is asked each time (it may unlock)
  let absent: KeychainUnavailable | undefined
  const keychainProblem: Effect.Effect<KeychainUnavailable | undefined> = Effect.suspend(() =>
    absent !== undefined ? Effect.succeed(absent) : keychain.check.pipe(
      Effect.match({
        onSuccess: () => undefined,
        onFailure: (e): KeychainUnavailable | undefined => {
          if (e.present !== true) absent = e
          return e
        }
      })
    )
  )
  // a keychain that is there but does not answer may hold an older copy, read first next run
  const hidden = (problem: KeychainUnavailable) =>
    `the OS keychain does not answer (${problem.reason}) and may hold an older copy, which the next run would read ` +
    `before the config file; unlock it, or set HERALD_KEYCHAIN=off if herald should not use it`

  /** `f` of the keychain's problem: without asking again once it is known to be away */
  const withKeychainProblem = <A, E>(f: (problem: KeychainUnavailable | undefined) => Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.suspend(() => (absent !== undefined ? f(absent) : Effect.flatMap(keychainProblem, f)))

  // untraced, like persist: called per connection inside refreshOne's span, where a span and a
  // call-site capture of its own cost more than the call
  const preflight = (connection: Connection, _keys: ReadonlyArray<SecretKey>): Effect.Effect<void, PreflightFailed> =>
    withKeychainProblem((problem) => {
      if (problem === undefined) return Effect.void
      const reason = problem.reason
      if (problem.present === true) {
        return Effect.fail(
          new PreflightFailed({ platform: connection.platform, account: connection.account, reason: `nowhere to store the new token: ${hidden(problem)}` })
        )
      }
      return Effect.mapError(store.check, (e) =>
        new PreflightFailed({
          platform: connection.platform,
          account: connection.account,
          reason: `nowhere to store the new token: the OS keychain is unavailable (${reason}) and ${e.message}`
        }))
    })

  const describe = (account: string) => keychain.describe?.(account) ?? `keychain herald ${account}`

  const persist = Effect.fnUntraced(function*(
    connection: Connection,
    update: Pick<Outcome, "secrets" | "metadata">,
    options?: { readonly later?: boolean }
  ) {
    const failed = (reason: string) =>
      new WriteBackFailed({ platform: connection.platform, account: connection.account, reason })
    const secrets = Object.entries(update.secrets) as Array<[SecretKey, Redacted.Redacted<string>]>
    // the refresh token first: it is the one whose loss (or stale copy) means a new login
    secrets.sort(([a], [b]) => (a === "refresh_token" ? -1 : b === "refresh_token" ? 1 : 0))
    const edits = editsFor(connection, update.metadata)
    const warnings: Array<string> = []
    let where = "nothing to store"
    let storedIn: string | undefined = undefined
    // secrets whose keychain entry may still hold an older value: the file gets them, and
    // that entry must go, or the next run reads it first and sends a token that rotated away
    const displaced: Array<SecretKey> = []
    if (secrets.length > 0) {
      const problem = absent ?? (yield* keychainProblem)
      if (problem?.present === true) return yield* Effect.fail(failed(`not written to ${store.file}: ${hidden(problem)}`))
      const reason = problem?.reason
      const toFile: Array<[SecretKey, Redacted.Redacted<string>]> = []
      if (reason === undefined) {
        for (const [key, value] of secrets) {
          const set = yield* Effect.either(keychain.set(keychainAccount(connection, key), value))
          if (set._tag === "Left") {
            toFile.push([key, value])
            displaced.push(key)
            if (warnings.length === 0) warnings.push(`the OS keychain failed (${set.left.reason})`)
          }
        }
      } else {
        toFile.push(...secrets)
      }
      // a copy the config file still holds (an earlier fall-back, a hand edit) is older now: a
      // run that finds no keychain would send it
      const olderInFile = secrets
        .filter(([key, value]) => {
          const held = connection.settings[key]
          return !toFile.some(([k]) => k === key) && typeof held === "string" && held !== "" && held !== Redacted.value(value)
        })
        .map(([key]) => key)
      if (olderInFile.length > 0) {
        const keys = olderInFile.map((key) => [...connection.configPath, key].join("."))
        warnings.push(
          `${store.file} still holds an older ${keys.join(", ")}: delete it there (the OS keychain has the current one, ` +
            `and a run without the keychain would send the old one)`
        )
      }
      if (toFile.length === 0) {
        where = "stored in the OS keychain"
        storedIn = "keychain"
      } else {
        storedIn = "config-file"
        edits.push(...editsFor(connection, Object.fromEntries(toFile.map(([key, value]) => [key, Redacted.value(value)]))))
        const inFile = toFile.length === secrets.length ? "" : ` (${toFile.map(([key]) => key).join(", ")}; the rest in the OS keychain)`
        where = reason !== undefined
          ? `stored in ${store.file} (0600) because the OS keychain is unavailable (${reason})`
          : `stored in ${store.file} (0600)${inFile}`
      }
    }
    const holdsSecret = edits.length > Object.keys(update.metadata).length
    // a keychain entry to remove must wait for the file's write: those are written now
    if (options?.later === true && store.stage !== undefined && displaced.length === 0 && edits.length > 0) {
      const wait = yield* store.stage(edits, { secret: holdsSecret })
      if (secrets.length === 0) where = `expiry recorded in ${store.file}`
      return {
        where,
        warnings,
        ...(storedIn === undefined ? {} : { storedIn }),
        durable: {
          committed: wait.committed.pipe(Effect.mapError((e) => failed(e.message))),
          commitNow: wait.commitNow.pipe(Effect.mapError((e) => failed(e.message)))
        }
      } satisfies Persisted
    }
    yield* store.apply(edits, { secret: holdsSecret }).pipe(Effect.mapError((e) => failed(e.message)))
    // only once the file holds the new values: removing first would leave them nowhere
    for (const key of displaced) {
      const account = keychainAccount(connection, key)
      yield* keychain.remove(account).pipe(
        Effect.mapError((e) =>
          failed(
            `the new ${key} is in ${store.file}, but ${describe(account)} still holds the old one, which the next run ` +
              `would read first, and removing it failed (${e.reason})`
          )
        )
      )
    }
    if (displaced.length > 0) {
      warnings.push(`the old copy in the keychain was removed (${displaced.map((k) => describe(keychainAccount(connection, k))).join(", ")})`)
    }
    if (secrets.length === 0 && edits.length > 0) where = `expiry recorded in ${store.file}`
    return { where, warnings, ...(storedIn === undefined ? {} : { storedIn }) } satisfies Persisted
  })

  return { name: "local", shadowedByEnvironment: true, preflight, persist } satisfies WriteBack["Type"]
})

export const layer: Layer.Layer<WriteBack, never, Keychain | ConfigStore> = Layer.effect(WriteBack, make)
