/**
 * TikTok (Login Kit v2), its pure policy: rotating refresh tokens. Every run rotates; the old refresh
 * token dies the moment the new one is issued, so the pipeline persists it first.
 */
import type * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AccountSettings } from "../../domain/Config.js"
import { call, type Outcome, type Plan } from "../../domain/Plan.js"
import { dateOnly, formatInstant, plusSeconds, expiryWarning, recordedRefreshWarning } from "../policy.js"
import type { SingleUse } from "../providerCall.js"
import { Loose, refreshResult, Seconds, tokenAnswerFields } from "../tokenAnswer.js"

export { endpoints } from "./descriptor.js"

export const defaults = { reauthWarnDays: 14 } as const

/**
 * The token endpoint's success body: the same for a refresh and for `auth login`'s code
 * exchange. Read leniently (tokenAnswer.ts): an odd field never costs the rotated token.
 */
export const TokenResponse = Schema.Struct({
  ...tokenAnswerFields,
  refresh_expires_in: Seconds,
  open_id: Loose
})
export type TokenResponse = typeof TokenResponse.Type

/**
 * The old TikTok refresh token stops working once the new one is issued, and TikTok
 * documents no grace period: after an answer that may have been lost, sending it again in
 * the same run would only meet a refusal (if it rotated) and misreport it as revoked. The
 * next run tries it once more instead.
 */
export const singleUse: SingleUse = { retryAfterLostAnswer: false }

/** Pure: what a successful refresh at `now` produced; undefined when the answer held no token. */
export const outcomeOf = (
  now: DateTime.Utc,
  body: TokenResponse,
  sent: Option.Option<Redacted.Redacted<string>>,
  warnDays: number
): Outcome | undefined => {
  const result = refreshResult(now, body, sent)
  if (result === undefined) return undefined
  const refreshExpires = result.rotated && body.refresh_expires_in !== undefined
    ? Option.some(plusSeconds(now, body.refresh_expires_in))
    : Option.none()
  const warning = Option.flatMap(refreshExpires, (at) => Option.fromNullable(refreshTokenWarning(now, at, warnDays)))
  const accessExpires = Option.map(result.accessExpires, formatInstant)
  const said = rotated(result.rotated, refreshExpires)
  return {
    action: result.rotated ? "rotated" : "refreshed",
    secrets: result.secrets,
    metadata: {
      ...Option.match(accessExpires, { onNone: () => ({}), onSome: (at) => ({ access_token_expires_at: at }) }),
      ...Option.match(refreshExpires, { onNone: () => ({}), onSome: (at) => ({ refresh_token_expires_at: formatInstant(at) }) })
    },
    ...Option.match(accessExpires, { onNone: () => ({}), onSome: (at) => ({ expiresAt: at }) }),
    ...Option.match(warning, {
      onNone: () => ({ detail: [said, ...result.warnings].join("; ") }),
      onSome: (w) => ({ ...w, detail: [w.detail, ...result.warnings].join("; ") })
    })
  }
}

const rotated = (isRotation: boolean, refreshExpires: Option.Option<DateTime.Utc>) =>
  isRotation
    ? "refresh token rotated" + Option.match(refreshExpires, { onNone: () => "", onSome: (at) => `; it expires ${dateOnly(at)}` })
    : "access token refreshed; the platform kept the refresh token"

/** Pure: what to say about a refresh token that expires at `at`. */
export const refreshTokenWarning = (now: DateTime.Utc, at: DateTime.Utc, warnDays: number) =>
  expiryWarning(now, at, warnDays, (days, date) => `refresh token expires in ${days} days (${date}); run herald auth login tiktok before then`)

/** Pure: every run rotates; a dry run reports the current access token's recorded expiry and a near refresh-token expiry. */
export const planTikTok = (now: DateTime.Utc, settings: AccountSettings): Plan => {
  const warning = recordedRefreshWarning(now, settings, defaults.reauthWarnDays, refreshTokenWarning)
  return call({
    action: "rotated",
    readOnly: false,
    writes: ["refresh_token", "access_token"],
    detail: "would rotate the refresh token",
    ...(settings.access_token_expires_at !== undefined ? { expiresAt: settings.access_token_expires_at } : {}),
    ...Option.getOrElse(warning, () => ({}))
  })
}
