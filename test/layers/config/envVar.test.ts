/**
 * envVar reads the environment directly under Effect's default provider (issue 9: Config's
 * way costs an exception per unset name) and still honours any other provider.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { anyEnvEndingWith, envVar } from "../../../src/layers/config/envVar.js"
import * as ConfigFile from "../../../src/layers/config/ConfigFile.js"

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

  it.effect("anyEnvEndingWith: under the default provider, whether a set variable ends so; under another, unknown (issue 20)", () =>
    Effect.gen(function*() {
      const suffix = "_HERALD_TEST_SUFFIX_SENTINEL"
      assert.isFalse(yield* anyEnvEndingWith([suffix]))
      process.env[`X${suffix}`] = ""
      try {
        // empty is unset
        assert.isFalse(yield* anyEnvEndingWith([suffix]))
        process.env[`X${suffix}`] = "v"
        assert.isTrue(yield* anyEnvEndingWith(["_NOPE", suffix]))
        assert.isUndefined(yield* anyEnvEndingWith([suffix]).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))
      } finally {
        delete process.env[`X${suffix}`]
      }
    }))

  it.effect("an expiry date from the process environment still wins over the file's, and a bad one is named (issue 20)", () =>
    Effect.gen(function*() {
      const snapshot = {
        ...ConfigFile.appConfigFrom({ file: "/tmp/h.yaml", exists: true, config: { platforms: { tiktok: { accounts: { brand: { refresh_token: "r" } } } } } })
      }
      assert.strictEqual(yield* ConfigFile.withEnvironmentMetadata(snapshot), snapshot)
      process.env["TIKTOK_BRAND_ACCESS_TOKEN_EXPIRES_AT"] = "2027-01-01T00:00:00Z"
      try {
        const withDate = yield* ConfigFile.withEnvironmentMetadata(snapshot)
        assert.strictEqual(withDate.connections.find((c) => c.account === "brand")?.settings.access_token_expires_at, "2027-01-01T00:00:00Z")
        process.env["TIKTOK_BRAND_ACCESS_TOKEN_EXPIRES_AT"] = "soon"
        const bad = yield* Effect.flip(ConfigFile.withEnvironmentMetadata(snapshot))
        assert.deepStrictEqual(bad.issues, ["TIKTOK_BRAND_ACCESS_TOKEN_EXPIRES_AT (environment): expected an RFC 3339 date such as 2026-11-22T16:00:00Z"])
      } finally {
        delete process.env["TIKTOK_BRAND_ACCESS_TOKEN_EXPIRES_AT"]
      }
    }))
})
