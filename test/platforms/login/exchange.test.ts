/**
 * Each platform's code exchange against an in-memory HttpClient: the request it makes
 * (grant, verifier, client authentication) and what it stores from the answer.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { AccountSettings } from "../../../src/domain/Config.js"
import type { PlatformId } from "../../../src/domain/Platform.js"
import type { LoginResult } from "../../../src/platforms/login/flow.js"
import { loginSpecs } from "../../support/platforms.js"
import { connection } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"

const NOW = Date.parse("2026-03-01T12:00:00Z")
const REDIRECT = "http://127.0.0.1:8765/callback"

const exchange = (
  platform: PlatformId,
  handler: Handler,
  o: { secret?: string; verifier?: string; settings?: AccountSettings } = {}
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(NOW)
    const http = makeMemoryHttp(handler)
    const result = yield* loginSpecs[platform].exchange({
      connection: connection(platform, o.settings ?? {}),
      clientId: Redacted.make("app-id"),
      clientSecret: Option.map(Option.fromNullable(o.secret), Redacted.make),
      code: Redacted.make("the-code"),
      codeVerifier: Option.map(Option.fromNullable(o.verifier), Redacted.make),
      redirectUri: REDIRECT
    }).pipe(Effect.provide(http.layer), Effect.either)
    return { result, seen: http.seen }
  })

const secretsOf = (r: LoginResult) =>
  Object.fromEntries(Object.entries(r.secrets).map(([k, v]) => [k, Redacted.value(v!)]))

describe("code exchange", () => {
  it.effect("TikTok: client_key, the verifier, and both tokens with their expiries", () =>
    Effect.gen(function*() {
      const { result, seen } = yield* exchange("tiktok", () =>
        json(200, {
          access_token: "act-1",
          expires_in: 7200,
          refresh_token: "rft-1",
          refresh_expires_in: 15_552_000,
          open_id: "o",
          scope: "user.info.basic"
        }), { secret: "cs", verifier: "ver" })
      assert.deepStrictEqual(seen[0]!.form, {
        client_key: "app-id",
        client_secret: "cs",
        code: "the-code",
        grant_type: "authorization_code",
        redirect_uri: REDIRECT,
        code_verifier: "ver"
      })
      assert.strictEqual(seen[0]!.url.href, "https://open.tiktokapis.com/v2/oauth/token/")
      if (result._tag === "Left") return assert.fail(String(result.left))
      assert.deepStrictEqual(secretsOf(result.right), { access_token: "act-1", refresh_token: "rft-1" })
      assert.deepStrictEqual(result.right.metadata, {
        access_token_expires_at: "2026-03-01T14:00:00Z",
        refresh_token_expires_at: "2026-08-28T12:00:00Z"
      })
    }))

  it.effect("TikTok: no refresh token means the login failed, not a half-stored one", () =>
    Effect.gen(function*() {
      const { result } = yield* exchange("tiktok", () => json(200, { access_token: "act-1", expires_in: 7200 }), {
        secret: "cs",
        verifier: "v"
      })
      assert.strictEqual(result._tag === "Left" && result.left._tag, "LoginFailed")
    }))

  it.effect("X confidential: HTTP Basic, no client_id in the body", () =>
    Effect.gen(function*() {
      const { result, seen } = yield* exchange("x", () =>
        json(200, { token_type: "bearer", expires_in: 7200, access_token: "a", refresh_token: "r", scope: "offline.access" }), {
        secret: "xs",
        verifier: "ver"
      })
      assert.strictEqual(seen[0]!.headers["authorization"], `Basic ${Buffer.from("app-id:xs").toString("base64")}`)
      assert.deepStrictEqual(seen[0]!.form, {
        grant_type: "authorization_code",
        code: "the-code",
        redirect_uri: REDIRECT,
        code_verifier: "ver"
      })
      assert.isTrue(result._tag === "Right")
    }))

  it.effect("X public: client_id in the body, no Authorization header; a bad code is not a dead token", () =>
    Effect.gen(function*() {
      const { result, seen } = yield* exchange("x", () =>
        json(400, { error: "invalid_request", error_description: "Value passed for the authorization code was invalid." }), {
        verifier: "ver"
      })
      assert.strictEqual(seen[0]!.form["client_id"], "app-id")
      assert.isUndefined(seen[0]!.headers["authorization"])
      assert.strictEqual(result._tag === "Left" && result.left._tag, "ClientRejected")
      assert.notInclude(JSON.stringify(result), "the-code")
    }))

  it.effect("Google: keeps only the refresh token; a 7-day expiry is recorded and explained", () =>
    Effect.gen(function*() {
      const { result, seen } = yield* exchange("youtube", () =>
        json(200, {
          access_token: "ya29",
          expires_in: 3599,
          refresh_token: "1//rt",
          refresh_token_expires_in: 604_799,
          token_type: "Bearer"
        }), { secret: "gs", verifier: "ver" })
      assert.strictEqual(seen[0]!.form["code_verifier"], "ver")
      assert.strictEqual(seen[0]!.form["client_secret"], "gs")
      if (result._tag === "Left") return assert.fail(String(result.left))
      assert.deepStrictEqual(secretsOf(result.right), { refresh_token: "1//rt" })
      assert.deepStrictEqual(result.right.metadata, { refresh_token_expires_at: "2026-03-08T11:59:59Z" })
      assert.match(result.right.notes.join(" "), /Testing/)
    }))

  it.effect("LinkedIn: no verifier, the 60-day expiry recorded, and when the alert starts", () =>
    Effect.gen(function*() {
      const { result, seen } = yield* exchange("linkedin", () =>
        json(200, { access_token: "AQV", expires_in: 5_184_000, scope: "openid,profile" }), { secret: "ls" })
      assert.isUndefined(seen[0]!.form["code_verifier"])
      assert.strictEqual(seen[0]!.form["client_secret"], "ls")
      if (result._tag === "Left") return assert.fail(String(result.left))
      assert.deepStrictEqual(secretsOf(result.right), { access_token: "AQV" })
      assert.deepStrictEqual(result.right.metadata, { access_token_expires_at: "2026-04-30T12:00:00Z" })
      assert.include(result.right.notes[0]!, "expires 2026-04-30, herald alerts from 2026-04-16")
    }))

  it.effect("Instagram: code → short-lived → long-lived; only the long-lived token is stored", () =>
    Effect.gen(function*() {
      const { result, seen } = yield* exchange("instagram", (req) =>
        req.url.pathname === "/oauth/access_token"
          ? json(200, { data: [{ access_token: "IG-short", user_id: "17", permissions: "instagram_business_basic" }] })
          : json(200, { access_token: "IG-long", token_type: "bearer", expires_in: 5_183_944 }), { secret: "igs" })
      assert.strictEqual(seen[0]!.method, "POST")
      assert.strictEqual(seen[0]!.url.href, "https://api.instagram.com/oauth/access_token")
      assert.deepStrictEqual(seen[0]!.form, {
        client_id: "app-id",
        client_secret: "igs",
        grant_type: "authorization_code",
        redirect_uri: REDIRECT,
        code: "the-code"
      })
      assert.strictEqual(seen[1]!.method, "GET")
      assert.strictEqual(seen[1]!.url.origin + seen[1]!.url.pathname, "https://graph.instagram.com/access_token")
      assert.deepStrictEqual(Object.fromEntries(seen[1]!.url.searchParams), {
        grant_type: "ig_exchange_token",
        client_secret: "igs",
        access_token: "IG-short"
      })
      if (result._tag === "Left") return assert.fail(String(result.left))
      assert.deepStrictEqual(secretsOf(result.right), { access_token: "IG-long" })
      assert.deepStrictEqual(result.right.metadata, { access_token_expires_at: "2026-04-30T11:59:04Z" })
    }))

  it.effect("Instagram: reads the flat answer too, and api.instagram.com's error shape", () =>
    Effect.gen(function*() {
      const flat = yield* exchange("instagram", (req) =>
        req.url.pathname === "/oauth/access_token"
          ? json(200, { access_token: "IG-short", user_id: 17 })
          : json(200, { access_token: "IG-long", expires_in: 100 }), { secret: "igs" })
      assert.isTrue(flat.result._tag === "Right")
      const bad = yield* exchange(
        "instagram",
        () => json(400, { error_type: "OAuthException", code: 400, error_message: "Invalid authorization code" }),
        { secret: "igs" }
      )
      assert.strictEqual(bad.result._tag === "Left" && bad.result.left._tag, "ClientRejected")
      assert.include(JSON.stringify(bad.result), "Invalid authorization code")
      assert.strictEqual(bad.seen.length, 1)
    }))

  it.effect("an overridden token endpoint is used for the exchange", () =>
    Effect.gen(function*() {
      const { seen } = yield* exchange("tiktok", () => json(200, { access_token: "a", expires_in: 1, refresh_token: "r" }), {
        secret: "s",
        verifier: "v",
        settings: { endpoints: { token: "http://127.0.0.1:9/v2/oauth/token/" } }
      })
      assert.strictEqual(seen[0]!.url.href, "http://127.0.0.1:9/v2/oauth/token/")
    }))
})
