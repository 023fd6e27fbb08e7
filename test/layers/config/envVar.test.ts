/**
 * envVar reads the environment directly under Effect's default provider (issue 9: Config's
 * way costs an exception per unset name) and still honours any other provider.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { envVar } from "../../../src/layers/config/envVar.js"

const NAME = "HERALD_TEST_ENVVAR_SENTINEL"

describe("envVar", () => {
  it.effect("under the default provider: process.env by the plain name; unset and empty are none", () =>
    Effect.gen(function*() {
      process.env[NAME] = "sentinel-value"
      try {
        assert.deepStrictEqual(yield* envVar(NAME), Option.some("sentinel-value"))
        process.env[NAME] = ""
        assert.deepStrictEqual(yield* envVar(NAME), Option.none())
      } finally {
        delete process.env[NAME]
      }
      assert.deepStrictEqual(yield* envVar(NAME), Option.none())
    }))

  it.effect("under another provider: that provider, not process.env", () =>
    Effect.gen(function*() {
      process.env[NAME] = "from-process-env"
      try {
        const provided = ConfigProvider.fromMap(new Map([[NAME, "from-the-map"], ["EMPTY_ONE", ""]]))
        assert.deepStrictEqual(yield* envVar(NAME).pipe(Effect.withConfigProvider(provided)), Option.some("from-the-map"))
        assert.deepStrictEqual(yield* envVar("EMPTY_ONE").pipe(Effect.withConfigProvider(provided)), Option.none())
        const empty = ConfigProvider.fromMap(new Map())
        assert.deepStrictEqual(yield* envVar(NAME).pipe(Effect.withConfigProvider(empty)), Option.none())
      } finally {
        delete process.env[NAME]
      }
    }))
})
