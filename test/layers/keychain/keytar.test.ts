/** The keytar keychain over a stand-in keytar: lazy loading, the 5 s bound, and failing fast once stuck. */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Keytar from "../../../src/layers/keychain/Keytar.js"
import { KeychainUnavailable } from "../../../src/services/Keychain.js"

const never = <A>() => new Promise<A>(() => {})

const fakeKeytar = (behaviour: { readonly probeHangs?: boolean; readonly readHangs?: boolean } = {}) => {
  const store = new Map<string, string>()
  const calls = { load: 0, probe: 0, get: 0, set: 0 }
  const api: Keytar.KeytarApi = {
    findCredentials: () => (calls.probe++, behaviour.probeHangs ? never() : Promise.resolve([])),
    getPassword: (service, account) => (calls.get++, behaviour.readHangs ? never() : Promise.resolve(store.get(`${service}|${account}`) ?? null)),
    setPassword: (service, account, password) => (calls.set++, Promise.resolve(void store.set(`${service}|${account}`, password))),
    deletePassword: (service, account) => Promise.resolve(store.delete(`${service}|${account}`))
  }
  const load = Effect.sync(() => (calls.load++, api))
  return { store, calls, load }
}

const reasonOf = <A>(exit: Exit.Exit<A, KeychainUnavailable>) =>
  Exit.match(exit, {
    onSuccess: () => "succeeded",
    onFailure: (cause) => Option.match(Cause.failureOption(cause), { onNone: () => Cause.pretty(cause), onSome: (e) => e.reason })
  })

describe("Keytar keychain", () => {
  it.effect("keytar is loaded on first use, once; values live under service herald", () =>
    Effect.gen(function*() {
      const k = fakeKeytar()
      const keychain = yield* Keytar.makeWith(k.load)
      assert.strictEqual(k.calls.load, 0, "building the layer loads nothing")
      yield* keychain.set("tiktok/refresh_token", Redacted.make("rt-1"))
      const got = yield* keychain.get("tiktok/refresh_token")
      assert.strictEqual(Option.map(got, Redacted.value).pipe(Option.getOrUndefined), "rt-1")
      assert.isTrue(Option.isNone(yield* keychain.get("x/refresh_token")))
      assert.deepStrictEqual([...k.store.keys()], ["herald|tiktok/refresh_token"])
      assert.strictEqual(k.calls.load, 1)
      assert.strictEqual(k.calls.probe, 1, "one probe per run")
    }))

  it.effect("remove deletes an entry under service herald; an entry that is not there is fine", () =>
    Effect.gen(function*() {
      const k = fakeKeytar()
      const keychain = yield* Keytar.makeWith(k.load)
      yield* keychain.set("x/refresh_token", Redacted.make("rt-1"))
      yield* keychain.remove("x/refresh_token")
      assert.isTrue(Option.isNone(yield* keychain.get("x/refresh_token")))
      assert.deepStrictEqual([...k.store.keys()], [])
      yield* keychain.remove("x/refresh_token")
    }))

  it.effect("keytar that cannot load: unavailable, with a reason that says what to install", () =>
    Effect.gen(function*() {
      const keychain = yield* Keytar.makeWith(Effect.fail(new KeychainUnavailable({ reason: "keytar is not installed" })))
      const exit = yield* Effect.exit(keychain.get("tiktok/refresh_token"))
      assert.strictEqual(reasonOf(exit), "keytar is not installed")
      assert.isUndefined((yield* Effect.flip(keychain.check)).present, "no keychain here: absent, not locked")
    }))

  it.effect("a probe that never answers fails after 5 s, and the keychain is not asked again", () =>
    Effect.gen(function*() {
      const k = fakeKeytar({ probeHangs: true })
      const keychain = yield* Keytar.makeWith(k.load)
      const fiber = yield* Effect.fork(Effect.exit(keychain.check))
      yield* TestClock.adjust("4 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)), "still waiting at 4 s")
      yield* TestClock.adjust("1 second")
      const exit = yield* Fiber.join(fiber)
      assert.include(reasonOf(exit), "did not answer within 5 s")
      // no clock movement needed: the answer is already known
      assert.include(reasonOf(yield* Effect.exit(keychain.get("tiktok/refresh_token"))), "did not answer within 5 s")
      assert.strictEqual(k.calls.probe, 1)
      assert.strictEqual(k.calls.get, 0)
    }))

  it.effect("a read that blocks (locked collection, unlock prompt) times out once; later calls fail at once", () =>
    Effect.gen(function*() {
      const k = fakeKeytar({ readHangs: true })
      const keychain = yield* Keytar.makeWith(k.load)
      const fiber = yield* Effect.fork(Effect.exit(keychain.get("tiktok/refresh_token")))
      yield* TestClock.adjust("5 seconds")
      assert.include(reasonOf(yield* Fiber.join(fiber)), "reading the keychain did not answer within 5 s")
      assert.include(reasonOf(yield* Effect.exit(keychain.get("tiktok/access_token"))), "did not answer")
      assert.include(reasonOf(yield* Effect.exit(keychain.set("tiktok/access_token", Redacted.make("a")))), "did not answer")
      assert.include(reasonOf(yield* Effect.exit(keychain.check)), "did not answer")
      // there, but not answering: what it holds is unknown, unlike a keychain that is absent
      assert.isTrue((yield* Effect.flip(keychain.check)).present)
      assert.include(reasonOf(yield* Effect.exit(keychain.remove("tiktok/access_token"))), "did not answer")
      assert.strictEqual(k.calls.get, 1)
      assert.strictEqual(k.calls.set, 0)
    }))
})
