/**
 * A generic OAuth 2.0 provider (`platforms.<id>.type: oauth2`, DESIGN §1): the standard
 * core with the provider's settings. Each run sends the refresh grant; a different
 * refresh token coming back is a rotation. Its refresh tokens may be single-use and a
 * re-used one may revoke the grant (RFC 9700 §4.14), so one is never re-sent after an
 * answer that may have been lost.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as clock from "../../domain/clock.js"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { ClientAuth, GenericProvider } from "../../domain/Config.js"
import type { Connection } from "../../domain/Connection.js"
import { MalformedResponse, type SecretMissing } from "../../domain/errors.js"
import { call, type Outcome, type Plan } from "../../domain/Plan.js"
import { connectionLabel, type SecretKey } from "../../domain/Platform.js"
import type { HealthCheck, RefreshContext, Refresher } from "../../services/Refreshers.js"
import type { SecretBag } from "../../services/Secrets.js"
import { healthClassify, healthRetryPolicy, probe } from "../health.js"
import { keptOrFailed } from "../login/exchange.js"
import type { LoginResult, LoginSpec } from "../login/flow.js"
import { dateOnly, daysUntil, formatInstant, parseInstant, plusSeconds } from "../policy.js"
import { providerCall, type SingleUse } from "../providerCall.js"
import { TokenAnswer } from "../tokenAnswer.js"
import { authenticatedPost, bearerGet, type ClientCredentials } from "./clientAuth.js"
import { introspectedExpiry, IntrospectionAnswer } from "./introspect.js"
import { exchangeCode } from "./login.js"
import { classifyStandard, refreshConnection, refreshOutcome } from "./refresh.js"

export const DEFAULT_CLIENT_AUTH: ClientAuth = "client_secret_basic"
export const DEFAULT_REAUTH_WARN_DAYS = 14

/** RFC 9700 §4.14: a re-used refresh token may revoke the grant, so it is not re-sent after a lost answer. */
export const singleUse: SingleUse = { retryAfterLostAnswer: false }

export const methodOf = (connection: Connection): ClientAuth => connection.provider?.client_auth ?? DEFAULT_CLIENT_AUTH

/** The keys a run needs: a public client (`client_auth: none`) has no secret. */
export const requiredKeys = (connection: Connection): ReadonlyArray<SecretKey> =>
  methodOf(connection) === "none"
    ? ["client_id", "refresh_token"]
    : ["client_id", "client_secret", "refresh_token"]

/** The client's credentials as its `client_auth` says; a missing secret is SecretMissing. */
export const clientOf = (connection: Connection, secrets: SecretBag): Effect.Effect<ClientCredentials, SecretMissing> =>
  Effect.gen(function*() {
    const id = yield* secrets.require("client_id")
    const method = methodOf(connection)
    if (method === "none") return { method, id }
    return { method, id, secret: yield* secrets.require("client_secret") }
  })

/** Pure: the refresh token's known expiry, and the warning when it is near (DESIGN §1 "What refresh does"). */
export const refreshExpiryNote = (now: DateTime.Utc, connection: Connection) => {
  const at = parseInstant(connection.settings.refresh_token_expires_at)
  const warnDays = connection.settings.reauth_warn_days ?? DEFAULT_REAUTH_WARN_DAYS
  return Option.map(at, (d) => {
    const days = daysUntil(now, d)
    return days < warnDays
      ? {
        alert: true,
        reauthBy: formatInstant(d),
        text: `the refresh token expires in ${days} days (${dateOnly(d)}): run herald auth login ${connectionLabel(connection)}`
      }
      : { alert: false, reauthBy: formatInstant(d), text: `the refresh token expires ${dateOnly(d)}` }
  })
}

/** Pure: every run sends the refresh grant. */
export const planGeneric = (now: DateTime.Utc, connection: Connection): Plan => {
  const note = refreshExpiryNote(now, connection)
  return call({
    action: "refreshed",
    readOnly: false,
    writes: ["refresh_token", "access_token"],
    detail: [
      "would send the refresh grant (a different refresh token coming back is a rotation)",
      ...Option.match(note, { onNone: () => [], onSome: (n) => [n.text] })
    ].join("; "),
    ...Option.match(note, {
      onNone: () => ({}),
      onSome: (n) => ({ reauthBy: n.reauthBy, ...(n.alert ? { alert: true } : {}) })
    })
  })
}

