/**
 * Resolves each secret: environment → OS keychain → config file (DESIGN §1 "Secrets").
 * A further account's app credentials (client id/key/secret) fall back to the default
 * account's; its user tokens never do. A keychain that is absent for the whole run is
 * passed over (the config file is then where write-back stores); one that is there but
 * does not answer (locked, timing out), or that fails a read, stops the lookup: the value
 * there is unknown, and the config file's copy may be one that has rotated away since.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Connection } from "../../domain/Connection.js"
import { SecretMissing, SecretUnreadable } from "../../domain/errors.js"
import {
  appCredentialKeys,
  type ConnectionId,
  DEFAULT_ACCOUNT,
  envName,
  keychainAccount,
  type SecretKey
} from "../../domain/Platform.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Keychain, type KeychainUnavailable } from "../../services/Keychain.js"
import { Scrubber } from "../../services/Scrubber.js"
import { type ResolvedSecret, type SecretBag, Secrets } from "../../services/Secrets.js"
import { envReader, envVar } from "../config/envVar.js"

export const make = Effect.gen(function*() {
  const app = yield* AppConfig
  const keychain = yield* Keychain
  // every value resolved or remembered is one the run's text must never show
  const scrubber = yield* Scrubber
  // why the keychain (or pass store) cannot be read, said where a missing secret is reported
  const probe = yield* Effect.cached(
    keychain.check.pipe(
      Effect.match({ onSuccess: () => undefined, onFailure: (e): KeychainUnavailable | undefined => e })
    )
  )
  // every secret of every connection asks: once the probe has answered, answer from a variable
  let settled: { readonly problem: KeychainUnavailable | undefined } | undefined
  const keychainState = Effect.suspend(() =>
    settled !== undefined
      ? Effect.succeed(settled.problem)
      : Effect.tap(probe, (problem) => Effect.sync(() => void (settled = { problem })))
  )
  const remembered = new Map<string, Redacted.Redacted<string>>()
  const rememberedKey = (c: ConnectionId, key: SecretKey) => keychainAccount(c, key)

  const owners = (c: Connection, key: SecretKey): ReadonlyArray<ConnectionId> =>
    c.account !== DEFAULT_ACCOUNT && appCredentialKeys.has(key)
      ? [c, { platform: c.platform, account: DEFAULT_ACCOUNT }]
      : [c]

  const configKey = (c: Connection, key: SecretKey) => [...c.configPath, key].join(".")

  const describe = (account: string) => keychain.describe?.(account) ?? `keychain herald ${account}`

  const tried = (c: Connection, key: SecretKey, problem?: string): ReadonlyArray<string> => [
    ...owners(c, key).flatMap((o) => [
      `${envName(o, key)} (environment)`,
      describe(keychainAccount(o, key)) + (problem !== undefined ? ` (unusable: ${problem})` : "")
    ]),
    `${configKey(c, key)} in ${app.file}`
  ]

  // one key's value: the journal's, then each owner's environment and keychain, then the
  // file. Each step is plain code; only reading the keychain, or an environment that is not
  // process.env, takes an effect, so a run without a usable keychain resolves a connection's
  // secrets without one.
  const fromJournal = (c: Connection, key: SecretKey): ResolvedSecret | undefined => {
    const fresh = remembered.get(rememberedKey(c, key))
    return fresh === undefined ? undefined : { value: fresh, source: "journal", name: rememberedKey(c, key) }
  }
  const fromFile = (c: Connection, key: SecretKey): ResolvedSecret | undefined => {
    const inFile = c.settings[key]
    return inFile !== undefined && inFile !== "" ? { value: Redacted.make(inFile), source: "config", name: configKey(c, key) } : undefined
  }
  /** An owner's environment value, else what its keychain says: unreadable, or to be asked ("keychain"), or nothing ("next"). */
  const ownerStep = (
    c: Connection,
    key: SecretKey,
    owner: ConnectionId,
    problem: KeychainUnavailable | undefined,
    env: Option.Option<string>
  ): ResolvedSecret | SecretUnreadable | "keychain" | "next" => {
    if (Option.isSome(env)) return { value: Redacted.make(env.value), source: "env", name: envName(owner, key) }
    // a keychain that is there but does not answer may hold this very secret
    if (problem?.present === true) return unreadable(c, key, keychainAccount(owner, key), problem.reason)
    return problem === undefined ? "keychain" : "next"
  }
  const unreadable = (c: Connection, key: SecretKey, account: string, reason: string) =>
    new SecretUnreadable({ platform: c.platform, account: c.account, key, store: describe(account), reason })

  /** Every key's value without an effect, or undefined where one is needed (see above). */
  const resolveAllNow = (
    c: Connection,
    keys: ReadonlyArray<SecretKey>,
    problem: KeychainUnavailable | undefined,
    readEnv: ((name: string) => Option.Option<string>) | undefined
  ): Map<SecretKey, ResolvedSecret> | SecretUnreadable | undefined => {
    if (problem === undefined || readEnv === undefined) return undefined
    const found = new Map<SecretKey, ResolvedSecret>()
    for (const key of keys) {
      let r: ResolvedSecret | undefined = fromJournal(c, key)
      for (const owner of r === undefined ? owners(c, key) : []) {
        const step = ownerStep(c, key, owner, problem, readEnv(envName(owner, key)))
        if (step instanceof SecretUnreadable) return step
        if (step !== "next" && step !== "keychain") {
          r = step
          break
        }
      }
      r ??= fromFile(c, key)
      if (r !== undefined) found.set(key, r)
    }
    return found
  }

  const resolveOne = (
    c: Connection,
    key: SecretKey,
    problem: KeychainUnavailable | undefined,
    readEnv: ((name: string) => Option.Option<string>) | undefined
  ): Effect.Effect<ResolvedSecret | undefined, SecretUnreadable> =>
    Effect.gen(function*() {
      const fresh = fromJournal(c, key)
      if (fresh !== undefined) return fresh
      for (const owner of owners(c, key)) {
        const name = envName(owner, key)
        const step = ownerStep(c, key, owner, problem, readEnv !== undefined ? readEnv(name) : yield* envVar(name))
        if (step instanceof SecretUnreadable) return yield* Effect.fail(step)
        if (step === "next") continue
        if (step !== "keychain") return step
        const account = keychainAccount(owner, key)
        const stored = yield* keychain.get(account).pipe(Effect.mapError((e) => unreadable(c, key, account, e.reason)))
        if (Option.isSome(stored)) return { value: stored.value, source: "keychain", name: account } satisfies ResolvedSecret
      }
      return fromFile(c, key)
    })

  /** The bag of what was found: its values are secrets the run's text must never show. */
  const bagOf = (c: Connection, found: ReadonlyMap<SecretKey, ResolvedSecret>, problem: KeychainUnavailable | undefined): Effect.Effect<SecretBag> => {
    const resolved = (key: SecretKey) => Option.fromNullable(found.get(key))
    const get = (key: SecretKey) => Option.map(resolved(key), (r) => r.value)
    const reason = problem?.reason
    const bag: SecretBag = {
      get,
      resolved,
      tried: (key) => tried(c, key, reason),
      require: (key) =>
        Option.match(get(key), {
          onSome: Effect.succeed,
          onNone: () =>
            Effect.fail(new SecretMissing({ platform: c.platform, account: c.account, key, tried: tried(c, key, reason) }))
        })
    }
    return Effect.as(scrubber.register([...found.values()].map((r) => r.value)), bag)
  }

  const lookupWith = (c: Connection, keys: ReadonlyArray<SecretKey>, problem: KeychainUnavailable | undefined) =>
    Effect.flatMap(envReader, (readEnv): Effect.Effect<SecretBag, SecretUnreadable> => {
      const now = resolveAllNow(c, keys, problem, readEnv)
      if (now instanceof SecretUnreadable) return Effect.fail(now)
      if (now !== undefined) return bagOf(c, now, problem)
      return Effect.flatMap(
        Effect.gen(function*() {
          const found = new Map<SecretKey, ResolvedSecret>()
          for (const key of keys) {
            const r = yield* resolveOne(c, key, problem, readEnv)
            if (r !== undefined) found.set(key, r)
          }
          return found
        }),
        (found) => bagOf(c, found, problem)
      )
    })

  // the keychain is asked once per connection, not once per key and owner (and, once it has
  // answered, not at all)
  const lookup = (c: Connection, keys: ReadonlyArray<SecretKey>): Effect.Effect<SecretBag, SecretUnreadable> =>
    Effect.suspend(() =>
      settled !== undefined ? lookupWith(c, keys, settled.problem) : Effect.flatMap(keychainState, (problem) => lookupWith(c, keys, problem))
    )

  const remember = (c: Connection, secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>>) =>
    Effect.sync(() => {
      for (const [key, value] of Object.entries(secrets) as Array<[SecretKey, Redacted.Redacted<string>]>) {
        remembered.set(rememberedKey(c, key), value)
      }
    }).pipe(Effect.zipRight(scrubber.register(Object.values(secrets))))

  return { lookup, remember } satisfies Secrets["Type"]
})

export const SecretsLive: Layer.Layer<Secrets, never, AppConfig | Keychain | Scrubber> = Layer.effect(Secrets, make)
