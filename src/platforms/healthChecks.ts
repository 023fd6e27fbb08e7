/**
 * Each platform's `verify` (herald auth verify): its health endpoint, called with the
 * current token (PROVIDERS.md "Health check"). The platform modules pass their endpoint
 * defaults and classifiers in, so this file depends on none of them.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SecretMissing } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import type { HealthCheck, RefreshContext } from "../services/Refreshers.js"
import { bearerGet } from "./oauth2/clientAuth.js"
import { introspectedExpiry, IntrospectionAnswer } from "./oauth2/introspect.js"
import { healthClassify, healthOf, healthRetryPolicy, probe } from "./health.js"
import { dateOnly, formatInstant, parseInstant } from "./policy.js"
import { type Classify, classifyGraphError, NonEmpty, providerCall } from "./providerCall.js"
import { endpointOf } from "../domain/Connection.js"

type Verify = Effect.Effect<HealthCheck, SecretMissing>

/** Any JSON object: a health answer's content does not matter, only that it is one. */
const AnyObject = Schema.Struct({})

const healthUrl = (ctx: RefreshContext, fallback: string) => endpointOf(ctx.connection, "health", fallback)
const accessExpiry = (ctx: RefreshContext) => parseInstant(ctx.connection.settings.access_token_expires_at)
const refreshHint = (ctx: RefreshContext) => `run herald auth refresh ${connectionLabel(ctx.connection)}`
const loginHint = (ctx: RefreshContext) => `run herald auth login ${connectionLabel(ctx.connection)}`


/** X: `GET /2/users/me`; a 401 is all X says, so the recorded expiry tells expired from invalid. */
export const verifyX = (client: HttpClient.HttpClient, ctx: RefreshContext, defaultUrl: string): Verify =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    return yield* probe(client, {
      connection: ctx.connection,
      request: bearerGet(healthUrl(ctx, defaultUrl), token),
      classify: healthClassify(),
      success: Schema.Struct({ data: Schema.Struct({ id: Schema.String }) }),
      now: ctx.now,
      knownExpiry: accessExpiry(ctx),
      words: { token: "access token", what: "X /2/users/me", remedy: refreshHint(ctx) }
    })
  })

/** TikTok's API envelope `{error: {code, message}}`, present on success too with `code: "ok"`. */
export const classifyTikTokApi: Classify = (_status, body) => {
  const error = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["error"] : undefined
  if (typeof error !== "object" || error === null) return undefined
  const code = (error as Record<string, unknown>)["code"]
  const message = (error as Record<string, unknown>)["message"]
  if (code === "ok" || typeof code !== "string") return undefined
  const reason = typeof message === "string" && message !== "" ? `${code}: ${message.slice(0, 120)}` : code
  switch (code) {
    case "access_token_invalid":
      return { kind: "dead-token", reason }
    case "scope_not_authorized":
      return { kind: "client", reason: `${reason}; the check needs the user.info.basic scope` }
    case "rate_limit_exceeded":
    case "internal_error":
      return { kind: "transient", reason }
    default:
      return { kind: "malformed", reason: `unrecognised error ${code}` }
  }
}

/** TikTok: `GET /v2/user/info/?fields=open_id,display_name`. */
export const verifyTikTok = (client: HttpClient.HttpClient, ctx: RefreshContext, defaultUrl: string): Verify =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    return yield* probe(client, {
      connection: ctx.connection,
      request: bearerGet(healthUrl(ctx, defaultUrl), token).pipe(HttpClientRequest.setUrlParam("fields", "open_id,display_name")),
      classify: healthClassify(classifyTikTokApi),
      success: Schema.Struct({ data: Schema.Struct({ user: AnyObject }) }),
      now: ctx.now,
      knownExpiry: accessExpiry(ctx),
      words: { token: "access token", what: "TikTok /v2/user/info/", remedy: refreshHint(ctx) }
    })
  })

/**
 * Instagram: `GET /me?fields=user_id,username&access_token=…`. The token rides in the query,
 * so the caller passes a client with tracing disabled. Graph code 190 subcode 463 is "expired".
 */
export const verifyInstagram = (client: HttpClient.HttpClient, ctx: RefreshContext, defaultUrl: string): Verify =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    return yield* probe(client, {
      connection: ctx.connection,
      request: HttpClientRequest.get(healthUrl(ctx, defaultUrl)).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.setUrlParams({ fields: "user_id,username", access_token: Redacted.value(token) })
      ),
      classify: healthClassify(classifyGraphError),
      success: AnyObject,
      now: ctx.now,
      knownExpiry: accessExpiry(ctx),
      // an expired Instagram token cannot be refreshed: only a new login mends it
      words: {
        token: "access token",
        what: "Instagram /me",
        remedy: loginHint(ctx),
        expiredWhen: /subcode 463|session has expired/i
      }
    })
  })


/**
 * LinkedIn: introspection when the app credentials are at hand (it needs no member scope
 * and tells expired from revoked), else `GET /v2/userinfo`, which needs `openid`+`profile`.
 */
