/** The standard OAuth 2.0 core and generic providers (issue 15), against in-memory HTTP. */
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import type { AccountSettings, GenericProvider } from "../../../src/domain/Config.js"
import { connectionsOf, parseTarget } from "../../../src/domain/Connection.js"
import type { Call } from "../../../src/domain/Plan.js"
import { envName, type SecretKey } from "../../../src/domain/Platform.js"
import { platformIds } from "../../../src/platforms/registry.js"
import { validateConfig } from "../../../src/programs/configCatalog.js"
import * as LinkedIn from "../../../src/platforms/linkedin/refresh.js"
import { basicAuthorization, formEncode } from "../../../src/platforms/oauth2/clientAuth.js"
import { makeGeneric } from "../../../src/platforms/oauth2/Generic.js"
import * as X from "../../../src/platforms/x/refresh.js"
import { connection, secretBag } from "../../support/connections.js"
import { type Handler, json, makeMemoryHttp } from "../../support/memoryHttp.js"

/** What a server reads back out of a Basic header: each half form-decoded (RFC 6749 §2.3.1). */
const decodeBasic = (header: string | undefined): [string, string] => {
  assert.isDefined(header)
  const raw = Buffer.from(header!.replace(/^Basic /, ""), "base64").toString("utf8")
  const [id, secret] = raw.split(":")
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, " "))
  return [dec(id!), dec(secret!)]
}

describe("client_secret_basic (RFC 6749 §2.3.1)", () => {
  it("form-encodes id and secret, then Base64 of the UTF-8 bytes", () => {
    assert.strictEqual(formEncode("s3cr+t/=%:x"), "s3cr%2Bt%2F%3D%25%3Ax")
    assert.strictEqual(formEncode("a b"), "a+b")
    const header = Redacted.value(basicAuthorization("my client", "s3cr+t/=%:x"))
    assert.strictEqual(header, `Basic ${Buffer.from("my+client:s3cr%2Bt%2F%3D%25%3Ax").toString("base64")}`)
    assert.deepStrictEqual(decodeBasic(header), ["my client", "s3cr+t/=%:x"])
  })

  it("a non-Latin-1 secret is encoded, not thrown on", () => {
    const header = Redacted.value(basicAuthorization("cid", "pässwörd€🔑"))
    assert.deepStrictEqual(decodeBasic(header), ["cid", "pässwörd€🔑"])
  })
})

const tokens = { access_token: "at-new", refresh_token: "rt-new", expires_in: 3600, token_type: "Bearer" }

describe("X over the core", () => {
  const runX = (secret: string, handler: Handler) =>
    Effect.gen(function*() {
      const conn = connection("x")
      const http = makeMemoryHttp(handler)
      const refresher = yield* X.make.pipe(Effect.provide(http.layer))
      const ctx = {
        connection: conn,
        secrets: secretBag(conn, { client_id: "x-cid", client_secret: secret, refresh_token: "x-rt-old" }),
        now: yield* DateTime.now
      }
      const plan = (yield* refresher.plan(ctx)) as Call
      const outcome = yield* Effect.exit(refresher.execute(ctx, plan))
      return { outcome, seen: http.seen }
    })

  it.effect("a secret with reserved characters reaches the server intact", () =>
    Effect.gen(function*() {
      const { outcome, seen } = yield* runX("s3cr+t/=%:x", () => json(200, tokens))
      assert.isTrue(Exit.isSuccess(outcome))
      assert.deepStrictEqual(decodeBasic(seen[0]!.headers["authorization"]), ["x-cid", "s3cr+t/=%:x"])
    }))

  it.effect("a non-Latin-1 secret does not crash the run; a wrong one is the app's credentials for that connection", () =>
    Effect.gen(function*() {
      const { outcome, seen } = yield* runX("sécret€", () => json(401, { error: "invalid_client" }))
      assert.deepStrictEqual(decodeBasic(seen[0]!.headers["authorization"]), ["x-cid", "sécret€"])
      assert.isTrue(Exit.isFailure(outcome))
      if (Exit.isFailure(outcome) && outcome.cause._tag === "Fail") assert.strictEqual(outcome.cause.error._tag, "ClientRejected")
      else assert.fail(`expected a ClientRejected failure, got ${String(outcome)}`)
    }))
})

const mastodon = (provider: Partial<GenericProvider> = {}, settings: AccountSettings = {}) => ({
  ...connection("mastodon", { endpoints: { token: "https://auth.example/oauth/token" }, ...settings }),
  provider: { type: "oauth2" as const, ...provider }
})

