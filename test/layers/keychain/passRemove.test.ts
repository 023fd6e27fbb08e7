/** The pass keychain deletes an entry for `herald auth logout` (real gpg and pass, throwaway store). */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { afterAll, beforeAll } from "vitest"
import * as Pass from "../../../src/layers/keychain/Pass.js"
import { Keychain } from "../../../src/services/Keychain.js"
import { makePassStore, passMissing, type PassStore } from "../../support/passStore.js"

const missing = passMissing()

describe.skipIf(missing !== undefined)("pass: remove", () => {
  let store: PassStore
  beforeAll(() => {
    store = makePassStore()
  })
  afterAll(() => store?.close())

  it.live("removes an entry under the prefix (true), and says false for one that is not there", () =>
    Effect.gen(function*() {
      store.insert("herald/x:brand/refresh_token", "sentinel-logout")
      store.insert("herald/x/refresh_token", "sentinel-keep")
      const keychain = yield* Keychain
      assert.isTrue(yield* keychain.remove!("x:brand/refresh_token"))
      assert.isTrue(Option.isNone(yield* keychain.get("x:brand/refresh_token")))
      assert.isFalse(yield* keychain.remove!("x:brand/refresh_token"))
      assert.isTrue(Option.isSome(yield* keychain.get("x/refresh_token")))
    }).pipe(
      Effect.provide(Layer.suspend(() =>
        Pass.layer().pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(store.env))))))
      ))
    ))
})
