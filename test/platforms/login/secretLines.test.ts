/** `herald auth set` input: KEY=value lines, parsed without ever echoing a value. */
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { parseExpiry, parseSecretLines } from "../../../src/platforms/login/secretLines.js"
import { settableKeys } from "../../../src/programs/setSecrets.js"

const now = DateTime.unsafeMake("2026-03-01T12:00:00Z")
const tiktok = { platform: "tiktok", account: "default" } as const
const keys = ["client_key", "client_secret", "access_token", "refresh_token"] as const
const SENTINEL = "SENTINEL-do-not-print-7f3a"

const parse = (text: string, c: { platform: "tiktok"; account: string } = tiktok) => parseSecretLines(text, c, keys, now)

describe("auth set input", () => {
  it("reads lower-case keys, upper-case keys and env names; skips blanks, comments, export and quotes", () => {
    const r = Either.getOrThrow(
      parse(
        [
          "# from the developer portal",
          "refresh_token=rt-1",
          "",
          "export TIKTOK_ACCESS_TOKEN=\"at-1\"",
          "CLIENT_SECRET='cs=with=equals'",
          "access_token_expires_at=2026-03-02T00:00:00Z"
        ].join("\r\n")
      )
    )
    assert.deepStrictEqual(
      Object.fromEntries(Object.entries(r.secrets).map(([k, v]) => [k, Redacted.value(v!)])),
      { refresh_token: "rt-1", access_token: "at-1", client_secret: "cs=with=equals" }
    )
    assert.deepStrictEqual(r.metadata, { access_token_expires_at: "2026-03-02T00:00:00Z" })
  })

  it("an account's env names carry the account", () => {
    const r = Either.getOrThrow(parse("TIKTOK_BRAND_REFRESH_TOKEN=rt", { platform: "tiktok", account: "brand" }))
    assert.deepStrictEqual(Object.keys(r.secrets), ["refresh_token"])
    assert.isTrue(Either.isLeft(parse("TIKTOK_REFRESH_TOKEN=rt", { platform: "tiktok", account: "brand" })))
  })

  it("every problem is named by line and key, and no value is ever echoed", () => {
    const r = parse(
      [
        SENTINEL,
        `app_secret=${SENTINEL}`,
        `refresh_token=${SENTINEL}`,
        `refresh_token=${SENTINEL}`,
        "access_token=",
        `${SENTINEL}=x`,
        `refresh_token_expires_at=${SENTINEL}`
      ].join("\n")
    )
    assert.isTrue(Either.isLeft(r))
    const issues = Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value : []))
    assert.strictEqual(issues.length, 6)
    assert.match(issues[0]!, /^line 1: expected KEY=value/)
    assert.match(issues[1]!, /^line 2: unknown key; expected one of client_key, client_secret, access_token, refresh_token/)
    assert.match(issues[2]!, /^line 4: refresh_token is given twice/)
    assert.match(issues[3]!, /^line 5: access_token has an empty value/)
    assert.match(issues[4]!, /^line 6: unknown key;/)
    assert.match(issues[5]!, /^line 7: refresh_token_expires_at: /)
    assert.notInclude(issues.join("\n"), "SENTINEL")
  })

  it("expiries: RFC 3339 (normalised to UTC) or a span from now", () => {
    assert.strictEqual(Either.getOrThrow(parseExpiry("60d", now)), "2026-04-30T12:00:00Z")
    assert.strictEqual(Either.getOrThrow(parseExpiry("12h", now)), "2026-03-02T00:00:00Z")
    assert.strictEqual(Either.getOrThrow(parseExpiry("2026-05-01T10:00:00+02:00", now)), "2026-05-01T08:00:00Z")
    assert.isTrue(Either.isLeft(parseExpiry("next tuesday", now)))
  })

  it("the keys a platform takes: the app's credentials first, Instagram's app id included", () => {
    assert.deepStrictEqual(settableKeys("tiktok", ["client_key", "client_secret", "access_token", "refresh_token"]), [
      "client_key",
      "client_secret",
      "access_token",
      "refresh_token"
    ])
    assert.deepStrictEqual(settableKeys("instagram", ["access_token", "app_secret"]), ["client_id", "app_secret", "access_token"])
  })
})