/** Pure: the refresh outcome with the refresh token's expiry, when known, added. */
export const genericOutcome = (
  now: DateTime.Utc,
  connection: Connection,
  answer: TokenAnswer,
  sent: Redacted.Redacted<string>
): Outcome | undefined => {
  const outcome = refreshOutcome(now, answer, Option.some(sent), connection.platform)
  if (outcome === undefined) return undefined
  // a rotated refresh token's expiry is not the old one's: only a kept token keeps its date
  const note = outcome.action === "rotated" ? Option.none() : refreshExpiryNote(now, connection)
  return Option.match(note, {
    onNone: () => outcome,
    onSome: (n) => ({
      ...outcome,
      detail: `${outcome.detail}; ${n.text}`,
      reauthBy: n.reauthBy,
      ...(n.alert ? { alert: true } : {})
    })
  })
}

/** Any JSON object: a health answer's content does not matter, only that it is one. */
const AnyObject = Schema.Struct({})

const accessExpiry = (ctx: RefreshContext) => parseInstant(ctx.connection.settings.access_token_expires_at)

const unconfigured = (connection: Connection): HealthCheck => ({
  health: "unavailable",
  detail: `no health check configured: set platforms.${connection.platform}.endpoints.introspect (RFC 7662) or endpoints.health`
})

/** `auth verify`: introspection (RFC 7662) where configured, else the health endpoint with a Bearer token. */
export const verifyGeneric = (http: HttpClient.HttpClient, ctx: RefreshContext): Effect.Effect<HealthCheck, SecretMissing> =>
  Effect.gen(function*() {
    const endpoints = ctx.connection.settings.endpoints ?? {}
    const label = connectionLabel(ctx.connection)
    const remedy = `run herald auth refresh ${label}`
    const introspect = endpoints["introspect"]
    const health = endpoints["health"]
    if (introspect === undefined && health === undefined) return unconfigured(ctx.connection)
    const token = yield* ctx.secrets.require("access_token")
    if (introspect !== undefined) {
      const client = yield* clientOf(ctx.connection, ctx.secrets)
      const found = yield* providerCall(http, {
        connection: ctx.connection,
        request: authenticatedPost(introspect, { token, token_type_hint: "access_token" }, client),
        classify: classifyStandard,
        success: IntrospectionAnswer,
        retry: healthRetryPolicy
      }).pipe(Effect.either)
      if (Either.isRight(found)) {
        const at = Option.orElse(introspectedExpiry(found.right), () => accessExpiry(ctx))
        const expiresAt = Option.match(at, { onNone: () => ({}), onSome: (d) => ({ expiresAt: formatInstant(d) }) })
        if (found.right.active) {
          return {
            health: "ok",
            ...expiresAt,
            detail: "introspection reports the access token active" +
              Option.match(at, { onNone: () => "", onSome: (d) => `; it expires ${formatInstant(d)}` })
          } satisfies HealthCheck
        }
        const expired = Option.exists(at, (d) => DateTime.lessThanOrEqualTo(d, ctx.now))
        return {
          health: expired ? "expired" : "invalid",
          ...expiresAt,
          detail: `introspection reports the access token not active; ${remedy}`
        } satisfies HealthCheck
      }
      if (health === undefined) {
        return { health: "unavailable", detail: `introspection failed: ${found.left.reason}` } satisfies HealthCheck
      }
    }
    if (health === undefined) return unconfigured(ctx.connection)
    return yield* probe(http, {
      connection: ctx.connection,
      request: bearerGet(health, token),
      classify: healthClassify(),
      success: AnyObject,
      now: ctx.now,
      knownExpiry: accessExpiry(ctx),
      words: { token: "access token", what: `${ctx.connection.platform} health endpoint`, remedy }
    })
  })