const secrets = { client_id: "m-cid", client_secret: "m-secret", refresh_token: "m-rt-old", access_token: "m-at-old" }

const runGeneric = (
  handler: Handler,
  provider: Partial<GenericProvider> = {},
  values: Partial<Record<SecretKey, string>> = secrets,
  settings: AccountSettings = {}
) =>
  Effect.gen(function*() {
    const conn = mastodon(provider, settings)
    const http = makeMemoryHttp(handler)
    const refresher = makeGeneric(http.client, "mastodon")
    const journaled: Array<unknown> = []
    const ctx = {
      connection: conn,
      secrets: secretBag(conn, values),
      now: yield* DateTime.now,
      secure: (body: unknown) => Effect.sync(() => void journaled.push(body))
    }
    const plan = (yield* refresher.plan(ctx)) as Call
    const outcome = yield* refresher.execute(ctx, plan)
    return { outcome, plan, seen: http.seen, journaled }
  })

describe("generic provider: refresh", () => {
  it.effect("client_secret_basic (the default): Basic header, no secret in the body", () =>
    Effect.gen(function*() {
      const { outcome, seen } = yield* runGeneric(() => json(200, tokens))
      assert.strictEqual(seen[0]!.url.href, "https://auth.example/oauth/token")
      assert.deepStrictEqual(decodeBasic(seen[0]!.headers["authorization"]), ["m-cid", "m-secret"])
      assert.deepStrictEqual(seen[0]!.form, { grant_type: "refresh_token", refresh_token: "m-rt-old" })
      assert.strictEqual(outcome.action, "rotated")
      assert.strictEqual(Redacted.value(outcome.secrets.refresh_token!), "rt-new")
    }))

  it.effect("client_secret_post: both in the body, no Authorization header", () =>
    Effect.gen(function*() {
      const { seen } = yield* runGeneric(() => json(200, tokens), { client_auth: "client_secret_post" })
      assert.isUndefined(seen[0]!.headers["authorization"])
      assert.deepStrictEqual(seen[0]!.form, {
        grant_type: "refresh_token",
        refresh_token: "m-rt-old",
        client_id: "m-cid",
        client_secret: "m-secret"
      })
    }))

  it.effect("none: the id alone in the body, and no client secret needed", () =>
    Effect.gen(function*() {
      const { client_secret: _s, ...publicSecrets } = secrets
      const { seen } = yield* runGeneric(() => json(200, tokens), { client_auth: "none" }, publicSecrets)
      assert.isUndefined(seen[0]!.headers["authorization"])
      assert.deepStrictEqual(seen[0]!.form, { grant_type: "refresh_token", refresh_token: "m-rt-old", client_id: "m-cid" })
    }))

  it.effect("a missing client secret for a confidential client fails before any request, naming MASTODON_CLIENT_SECRET", () =>
    Effect.gen(function*() {
      const { client_secret: _s, ...without } = secrets
      const error = yield* runGeneric(() => json(200, tokens), {}, without).pipe(Effect.flip)
      assert.strictEqual(error._tag, "SecretMissing")
      assert.include(error.message, "MASTODON_CLIENT_SECRET")
    }))

  it.effect("the same refresh token echoed back is a refresh that keeps it; none back is too", () =>
    Effect.gen(function*() {
      const echoed = yield* runGeneric(() => json(200, { ...tokens, refresh_token: "m-rt-old" }))
      assert.strictEqual(echoed.outcome.action, "refreshed")
      assert.isUndefined(echoed.outcome.secrets.refresh_token)
      assert.strictEqual(Redacted.value(echoed.outcome.secrets.access_token!), "at-new")
      const none = yield* runGeneric(() => json(200, { access_token: "at-new", expires_in: 60 }))
      assert.strictEqual(none.outcome.action, "refreshed")
      assert.include(none.outcome.detail, "sent no new refresh token")
    }))

  it.effect("a rotated token without expires_in is kept (and journaled first)", () =>
    Effect.gen(function*() {
      const { journaled, outcome } = yield* runGeneric(() => json(200, { access_token: "at-new", refresh_token: "rt-new" }))
      assert.strictEqual(outcome.action, "rotated")
      assert.strictEqual(Redacted.value(outcome.secrets.refresh_token!), "rt-new")
      assert.strictEqual(journaled.length, 1)
      assert.include(outcome.detail, "expiry is unknown")
    }))

  it.effect("invalid_grant is re-auth; invalid_client is the app's credentials", () =>
    Effect.gen(function*() {
      const dead = yield* runGeneric(() => json(400, { error: "invalid_grant", error_description: "grant revoked" })).pipe(Effect.flip)
      assert.strictEqual(dead._tag, "RefreshRejected")
      const client = yield* runGeneric(() => json(401, { error: "invalid_client" })).pipe(Effect.flip)
      assert.strictEqual(client._tag, "ClientRejected")
    }))

  // live clock: were the token re-sent, the retry would come after a real backoff of about a second
  it.live("an answer lost after the request went out: the refresh token is not sent again in this run (RFC 9700)", () =>
    Effect.gen(function*() {
      let calls = 0
      const error = yield* runGeneric(() => (++calls === 1 ? { network: "reset" } : json(200, tokens))).pipe(Effect.flip)
      assert.strictEqual(calls, 1)
      assert.strictEqual(error._tag, "AnswerLost")
    }))

  it.live("a refused connection (nothing sent) is retried", () =>
    Effect.gen(function*() {
      const { outcome, seen } = yield* runGeneric((_req, i) => (i === 0 ? { network: "refused" } : json(200, tokens)))
      assert.strictEqual(seen.length, 2)
      assert.strictEqual(outcome.action, "rotated")
    }))

  it.effect("a known refresh-token expiry within reauth_warn_days alerts with the date", () =>
    Effect.gen(function*() {
      // TestClock starts at the epoch
      const { outcome } = yield* runGeneric(() => json(200, { ...tokens, refresh_token: "m-rt-old" }), {}, secrets, {
        refresh_token_expires_at: "1970-01-05T00:00:00Z"
      })
      assert.strictEqual(outcome.alert, true)
      assert.strictEqual(outcome.reauthBy, "1970-01-05T00:00:00Z")
      assert.include(outcome.detail, "herald auth login mastodon")
    }))
})

