/**
 * LinkedIn. Standard apps get a 60-day access token and no refresh token: herald can only
 * count the days and tell a human when to log in again. Approved partner (MDP) apps also
 * get a refresh token whose 365 days run from the original consent and are NOT reset by a
 * refresh, so even they must re-authorise once a year; herald warns ahead of that.
 * The real expiry of an access token comes from introspectToken when the app
 * credentials are at hand, because the config value is only as good as whoever wrote it.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Str from "effect/String"
import { type Connection, endpointOf } from "../domain/Connection.js"
import { call, decided, type Outcome, type Plan } from "../domain/Plan.js"
import { connectionLabel } from "../domain/Platform.js"
import type { Refresher } from "../services/Refreshers.js"
import type { SecretBag } from "../services/Secrets.js"
import { introspectedExpiry, IntrospectionAnswer } from "./oauth2/introspect.js"
import { dateOnly, daysUntil, formatInstant, isPast, parseInstant, plusSeconds } from "./policy.js"
import { verifyLinkedIn } from "./healthChecks.js"
import { classifyOAuthError, formPost, NonEmpty, providerCall } from "./providerCall.js"
import { Seconds, tokenAnswerFields } from "./tokenAnswer.js"

export const endpoints = {
  token: "https://www.linkedin.com/oauth/v2/accessToken",
  introspect: "https://www.linkedin.com/oauth/v2/introspectToken",
  health: "https://api.linkedin.com/v2/userinfo",
  // opened in the browser by `herald auth login linkedin`
  authorize: "https://www.linkedin.com/oauth/v2/authorization"
} as const

/**
 * `accessLifetimeSeconds`: LinkedIn's documented 60 days, assumed when an answer gives no
 * usable `expires_in` (the token is kept either way; the report says it was assumed).
 */
export const defaults = { reauthWarnDays: 14, accessLifetimeSeconds: 60 * 86_400 } as const

/**
 * LinkedIn answers a dead token with `invalid_request` "… invalid, expired or revoked";
 * its other `invalid_request` ("A required parameter … is missing") is our bug, not re-auth.
 */
export const isDeadTokenDescription = (description: string): boolean => /invalid, expired or revoked/i.test(description)

export const classify = classifyOAuthError(isDeadTokenDescription)

/** The token endpoint's success body: the same for a refresh and for `auth login`'s code exchange. */
export const TokenResponse = Schema.Struct({
  ...tokenAnswerFields,
  // the access token is what a LinkedIn connection lives on: an answer without one is unreadable
  access_token: Schema.Redacted(NonEmpty),
  refresh_token_expires_in: Seconds
})

/** The access token's lifetime an answer gave, or LinkedIn's documented one; and whether it was assumed. */
export const accessLifetime = (body: { readonly expires_in?: number | undefined }) =>
  body.expires_in !== undefined
    ? { seconds: body.expires_in, assumed: false }
    : { seconds: defaults.accessLifetimeSeconds, assumed: true }


/** What introspection says about the access token; `inactive` is `active: false` without a known reason. */
export type IntrospectionStatus = "active" | "expired" | "revoked" | "inactive"

const statusOf = (body: IntrospectionAnswer): IntrospectionStatus => {
  if (body.active) return body.status === "expired" || body.status === "revoked" ? body.status : "active"
  return body.status === "expired" || body.status === "revoked" ? body.status : "inactive"
}

export interface LinkedInFacts {
  /** the access token's expiry: introspection's when it gave one, else the config's */
  readonly accessExpiresAt?: DateTime.Utc
  /** the config's `access_token_expires_at`, to say when introspection found it out of date */
  readonly configuredAccessExpiresAt?: DateTime.Utc
  readonly refreshTokenPresent: boolean
  /** the refresh token's fixed expiry (config `refresh_token_expires_at`) */
  readonly refreshExpiresAt?: DateTime.Utc
  readonly warnDays: number
  readonly introspectionStatus?: IntrospectionStatus
  /** why introspection could not be used (it was tried and failed) */
  readonly introspectionError?: string
  /** `linkedin` or `linkedin:brand`, for the login hint */
  readonly label?: string
  /** `platforms.linkedin` or `platforms.linkedin.accounts.brand`, for config hints */
  readonly configPath?: string
}

const loginHint = (facts: LinkedInFacts) => `run herald auth login ${facts.label ?? "linkedin"}`

