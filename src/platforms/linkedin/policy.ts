/**
 * LinkedIn, its pure policy. Standard apps get a 60-day access token and no refresh token: herald can only
 * count the days and tell a human when to log in again. Approved partner (MDP) apps also
 * get a refresh token whose 365 days run from the original consent and are NOT reset by a
 * refresh, so even they must re-authorise once a year; herald warns ahead of that.
 * The real expiry of an access token comes from introspectToken when the app
 * credentials are at hand, because the config value is only as good as whoever wrote it.
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Str from "effect/String"
import { call, decided, type Outcome, type Plan } from "../../domain/Plan.js"
import type { IntrospectionAnswer } from "../oauth2/introspect.js"
import { dateOnly, daysUntil, formatInstant, isPast, parseInstant, expiryWarning, plusSeconds } from "../policy.js"
import { classifyOAuthError, NonEmpty } from "../providerCall.js"
import { Seconds, tokenAnswerFields } from "../tokenAnswer.js"

export { endpoints } from "./descriptor.js"

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

export type TokenResponse = typeof TokenResponse.Type

/** The access token's lifetime an answer gave, or LinkedIn's documented one; and whether it was assumed. */
export const accessLifetime = (body: { readonly expires_in?: number | undefined }) =>
  body.expires_in !== undefined
    ? { seconds: body.expires_in, assumed: false }
    : { seconds: defaults.accessLifetimeSeconds, assumed: true }


/** What introspection says about the access token; `inactive` is `active: false` without a known reason. */
export type IntrospectionStatus = "active" | "expired" | "revoked" | "inactive"

/** Pure: what introspection says about the access token. */
export const statusOf = (body: IntrospectionAnswer): IntrospectionStatus => {
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
export const refreshTokenWarning = (now: DateTime.Utc, at: DateTime.Utc, warnDays: number, label = "linkedin") =>
  expiryWarning(now, at, warnDays, (days, date) =>
    isPast(now, at)
      ? `refresh token expired on ${date}; run herald auth login ${label}`
      : `refresh token expires in ${days} days (${date}) and LinkedIn does not extend it; run herald auth login ${label} before then`)

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

const sameSecret = Redacted.getEquivalence(Str.Equivalence)

/**
 * Pure: the outcome of a partner app's refresh at `now`, given the refresh token sent and
 * the refresh token's recorded expiry; `label` names the connection in hints.
 */
export const outcomeOf = (
  now: DateTime.Utc,
  body: TokenResponse,
  sent: Redacted.Redacted<string>,
  settings: { readonly refresh_token_expires_at?: string | undefined; readonly reauth_warn_days?: number | undefined },
  label: string
): Outcome => {
  const warnDays = settings.reauth_warn_days ?? defaults.reauthWarnDays
  const lifetime = accessLifetime(body)
  const accessExpires = formatInstant(plusSeconds(now, lifetime.seconds))
  const assumed = lifetime.assumed ? "; LinkedIn gave no usable expires_in, so its documented 60 days are assumed" : ""
  // LinkedIn repeats the same string; a different one is stored so the next run uses it
  const newRefresh = body.refresh_token !== undefined && !sameSecret(body.refresh_token, sent)
    ? Option.some(body.refresh_token)
    : Option.none()
  // a new refresh token may come with a new lifetime: the old fixed expiry is then not its own
  const known = Option.isSome(newRefresh) ? Option.none() : parseInstant(settings.refresh_token_expires_at)
  const refreshExpiry = refreshExpiryAfter(now, known, body.refresh_token_expires_in)
  const warning = Option.flatMap(
    refreshExpiry.at,
    (at) => Option.fromNullable(refreshTokenWarning(now, at, warnDays, label))
  )
  return {
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
}