describe("generic provider: verify", () => {
  const verify = (handler: Handler, endpoints: Record<string, string>, provider: Partial<GenericProvider> = {}) =>
    Effect.gen(function*() {
      const conn = mastodon(provider, { endpoints: { token: "https://auth.example/oauth/token", ...endpoints } })
      const http = makeMemoryHttp(handler)
      const check = yield* makeGeneric(http.client, "mastodon").verify({
        connection: conn,
        secrets: secretBag(conn, secrets),
        now: yield* DateTime.now
      })
      return { check, seen: http.seen }
    })

  it.effect("RFC 7662 introspection: active, with the expiry read from exp", () =>
    Effect.gen(function*() {
      const { check, seen } = yield* verify(() => json(200, { active: true, exp: 86_400 }), { introspect: "https://auth.example/introspect" })
      assert.strictEqual(check.health, "ok")
      assert.strictEqual(check.expiresAt, "1970-01-02T00:00:00Z")
      assert.deepStrictEqual(seen[0]!.form, { token: "m-at-old", token_type_hint: "access_token" })
      assert.deepStrictEqual(decodeBasic(seen[0]!.headers["authorization"]), ["m-cid", "m-secret"])
    }))

  it.effect("introspection inactive is invalid", () =>
    Effect.gen(function*() {
      const { check } = yield* verify(() => json(200, { active: false }), { introspect: "https://auth.example/introspect" })
      assert.strictEqual(check.health, "invalid")
      assert.include(check.detail, "herald auth refresh mastodon")
    }))

  it.effect("a health endpoint gets the access token as a Bearer header, never in the query", () =>
    Effect.gen(function*() {
      const { check, seen } = yield* verify(() => json(200, { id: "1" }), { health: "https://api.example/me" })
      assert.strictEqual(check.health, "ok")
      assert.strictEqual(seen[0]!.headers["authorization"], "Bearer m-at-old")
      assert.strictEqual(seen[0]!.url.search, "")
    }))

  it.effect("no health endpoint configured: unavailable, saying which keys to set, and no request", () =>
    Effect.gen(function*() {
      const { check, seen } = yield* verify(() => json(200, {}), {})
      assert.strictEqual(check.health, "unavailable")
      assert.include(check.detail, "platforms.mastodon.endpoints.introspect")
      assert.strictEqual(seen.length, 0)
    }))
})