/** Pure: what to say about a refresh token whose fixed expiry is `at`; undefined when it is far off. */
export const refreshTokenWarning = (now: DateTime.Utc, at: DateTime.Utc, warnDays: number, label = "linkedin") => {
  const days = daysUntil(now, at)
  if (days >= warnDays) return undefined
  return {
    alert: true,
    reauthBy: formatInstant(at),
    detail: isPast(now, at)
      ? `refresh token expired on ${dateOnly(at)}; run herald auth login ${label}`
      : `refresh token expires in ${days} days (${dateOnly(at)}) and LinkedIn does not extend it; run herald auth login ${label} before then`
  } as const
}

/**
 * Pure: the plan for one LinkedIn connection now.
 * Partner apps (refresh token present) refresh every run; standard apps can only be
 * watched, so the result is a decision about the access token's remaining days.
 */
export const planLinkedIn = (now: DateTime.Utc, facts: LinkedInFacts): Plan => {
  const configPath = facts.configPath ?? "platforms.linkedin"
  const hint = loginHint(facts)
  const expiresAt = facts.accessExpiresAt !== undefined ? { expiresAt: formatInstant(facts.accessExpiresAt) } : {}

  if (facts.refreshTokenPresent) {
    const warning = facts.refreshExpiresAt !== undefined
      ? refreshTokenWarning(now, facts.refreshExpiresAt, facts.warnDays, facts.label)
      : undefined
    return call({
      action: "refreshed",
      readOnly: false,
      writes: ["access_token"],
      ...expiresAt,
      ...(warning !== undefined
        ? { alert: warning.alert, reauthBy: warning.reauthBy, detail: `would refresh the access token; ${warning.detail}` }
        : {
          detail: facts.refreshExpiresAt !== undefined
            ? `would refresh the access token; the refresh token expires ${dateOnly(facts.refreshExpiresAt)}`
            : `would refresh the access token; the refresh token's expiry is unknown (set ${configPath}.refresh_token_expires_at to be warned before it)`
        })
    })
  }

  // said after the main sentence, so the report still reads first what matters
  const notes: Array<string> = []
  if (facts.introspectionError !== undefined) {
    notes.push(`used ${configPath}.access_token_expires_at; introspection unavailable: ${facts.introspectionError}`)
  } else if (
    facts.introspectionStatus !== undefined && facts.accessExpiresAt !== undefined &&
    facts.configuredAccessExpiresAt !== undefined &&
    // a minute of slack: config holds whole seconds, introspection may not agree to the second
    Math.abs(DateTime.distance(facts.configuredAccessExpiresAt, facts.accessExpiresAt)) >= 60_000
  ) {
    notes.push(`per LinkedIn introspection; ${configPath}.access_token_expires_at says ${formatInstant(facts.configuredAccessExpiresAt)}`)
  }
  const withNotes = (detail: string) => (notes.length > 0 ? `${detail} (${notes.join("; ")})` : detail)

  const status = facts.introspectionStatus
  if (status === "expired" || status === "revoked" || status === "inactive") {
    // a dead token must be replaced now, even if its nominal expiry is still ahead
    const reauthBy = facts.accessExpiresAt !== undefined && isPast(now, facts.accessExpiresAt) ? facts.accessExpiresAt : now
    const what = status === "inactive" ? "is not active" : status
    return decided({
      action: "reauth-required",
      alert: true,
      ...expiresAt,
      reauthBy: formatInstant(reauthBy),
      detail: withNotes(`LinkedIn reports the access token ${what}; ${hint}`)
    })
  }

  const at = facts.accessExpiresAt
  if (at === undefined) {
    return decided({
      action: "skipped",
      alert: true,
      detail: facts.introspectionError !== undefined
        ? `access token expiry unknown: ${configPath}.access_token_expires_at is not set and introspection is unavailable: ${facts.introspectionError}`
        : status !== undefined
        ? `access token expiry unknown: LinkedIn introspection gave none; set ${configPath}.access_token_expires_at`
        : `access token expiry unknown: set ${configPath}.access_token_expires_at or provide client_id/client_secret for introspection`
    })
  }
  const when = formatInstant(at)
  if (isPast(now, at)) {
    return decided({
      action: "reauth-required",
      alert: true,
      expiresAt: when,
      reauthBy: when,
      detail: withNotes(`access token expired on ${dateOnly(at)}; ${hint}`)
    })
  }
  const days = daysUntil(now, at)
  if (days < facts.warnDays) {
    return decided({
      action: "reauth-required",
      alert: true,
      expiresAt: when,
      reauthBy: when,
      detail: withNotes(`access token expires in ${days} days; ${hint}`)
    })
  }
  return decided({
    action: "healthy",
    alert: false,
    expiresAt: when,
    detail: withNotes(`access token valid for ${days} more days (until ${dateOnly(at)})`)
  })
}

