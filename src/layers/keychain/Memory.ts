/** A keychain over a Ref: for tests, and for embedding herald where secrets live elsewhere. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import { Keychain, KeychainUnavailable } from "../../services/Keychain.js"

export const make = (
  initial: Record<string, string> = {},
  options: { readonly unavailable?: string; readonly present?: boolean } = {}
) =>
  Effect.gen(function*() {
    const store = yield* Ref.make(new Map(Object.entries(initial)))
    const guard = options.unavailable === undefined
      ? Effect.void
      : Effect.fail(new KeychainUnavailable({ reason: options.unavailable, ...(options.present === true ? { present: true } : {}) }))
    const service: Keychain["Type"] = {
      check: guard,
      get: (account) =>
        guard.pipe(Effect.zipRight(Ref.get(store)), Effect.map((m) => Option.map(Option.fromNullable(m.get(account)), Redacted.make))),
      set: (account, value) =>
        guard.pipe(Effect.zipRight(Ref.update(store, (m) => new Map(m).set(account, Redacted.value(value))))),
      remove: (account) =>
        guard.pipe(Effect.zipRight(Ref.modify(store, (m) => {
          const next = new Map(m)
          return [next.delete(account), next] as const
        })))
    }
    return { service, store }
  })

export const layer = (initial: Record<string, string> = {}): Layer.Layer<Keychain> =>
  Layer.effect(Keychain, Effect.map(make(initial), (m) => m.service))

/** A keychain that is never usable (e.g. `HERALD_KEYCHAIN=off`, or no Secret Service). */
export const unavailable = (reason: string): Layer.Layer<Keychain> =>
  Layer.effect(Keychain, Effect.map(make({}, { unavailable: reason }), (m) => m.service))