export const verifyLinkedIn = (
  client: HttpClient.HttpClient,
  ctx: RefreshContext,
  urls: { readonly health: string; readonly introspect: string },
  classify: Classify
): Verify =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    const remedy = Option.isSome(ctx.secrets.get("refresh_token")) ? refreshHint(ctx) : loginHint(ctx)
    const known = accessExpiry(ctx)
    const credentials = Option.all({ id: ctx.secrets.get("client_id"), secret: ctx.secrets.get("client_secret") })
    if (Option.isSome(credentials)) {
      const found = yield* providerCall(client, {
        connection: ctx.connection,
        request: HttpClientRequest.post(endpointOf(ctx.connection, "introspect", urls.introspect)).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyUrlParams({
            client_id: Redacted.value(credentials.value.id),
            client_secret: Redacted.value(credentials.value.secret),
            token: Redacted.value(token)
          })
        ),
        classify,
        success: IntrospectionAnswer,
        retry: healthRetryPolicy
      }).pipe(Effect.option)
      if (Option.isSome(found)) {
        const body = found.value
        const at = Option.orElse(introspectedExpiry(body), () => known)
        const expiresAt = Option.match(at, { onNone: () => ({}), onSome: (d) => ({ expiresAt: formatInstant(d) }) })
        const status = body.status ?? (body.active ? "active" : "inactive")
        if (body.active && status === "active") {
          return {
            health: "ok",
            ...expiresAt,
            detail: "LinkedIn introspection reports the access token active" +
              Option.match(at, { onNone: () => "", onSome: (d) => `; it expires ${dateOnly(d)}` })
          } satisfies HealthCheck
        }
        return {
          health: status === "expired" ? "expired" : "invalid",
          ...expiresAt,
          detail: `LinkedIn introspection reports the access token ${status === "inactive" ? "not active" : status}; ${remedy}`
        } satisfies HealthCheck
      }
      // introspection could not answer: the member endpoint may still tell
    }
    return yield* probe(client, {
      connection: ctx.connection,
      request: bearerGet(healthUrl(ctx, urls.health), token),
      classify: healthClassify(),
      success: AnyObject,
      now: ctx.now,
      knownExpiry: known,
      words: { token: "access token", what: "LinkedIn /v2/userinfo", remedy, expiredWhen: /has expired/i }
    })
  })

const Minted = Schema.Struct({ access_token: Schema.Redacted(NonEmpty) })

/**
 * Google's tokeninfo answers a bad token with HTTP 400 `invalid_token`. Only that (and
 * `invalid_grant`) means the token is dead; every other 400 is a refused request (a probe
 * the server does not take, a query token it will not read), which says nothing about it.
 */
export const classifyTokenInfo: Classify = (status, body) => {
  const error = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["error"] : undefined
  if (status !== 400) return undefined
  const description = typeof error === "string" ? (body as Record<string, unknown>)["error_description"] : undefined
  const reason = typeof error === "string"
    ? typeof description === "string" ? `${error}: ${description.slice(0, 120)}` : error
    : "HTTP 400"
  return error === "invalid_token" || error === "invalid_grant"
    ? { kind: "dead-token", reason }
    : { kind: "client", reason: `${reason}; the health endpoint refused the check, which says nothing about the token` }
}

/**
 * Where a connection's health call may go: its own `endpoints.health`, else the default;
 * but a connection that overrides its token endpoint and not its health endpoint mints
 * its tokens elsewhere, and they must not be sent to the platform's default host (none).
 */
export const healthTarget = (ctx: RefreshContext, defaultUrl: string): Option.Option<string> => {
  const endpoints = ctx.connection.settings.endpoints ?? {}
  const health = endpoints["health"]
  if (health !== undefined) return Option.some(health)
  return endpoints["token"] !== undefined ? Option.none() : Option.some(defaultUrl)
}

/**
 * YouTube keeps no access token (the posting tools mint their own): mint one from the
 * refresh token, which changes nothing at Google, and ask tokeninfo about it.
 */
export const verifyYouTube = (
  client: HttpClient.HttpClient,
  ctx: RefreshContext,
  urls: { readonly token: string; readonly health: string },
  classify: Classify
): Verify =>
  Effect.gen(function*() {
    const clientId = yield* ctx.secrets.require("client_id")
    const clientSecret = yield* ctx.secrets.require("client_secret")
    const refreshToken = yield* ctx.secrets.require("refresh_token")
    const knownRefresh = parseInstant(ctx.connection.settings.refresh_token_expires_at)
    const minted = yield* providerCall(client, {
      connection: ctx.connection,
      request: HttpClientRequest.post(endpointOf(ctx.connection, "token", urls.token)).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyUrlParams({
          grant_type: "refresh_token",
          refresh_token: Redacted.value(refreshToken),
          client_id: Redacted.value(clientId),
          client_secret: Redacted.value(clientSecret)
        })
      ),
      classify,
      success: Minted,
      retry: healthRetryPolicy
    }).pipe(Effect.either)
    const words = { token: "refresh token", what: "Google", remedy: loginHint(ctx) }
    if (minted._tag === "Left") return healthOf({ _tag: "failed", error: minted.left }, knownRefresh, ctx.now, words)
    const target = healthTarget(ctx, urls.health)
    if (Option.isNone(target)) {
      const expiry = Option.match(knownRefresh, { onNone: () => ({}), onSome: (at) => ({ expiresAt: formatInstant(at) }) })
      return {
        health: "ok",
        ...expiry,
        detail: "the refresh token works (the overridden endpoints.token minted an access token); no tokeninfo check, " +
          `because endpoints.health is not overridden and the minted token is not sent to Google: set ` +
          `platforms.${ctx.connection.platform}.endpoints.health to check it there`
      } satisfies HealthCheck
    }
    const checked = yield* probe(client, {
      connection: ctx.connection,
      // the minted token rides in the query: probe (providerCall) records no span of the URL
      request: HttpClientRequest.get(target.value).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.setUrlParam("access_token", Redacted.value(minted.right.access_token))
      ),
      classify: healthClassify(classifyTokenInfo),
      success: AnyObject,
      now: ctx.now,
      knownExpiry: Option.none(),
      words: { ...words, token: "access token minted from the refresh token", what: "Google tokeninfo" }
    })
    return Option.match(knownRefresh, {
      onNone: () => checked,
      onSome: (at) => ({ ...checked, expiresAt: formatInstant(at) })
    })
  })
