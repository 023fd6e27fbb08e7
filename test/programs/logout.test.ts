/** `logout` over in-memory ports: the OS keychain's (or pass's) entries of one connection go, the rest stay. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { logout } from "../../src/programs/logout.js"
import { oneConnection } from "../../src/programs/oneConnection.js"
import { Keychain } from "../../src/services/Keychain.js"
import { json } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

const config = { platforms: { x: { accounts: { brand: {} } } } }

describe("logout", () => {
  it.effect("removes the connection's access and refresh token from the keychain; app credentials and other accounts stay", () =>
    Effect.gen(function*() {
      const { layer } = makeWorld({
        config,
        http: () => json(404, {}),
        keychain: {
          "x:brand/refresh_token": "brand-rt",
          "x:brand/access_token": "brand-at",
          "x:brand/client_id": "brand-client",
          "x/refresh_token": "default-rt"
        }
      })
      const { result, left } = yield* Effect.gen(function*() {
        const result = yield* logout(yield* oneConnection("x:brand", "logout"))
        const keychain = yield* Keychain
        const after = (account: string) => Effect.map(keychain.get(account), Option.isSome)
        return {
          result,
          left: {
            brandRefresh: yield* after("x:brand/refresh_token"),
            brandAccess: yield* after("x:brand/access_token"),
            brandClient: yield* after("x:brand/client_id"),
            defaultRefresh: yield* after("x/refresh_token")
          }
        }
      }).pipe(Effect.provide(layer))
      assert.deepStrictEqual(result.removed.map((r) => r.key).sort(), ["access_token", "refresh_token"])
      assert.include(result.removed[0]!.from, "keychain herald x:brand/")
      assert.deepStrictEqual(result.left, [])
      assert.deepStrictEqual(left, { brandRefresh: false, brandAccess: false, brandClient: true, defaultRefresh: true })
    }))

  it.effect("an unusable keychain is not an error: nothing there to remove", () =>
    Effect.gen(function*() {
      const { layer } = makeWorld({ config, http: () => json(404, {}), keychainUnavailable: "no Secret Service" })
      const result = yield* Effect.flatMap(oneConnection("x:brand", "logout"), logout).pipe(Effect.provide(layer))
      assert.deepStrictEqual(result, { removed: [], left: [] })
    }))
})
