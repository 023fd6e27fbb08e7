/**
 * Issue 20: accounts that are plainly valid skip the Schema, and the quick checks agree with
 * it — whatever they accept the Schema accepts unchanged, and a bad account among thousands
 * is still reported by its key path, exactly as the Schema words it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { AccountSettings } from "../../src/domain/Config.js"
import { connectionsOf } from "../../src/domain/Connection.js"
import { accountPlainlyValid, quickAccountChecks } from "../../src/domain/validateConfig.js"
import { validateConfig } from "../../src/programs/configCatalog.js"

const decodeAccount = Schema.decodeUnknownEither(Schema.NullOr(AccountSettings), { errors: "all", onExcessProperty: "error" })

const values: ReadonlyArray<unknown> = [
  null,
  {},
  { refresh_token: "r", access_token: "a", client_id: "i", client_key: "k", client_secret: "s", app_secret: "x" },
  { access_token_expires_at: "2026-11-22T16:00:00Z", refresh_token_expires_at: "2026-11-22 16:00:00.5+01:00" },
  { access_token_expires_at: "2026-13-45T16:00:00Z" },
  { access_token_expires_at: "tomorrow" },
  { access_token_expires_at: 5 },
  { refresh_token: 12 },
  { refresh_token: null },
  { reauth_warn_days: 0, min_refresh_age_hours: 1.5, lifetime_days: 60 },
  { reauth_warn_days: -1 },
  { lifetime_days: Infinity },
  { timeout_seconds: 0 },
  { timeout_seconds: 2.5 },
  { redirect_port: 0 },
  { redirect_port: 65535 },
  { redirect_port: 65536 },
  { redirect_port: 80.5 },
  { redirect_port: "8765" },
  { endpoints: { token: "https://auth.example.com/token", health: "http://127.0.0.1:9/x" } },
  { endpoints: { token: "ftp://example.com/token" } },
  { endpoints: { token: "not a url" } },
  { endpoints: [] },
  { endpoints: null },
  { enabled: true },
  { accounts: {} },
  { bogus: 1 },
  { constructor: "x" },
  { toString: "x" },
  "a string",
  [],
  7
]

describe("quick account checks", () => {
  it("know every key AccountSettings has, and no other", () => {
    assert.deepStrictEqual(Object.keys(quickAccountChecks).sort(), Object.keys(AccountSettings.fields).sort())
  })

  it("accept what the Schema accepts and nothing else, and the Schema decodes it to itself", () => {
    for (const value of values) {
      const decoded = decodeAccount(value)
      assert.strictEqual(accountPlainlyValid("brand", value), Either.isRight(decoded), JSON.stringify(value))
      if (Either.isRight(decoded)) assert.deepStrictEqual(decoded.right, value, JSON.stringify(value))
    }
  })

  it("a name the Schema refuses is not taken by the quick path", () => {
    assert.isFalse(accountPlainlyValid("bad name", {}))
    assert.isFalse(accountPlainlyValid("-lead", {}))
    assert.isTrue(accountPlainlyValid("Brand_1-x", {}))
  })

  const big = (bad: Record<string, unknown> | undefined) => {
    const accounts: Record<string, unknown> = {}
    for (let i = 0; i < 2000; i++) accounts[`a${i}`] = { refresh_token: `r${i}`, access_token_expires_at: "2026-11-22T16:00:00Z" }
    if (bad !== undefined) accounts["a1234"] = bad
    return { platforms: { tiktok: { client_key: "ck", accounts }, x: { accounts: { one: null } } } }
  }

  it("a large config of valid accounts decodes to the same config as the Schema alone makes", () => {
    const raw = big(undefined)
    const result = validateConfig(raw)
    assert.isTrue(Either.isRight(result))
    const config = Either.getOrThrow(result)
    assert.deepStrictEqual<unknown>(config, raw)
    assert.strictEqual(connectionsOf(config).length, 2 + 2000 + 1)
    assert.strictEqual(connectionsOf(config).find((c) => c.account === "a7")?.settings.refresh_token, "r7")
  })

  it("one bad account among thousands is named by its key path, in the Schema's words", () => {
    assert.deepStrictEqual(Either.flip(validateConfig(big({ refresh_token: "r", access_token_expires_at: "soon", bogus: 1 }))).pipe(Either.getOrThrow), [
      "platforms.tiktok.accounts.a1234.bogus: unknown key 'bogus'",
      "platforms.tiktok.accounts.a1234.access_token_expires_at: expected an RFC 3339 date such as 2026-11-22T16:00:00Z"
    ])
  })
})