const MAX_PLAUSIBLE_REFRESH_SECONDS = 366 * 86_400

/**
 * Pure: the refresh token's expiry as recorded after a refresh.
 * The fixed expiry already known wins: the 365 days never reset, so a refresh cannot move
 * it, and LinkedIn's own samples (525600, 439200) are minutes, not the documented
 * seconds, so the field is not trusted over a date we already hold.
 * `refresh_token_expires_in` only fills in an unknown expiry, and only when it could be
 * seconds of a 365-day token: more than 366 days' worth is another unit (or an epoch)
 * and is dropped. A minutes value below that bound cannot be told apart; read as seconds
 * it puts the expiry early, so the worst case is an early warning, never a missed one.
 */
export const refreshExpiryAfter = (
  now: DateTime.Utc,
  known: Option.Option<DateTime.Utc>,
  expiresIn: number | undefined
): { readonly at: Option.Option<DateTime.Utc>; readonly learned: boolean } => {
  if (Option.isSome(known)) return { at: known, learned: false }
  if (expiresIn === undefined || !Number.isFinite(expiresIn) || expiresIn <= 0 || expiresIn > MAX_PLAUSIBLE_REFRESH_SECONDS) {
    return { at: Option.none(), learned: false }
  }
  return { at: Option.some(plusSeconds(now, expiresIn)), learned: true }
}

type Introspection =
  | { readonly _tag: "Known"; readonly status: IntrospectionStatus; readonly expiresAt: Option.Option<DateTime.Utc> }
  | { readonly _tag: "Unavailable"; readonly reason: string }

const sameSecret = Redacted.getEquivalence(Str.Equivalence)