/** The refresher of the generic provider `id`; its settings come with each connection. */
export const makeGeneric = (http: HttpClient.HttpClient, id: string): Refresher => ({
  platform: id,
  secretKeys: ["client_id", "client_secret", "access_token", "refresh_token"],
  requiredSecrets: (_isSet, connection) => requiredKeys(connection),
  endpoints: {},
  verify: (ctx) => verifyGeneric(http, ctx),
  plan: (ctx) =>
    Effect.gen(function*() {
      // checked here so a missing secret fails before preflight and before any request
      yield* clientOf(ctx.connection, ctx.secrets)
      yield* ctx.secrets.require("refresh_token")
      return planGeneric(ctx.now, ctx.connection)
    }),
  execute: (ctx) =>
    Effect.gen(function*() {
      // validateConfig makes endpoints.token required for a generic provider: there is no default
      const grant = { defaultUrl: "", client: yield* clientOf(ctx.connection, ctx.secrets), singleUse }
      const { answer, sent } = yield* refreshConnection(http, ctx, grant, TokenAnswer)
      const outcome = genericOutcome(yield* clock.now, ctx.connection, answer, sent)
      if (outcome !== undefined) return outcome
      return yield* Effect.fail(
        new MalformedResponse({
          platform: ctx.connection.platform,
          account: ctx.connection.account,
          reason: "answered without any token",
          mayHaveSpent: true
        })
      )
    })
})

/** Pure: what a successful code exchange at `now` stores; a login without a refresh token cannot be kept alive. */
export const loginResultOf = (id: string, now: DateTime.Utc, answer: TokenAnswer): Either.Either<LoginResult, string> =>
  answer.refresh_token === undefined
    ? Either.left(
      `${id} issued no refresh token, so herald could not keep this login alive; nothing was stored. ` +
        `OpenID servers issue one for the offline_access scope with prompt=consent: set platforms.${id}.scopes ` +
        `and platforms.${id}.authorize_params: { prompt: consent }`
    )
    : Either.right({
      secrets: {
        ...(answer.access_token !== undefined ? { access_token: answer.access_token } : {}),
        refresh_token: answer.refresh_token
      },
      metadata: answer.access_token !== undefined && answer.expires_in !== undefined
        ? { access_token_expires_at: formatInstant(plusSeconds(now, answer.expires_in)) }
        : {},
      notes: []
    })

/** The login of a generic provider, from its settings; Left says what the config lacks. */
export const genericLogin = (id: string, provider: GenericProvider, connection: Connection): Either.Either<LoginSpec, string> => {
  const authorize = connection.settings.endpoints?.["authorize"]
  if (authorize === undefined) {
    return Either.left(
      `platforms.${id}.endpoints.authorize is not set: herald auth login ${id} opens that page (the provider's authorization endpoint)`
    )
  }
  const method = provider.client_auth ?? DEFAULT_CLIENT_AUTH
  return Either.right({
    platform: id,
    title: id,
    credentials: { id: "client_id", secret: "client_secret", secretRequired: method !== "none" },
    clientIdParam: "client_id",
    authorizeEndpoint: authorize,
    scopes: { defaults: provider.scopes ?? [], required: [], separator: " " },
    pkce: provider.pkce === false ? "none" : "base64url",
    extraParams: provider.authorize_params ?? {},
    stores: ["refresh_token"],
    notes: [],
    exchange: (input) =>
      Effect.gen(function*() {
        const http = yield* HttpClient.HttpClient
        const client: ClientCredentials = method === "none"
          ? { method, id: input.clientId }
          : Option.match(input.clientSecret, {
            onNone: (): ClientCredentials => ({ method: "none", id: input.clientId }),
            onSome: (secret): ClientCredentials => ({ method, id: input.clientId, secret })
          })
        const url = input.connection.settings.endpoints?.["token"] ?? ""
        const answer = yield* exchangeCode(http, input, url, client)
        return yield* keptOrFailed(input, loginResultOf(id, yield* clock.now, answer))
      })
  })
}
