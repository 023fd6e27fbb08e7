/**
 * The OS keychain through keytar (macOS Keychain, Windows Credential Vault, Secret
 * Service on Linux). keytar is an optional dependency loaded on first use: a machine
 * without libsecret still installs and runs herald, and reports the keychain unusable.
 * Every call is bounded: a locked keychain on a headless host can wait on an unlock
 * prompt forever.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { KEYCHAIN_SERVICE } from "../../domain/Platform.js"
import { Keychain, KeychainUnavailable } from "../../services/Keychain.js"

/** The part of keytar herald uses; `makeWith` takes any implementation (tests). */
export interface KeytarApi {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  /** false when there was no such entry */
  deletePassword(service: string, account: string): Promise<boolean>
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>
}

const TIMEOUT = Duration.seconds(5)

const unavailable = (reason: string) => new KeychainUnavailable({ reason })
// it answered the bus, or was found, but not in time: it is there, holding who knows what
const notAnswering = (reason: string) => new KeychainUnavailable({ reason, present: true })

const loadKeytar = Effect.tryPromise({
  // a variable specifier keeps bundlers from resolving the optional native module
  try: async () => {
    const specifier = "keytar"
    const mod = (await import(specifier)) as { default?: KeytarApi } & KeytarApi
    return mod.default ?? mod
  },
  catch: () => unavailable("keytar is not installed (it needs libsecret on Linux: apt-get install libsecret-1-dev, then npm install)")
})

const bounded = <A>(what: string, f: () => Promise<A>) =>
  Effect.tryPromise({
    try: f,
    catch: (e) => unavailable(`${what} failed: ${e instanceof Error ? e.message.split("\n")[0] : "error"}`)
  }).pipe(
    Effect.timeoutFail({
      duration: TIMEOUT,
      onTimeout: () => notAnswering(`${what} did not answer within 5 s (is the keychain locked?)`)
    })
  )

export const makeWith = (load: Effect.Effect<KeytarApi, KeychainUnavailable>) =>
  Effect.gen(function*() {
    const keytar = yield* Effect.cached(load)
    // one probe per run: a keychain that does not answer is not asked again for every secret
    const check = yield* Effect.cached(
      Effect.flatMap(keytar, (k) => bounded("the keychain", () => k.findCredentials(`${KEYCHAIN_SERVICE}-probe`))).pipe(Effect.asVoid)
    )
    // A locked collection can answer the probe (a search) and then block each read on an
    // unlock prompt: after one call times out, the rest fail at once instead of 5 s each.
    let stuck: KeychainUnavailable | undefined = undefined
    const call = <A>(what: string, f: (k: KeytarApi) => Promise<A>) =>
      Effect.suspend(() => (stuck !== undefined ? Effect.fail(stuck) : check)).pipe(
        Effect.zipRight(keytar),
        Effect.flatMap((k) => bounded(what, () => f(k))),
        Effect.tapError((e) => Effect.sync(() => {
          if (/did not answer/.test(e.reason)) stuck = e
        }))
      )
    const service: Keychain["Type"] = {
      check: Effect.suspend(() => (stuck !== undefined ? Effect.fail(stuck) : check)),
      get: (account) =>
        call("reading the keychain", (k) => k.getPassword(KEYCHAIN_SERVICE, account)).pipe(
          Effect.map((v) => (v === null || v === "" ? Option.none() : Option.some(Redacted.make(v))))
        ),
      set: (account, value) =>
        call("writing the keychain", (k) => k.setPassword(KEYCHAIN_SERVICE, account, Redacted.value(value))),
      remove: (account) => call("removing from the keychain", (k) => k.deletePassword(KEYCHAIN_SERVICE, account))
    }
    return service
  })

export const make = makeWith(loadKeytar)

export const layer: Layer.Layer<Keychain> = Layer.effect(Keychain, make)