export const make = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient

  /** Read-only: never fails, because an unreachable oracle must not hide the expiry in config. */
  const introspect = (
    connection: Connection,
    credentials: { readonly clientId: Redacted.Redacted; readonly clientSecret: Redacted.Redacted; readonly token: Redacted.Redacted }
  ): Effect.Effect<Introspection> =>
    providerCall(client, {
      connection,
      request: HttpClientRequest.post(endpointOf(connection, "introspect", endpoints.introspect)).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.bodyUrlParams({
          client_id: Redacted.value(credentials.clientId),
          client_secret: Redacted.value(credentials.clientSecret),
          token: Redacted.value(credentials.token)
        })
      ),
      classify,
      // RFC 7662's reading (`exp`, or LinkedIn's `expires_at`); `status` is kept as a string
      success: IntrospectionAnswer
    }).pipe(
      Effect.map((body): Introspection => ({ _tag: "Known", status: statusOf(body), expiresAt: introspectedExpiry(body) })),
      Effect.catchTags({
        // LinkedIn's dead-token answer about the token we asked about: it is not usable
        RefreshRejected: (): Effect.Effect<Introspection> =>
          Effect.succeed({ _tag: "Known", status: "inactive", expiresAt: Option.none() }),
        ProviderUnavailable: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const),
        ClientRejected: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const),
        MalformedResponse: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const),
        AnswerLost: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const)
      })
    )

  const introspectionCredentials = (secrets: SecretBag) =>
    Option.all({ clientId: secrets.get("client_id"), clientSecret: secrets.get("client_secret"), token: secrets.get("access_token") })

  const refresher: Refresher = {
    platform: "linkedin",
    verify: (ctx) => verifyLinkedIn(client, ctx, endpoints, classify),
    secretKeys: ["client_id", "client_secret", "access_token", "refresh_token"],
    // a partner app refreshes (client credentials + refresh token); a standard app only has its access token
    requiredSecrets: (isSet) => isSet("refresh_token") ? ["client_id", "client_secret", "refresh_token"] : ["access_token"],
    endpoints,
    plan: (ctx) =>
      Effect.gen(function*() {
        const settings = ctx.connection.settings
        const where = { label: connectionLabel(ctx.connection), configPath: ctx.connection.configPath.join(".") }
        const warnDays = settings.reauth_warn_days ?? defaults.reauthWarnDays
        const configured = parseInstant(settings.access_token_expires_at)
        const fromConfig = Option.match(configured, { onNone: () => ({}), onSome: (at) => ({ accessExpiresAt: at }) })

        if (Option.isSome(ctx.secrets.get("refresh_token"))) {
          // checked now so a partner app missing its credentials fails before any request
          yield* ctx.secrets.require("client_id")
          yield* ctx.secrets.require("client_secret")
          return planLinkedIn(ctx.now, {
            ...where,
            ...fromConfig,
            refreshTokenPresent: true,
            warnDays,
            ...Option.match(parseInstant(settings.refresh_token_expires_at), {
              onNone: () => ({}),
              onSome: (at) => ({ refreshExpiresAt: at })
            })
          })
        }

        yield* ctx.secrets.require("access_token")
        const credentials = introspectionCredentials(ctx.secrets)
        const introspection = Option.isSome(credentials)
          ? Option.some(yield* introspect(ctx.connection, credentials.value))
          : Option.none<Introspection>()
        const base = {
          ...where,
          refreshTokenPresent: false,
          warnDays,
          ...Option.match(configured, { onNone: () => ({}), onSome: (at) => ({ configuredAccessExpiresAt: at }) })
        }
        if (Option.isNone(introspection)) return planLinkedIn(ctx.now, { ...base, ...fromConfig })
        const found = introspection.value
        if (found._tag === "Unavailable") {
          return planLinkedIn(ctx.now, { ...base, ...fromConfig, introspectionError: found.reason })
        }
        const plan = planLinkedIn(ctx.now, {
          ...base,
          introspectionStatus: found.status,
          // LinkedIn's own answer wins over a config value someone may have typed or left stale
          ...Option.match(found.expiresAt, { onNone: () => fromConfig, onSome: (at) => ({ accessExpiresAt: at }) })
        })
        // remember the true expiry, so runs without introspection (and the alert) use it too
        const learned = Option.map(found.expiresAt, formatInstant)
        return plan._tag === "Decided" && Option.isSome(learned) &&
            learned.value !== ctx.connection.settings.access_token_expires_at
          ? { ...plan, metadata: { access_token_expires_at: learned.value } }
          : plan
      }),
    execute: (ctx) =>
      Effect.gen(function*() {
        const clientId = yield* ctx.secrets.require("client_id")
        const clientSecret = yield* ctx.secrets.require("client_secret")
        const refreshToken = yield* ctx.secrets.require("refresh_token")
        const body = yield* providerCall(client, {
          connection: ctx.connection,
          request: formPost(endpointOf(ctx.connection, "token", endpoints.token), {
            grant_type: "refresh_token",
            refresh_token: refreshToken,
            client_id: clientId,
            client_secret: clientSecret
          }),
          classify,
          success: TokenResponse,
          secure: ctx.secure
        })
        const now = yield* DateTime.now
        const label = connectionLabel(ctx.connection)
        const warnDays = ctx.connection.settings.reauth_warn_days ?? defaults.reauthWarnDays
        const lifetime = accessLifetime(body)
        const accessExpires = formatInstant(plusSeconds(now, lifetime.seconds))
        const assumed = lifetime.assumed ? "; LinkedIn gave no usable expires_in, so its documented 60 days are assumed" : ""
        // LinkedIn repeats the same string; a different one is stored so the next run uses it
        const newRefresh = body.refresh_token !== undefined && !sameSecret(body.refresh_token, refreshToken)
          ? Option.some(body.refresh_token)
          : Option.none()
        // a new refresh token may come with a new lifetime: the old fixed expiry is then not its own
        const known = Option.isSome(newRefresh) ? Option.none() : parseInstant(ctx.connection.settings.refresh_token_expires_at)
        const refreshExpiry = refreshExpiryAfter(now, known, body.refresh_token_expires_in)
        const warning = Option.flatMap(
          refreshExpiry.at,
          (at) => Option.fromNullable(refreshTokenWarning(now, at, warnDays, label))
        )
        const outcome: Outcome = {
          action: Option.isSome(newRefresh) ? "rotated" : "refreshed",
          secrets: {
            access_token: body.access_token,
            ...Option.match(newRefresh, { onNone: () => ({}), onSome: (r) => ({ refresh_token: r }) })
          },
          metadata: {
            access_token_expires_at: accessExpires,
            ...(refreshExpiry.learned && Option.isSome(refreshExpiry.at)
              ? { refresh_token_expires_at: formatInstant(refreshExpiry.at.value) }
              : {})
          },
          expiresAt: accessExpires,
          ...Option.match(warning, {
            onNone: () => ({
              detail: `access token refreshed, valid until ${dateOnly(plusSeconds(now, lifetime.seconds))}${assumed}` +
                (Option.isSome(newRefresh) ? "; LinkedIn issued a new refresh token" : "") +
                Option.match(refreshExpiry.at, {
                  onNone: () => "; the refresh token's expiry is unknown",
                  onSome: (at) => `; the refresh token expires ${dateOnly(at)}`
                })
            }),
            onSome: (w) => ({ alert: w.alert, reauthBy: w.reauthBy, detail: `access token refreshed${assumed}; ${w.detail}` })
          })
        }
        return outcome
      })
  }
  return refresher
})