describe("LinkedIn introspection reads the standard exp too", () => {
  it.effect("an answer with exp only gives the expiry", () =>
    Effect.gen(function*() {
      const conn = connection("linkedin")
      const http = makeMemoryHttp(() => json(200, { active: true, exp: 40 * 86_400 }))
      const refresher = yield* LinkedIn.make.pipe(Effect.provide(http.layer))
      const check = yield* refresher.verify({
        connection: conn,
        secrets: secretBag(conn, { client_id: "li", client_secret: "ls", access_token: "la" }),
        now: yield* DateTime.now
      })
      assert.strictEqual(check.health, "ok")
      assert.strictEqual(check.expiresAt, "1970-02-10T00:00:00Z")
    }))
})

describe("generic provider: config", () => {
  const config = (platforms: unknown) => validateConfig({ platforms })

  it("any id that is not built in, with type: oauth2 and endpoints.token, is a generic provider", () => {
    const parsed = config({
      "my-app": {
        type: "oauth2",
        endpoints: { token: "https://auth.example/token", authorize: "https://auth.example/authorize" },
        client_auth: "client_secret_post",
        scopes: ["openid", "offline_access"],
        authorize_params: { prompt: "consent" },
        pkce: true,
        accounts: { brand: {} }
      }
    })
    assert.isTrue(Either.isRight(parsed))
    const connections = connectionsOf(Either.getOrThrow(parsed))
    assert.deepStrictEqual(connections.map((c) => [c.platform, c.account]), [["my-app", "default"], ["my-app", "brand"]])
    assert.strictEqual(connections[1]!.provider?.client_auth, "client_secret_post")
    assert.deepStrictEqual(connections[1]!.settings.endpoints, { token: "https://auth.example/token", authorize: "https://auth.example/authorize" })
    assert.strictEqual(envName(connections[0]!, "client_id"), "MY_APP_CLIENT_ID")
    assert.strictEqual(envName(connections[1]!, "refresh_token"), "MY_APP_BRAND_REFRESH_TOKEN")
    assert.deepStrictEqual(Either.getOrThrow(parseTarget("my-app:brand", platformIds)), { _tag: "Account", platform: "my-app", account: "brand" })
  })

  it("a generic provider without endpoints.token, with an unknown key or endpoint, or without type: a clear error", () => {
    assert.deepStrictEqual(Either.getLeft(config({ mastodon: { type: "oauth2" } })).pipe((o) => o._tag === "Some" ? o.value : []), [
      "platforms.mastodon.endpoints.token: is required for a generic OAuth 2.0 provider (the URL its refresh grant is posted to, e.g. https://auth.example.com/oauth/token)"
    ])
    const issues = (p: unknown) => Either.match(config(p), { onLeft: (l) => l.join("\n"), onRight: () => "" })
    assert.include(issues({ mastodon: { type: "oauth2", endpoints: { token: "https://a/t" }, scope: ["x"] } }), "platforms.mastodon.scope: unknown key 'scope'")
    assert.include(
      issues({ mastodon: { type: "oauth2", endpoints: { token: "https://a/t", userinfo: "https://a/u" } } }),
      "platforms.mastodon.endpoints.userinfo: unknown endpoint (mastodon calls token, authorize, introspect, health)"
    )
    assert.include(issues({ mastodon: { endpoints: { token: "https://a/t" } } }), "platforms.mastodon: unknown platform 'mastodon'")
    assert.include(issues({ mastodon: { type: "oauth2", endpoints: { token: "http://auth.example/t" } } }), "plain http is only allowed to loopback hosts")
    // a built-in platform takes none of the generic keys
    assert.include(issues({ x: { client_auth: "none" } }), "platforms.x.client_auth: unknown key 'client_auth'")
  })

  it("auth.distribute keys may name a configured generic provider's secrets; an unknown id is still an error", () => {
    const withKeys = (keys: Record<string, string>) =>
      validateConfig({
        platforms: { mastodon: { type: "oauth2", endpoints: { token: "https://a/t" } } },
        auth: { distribute: [{ dotenv: ".env", keys }] }
      })
    assert.isTrue(Either.isRight(withKeys({ "mastodon/access_token": "MASTODON_TOKEN", MASTODON_ACCESS_TOKEN: "M2" })))
    const bad = withKeys({ "mastodn/access_token": "T" })
    assert.isTrue(Either.isLeft(bad))
    assert.include(Either.getLeft(bad).pipe((o) => (o._tag === "Some" ? o.value.join("\n") : "")), "auth.distribute.0.keys.mastodn/access_token: unknown secret")
  })
})
