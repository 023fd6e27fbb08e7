/**
 * YouTube (Google OAuth 2.0), its pure policy: a durable refresh token that Google does not rotate. A run
 * is a health check — mint an access token and throw it away — so a revoked or expired
 * refresh token is found by herald rather than by the next scheduled upload.
 */
import type * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AccountSettings } from "../../domain/Config.js"
import { call, type Outcome, type Plan } from "../../domain/Plan.js"
import { classifyStandard } from "../oauth2/refresh.js"
import { dateOnly, formatInstant, isPast, parseInstant, plusSeconds, expiryWarning, recordedRefreshWarning } from "../policy.js"
import { type Classify, NonEmpty } from "../providerCall.js"
import { Seconds, tokenAnswerFields } from "../tokenAnswer.js"

export { endpoints } from "./descriptor.js"

export const defaults = { reauthWarnDays: 14 } as const

/**
 * The token endpoint's success body: the same for a refresh and for `auth login`'s code
 * exchange. Read leniently (tokenAnswer.ts): an odd field never costs a new refresh token.
 */
export const TokenResponse = Schema.Struct({
  ...tokenAnswerFields,
  // the health check is minting one: an answer without it proves nothing
  access_token: Schema.Redacted(NonEmpty),
  refresh_token_expires_in: Seconds
})
export type TokenResponse = typeof TokenResponse.Type

/**
 * Every `invalid_grant` is a dead token, whichever description Google gives ("Token has
 * been expired or revoked.", later "Bad Request"). `admin_policy_enforced` is outside
 * RFC 6749: a Workspace admin blocked a scope, and only a human can mend that.
 */
export const classifyGoogle: Classify = (status, body) => {
  const error = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["error"] : undefined
  if (error === "admin_policy_enforced") {
    return { kind: "dead-token", reason: "admin_policy_enforced: an administrator restricted a requested scope" }
  }
  return classifyStandard(status, body)
}

/** Pure: what to say about a refresh token that expires at `at`, when it is soon. */
export const refreshTokenWarning = (now: DateTime.Utc, at: DateTime.Utc, warnDays: number) =>
  expiryWarning(now, at, warnDays, (days, date) =>
    `refresh token expires in ${days} days (${date}). Google issues 7-day refresh tokens ` +
    `to apps whose publishing status is "Testing": set the OAuth consent screen to "In production", ` +
    `then re-consent with herald auth login youtube`)

/** Pure: the plan is always a health check; a known, near refresh-token expiry is reported with it. */
export const planYouTube = (now: DateTime.Utc, settings: AccountSettings): Plan => {
  const known = parseInstant(settings.refresh_token_expires_at)
  const warning = recordedRefreshWarning(now, settings, defaults.reauthWarnDays, refreshTokenWarning)
  return call({
    action: "healthy",
    // Minting an access token changes nothing at Google, so a dry run may do it.
    readOnly: true,
    // Not ["refresh_token"]: preflight would then block plain health checks wherever the
    // write-back target is read-only. Google does not rotate; should it ever send a new
    // refresh token, the outcome carries it and the pipeline persists what it carries.
    writes: [],
    detail: "would mint an access token to check the refresh token",
    // the refresh token is the credential that matters here, so its expiry is the one reported
    ...Option.match(known, { onNone: () => ({}), onSome: (at) => ({ expiresAt: formatInstant(at) }) }),
    ...Option.getOrElse(warning, () => ({}))
  })
}

/** Pure: what a health-check refresh at `now` found, given the refresh token sent. */
export const outcomeOf = (
  now: DateTime.Utc,
  body: TokenResponse,
  sent: Redacted.Redacted<string>,
  settings: AccountSettings
): Outcome => {
  const reported = Option.map(Option.fromNullable(body.refresh_token_expires_in), (s) => plusSeconds(now, s))
  // Google omits the field on later refreshes of some tokens; an expiry recorded by an
  // earlier run still holds unless it has passed (then the token outlived it: stale).
  const expiry = Option.orElse(
    reported,
    () => Option.filter(parseInstant(settings.refresh_token_expires_at), (at) => !isPast(now, at))
  )
  const warnDays = settings.reauth_warn_days ?? defaults.reauthWarnDays
  const warning = Option.flatMap(expiry, (at) => Option.fromNullable(refreshTokenWarning(now, at, warnDays)))
  // the same refresh token sent back is no rotation (the merge rule, PROVIDERS.md)
  const rotated = body.refresh_token !== undefined && Redacted.value(body.refresh_token) !== Redacted.value(sent)
  return {
    action: rotated ? "rotated" : "healthy",
    // the minted access token is not kept: the posting tools mint their own
    secrets: rotated && body.refresh_token !== undefined ? { refresh_token: body.refresh_token } : {},
    metadata: Option.match(reported, {
      onNone: () => ({}),
      onSome: (at) => ({ refresh_token_expires_at: formatInstant(at) })
    }),
    ...Option.match(expiry, { onNone: () => ({}), onSome: (at) => ({ expiresAt: formatInstant(at) }) }),
    ...Option.match(warning, {
      onNone: () => ({
        detail: (rotated
          ? "Google returned a new refresh token; it replaces the old one"
          : "refresh token works (minted an access token)") +
          Option.match(expiry, { onNone: () => "", onSome: (at) => `; it expires ${dateOnly(at)}` })
      }),
      onSome: (w) => w
    })
  }
}
