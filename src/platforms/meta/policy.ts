/**
 * The pure policy of a Meta long-lived token (Instagram, Threads): one ~60-day access
 * token, refreshed in place. Meta refuses to refresh a token under 24 h old and cannot
 * revive one past its 60 days, so the policy decides from the token's age before any
 * call is made.
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { AccountSettings } from "../../domain/Config.js"
import { call, decided, type Outcome, type Plan } from "../../domain/Plan.js"
import { dateOnly, formatInstant, HOUR_MS, isPast, parseInstant, plusSeconds } from "../policy.js"
import { NonEmpty } from "../providerCall.js"
import { Loose, Seconds } from "../tokenAnswer.js"

/** Who the words are about: the platform's id (for commands) and title (for prose). */
export interface Named {
  readonly id: string
  readonly title: string
}

export const defaults = {
  minRefreshAgeHours: 24,
  lifetimeDays: 60,
  /**
   * The age is an estimate (expires_at − lifetime_days, and Meta's expires_in is a
   * minute or so short of 60 days), and a daily schedule drifts by minutes: a refusal from
   * a token this close past the minimum age is most likely "too young", not a fault.
   */
  ageSlackHours: 2
} as const

/** Read leniently (tokenAnswer.ts): only a missing access token makes the answer unreadable. */
export const RefreshResponse = Schema.Struct({
  access_token: Schema.Redacted(NonEmpty),
  token_type: Loose,
  expires_in: Seconds
})

export interface TokenAge {
  readonly expiresAt: DateTime.Utc
  /** hours since the (estimated) issue time; negative when lifetime_days is set too low */
  readonly hours: number
}

/** Pure: the token's expiry and estimated age, when its expiry is known. */
export const tokenAge = (now: DateTime.Utc, settings: AccountSettings): Option.Option<TokenAge> =>
  Option.map(parseInstant(settings.access_token_expires_at), (expiresAt) => {
    const lifetimeDays = settings.lifetime_days ?? defaults.lifetimeDays
    const issued = DateTime.subtractDuration(expiresAt, Duration.days(lifetimeDays))
    return { expiresAt, hours: (DateTime.toEpochMillis(now) - DateTime.toEpochMillis(issued)) / HOUR_MS }
  })

export const minRefreshAge = (settings: AccountSettings): number => settings.min_refresh_age_hours ?? defaults.minRefreshAgeHours

/** Pure: what to do with the long-lived token now. */
export const planLongLived = (platform: Named, now: DateTime.Utc, settings: AccountSettings): Plan => {
  const minAge = minRefreshAge(settings)
  return Option.match(tokenAge(now, settings), {
    onNone: () =>
      call({
        action: "refreshed",
        readOnly: false,
        writes: ["access_token"],
        detail: "would refresh the access token (its expiry is unknown)"
      }),
    onSome: ({ expiresAt, hours }) => {
      const expires = formatInstant(expiresAt)
      if (isPast(now, expiresAt)) {
        // The recorded date may be stale (a write-back that never landed, a hand-typed
        // value): let the platform decide. A truly expired token answers code 190 → re-auth.
        return call({
          action: "refreshed",
          readOnly: false,
          writes: ["access_token"],
          alert: true,
          expiresAt: expires,
          reauthBy: expires,
          detail: `the recorded expiry ${dateOnly(expiresAt)} has passed; a real run asks ${platform.title} once more, ` +
            `and if it refuses, run herald auth login ${platform.id}`
        })
      }
      if (hours < minAge) {
        return decided({
          action: "healthy",
          alert: false,
          expiresAt: expires,
          detail: `token is ${Math.max(0, Math.floor(hours))} hours old; refreshed once over ${minAge} h`
        })
      }
      return call({
        action: "refreshed",
        readOnly: false,
        writes: ["access_token"],
        expiresAt: expires,
        detail: `would refresh the access token (valid until ${dateOnly(expiresAt)})`
      })
    }
  })
}

/**
 * Pure: whether a refusal may be the "too young" answer. Its exact error is undocumented
 * (PROVIDERS §1a), so any non-190 refusal of a token that is, or may be, under the
 * minimum age is read that way.
 */
export const mayBeTooYoung = (now: DateTime.Utc, settings: AccountSettings): boolean => {
  const minAge = minRefreshAge(settings)
  return Option.match(tokenAge(now, settings), {
    onNone: () => true,
    onSome: ({ hours }) => hours < minAge + defaults.ageSlackHours
  })
}

/** Pure: the non-alerting outcome of a refusal read as "too young"; nothing to persist. */
export const declinedOutcome = (platform: Named, known: Option.Option<TokenAge>, minAge: number, reason: string): Outcome =>
  Option.match(known, {
    onNone: () => ({
      action: "healthy",
      secrets: {},
      metadata: {},
      alert: false,
      // with no known age this may be something else; the platform's words help tell
      detail: `${platform.title} declined to refresh a token of unknown age (${reason}); ` +
        `a token younger than ${minAge} h cannot be refreshed; will retry next run`
    }),
    onSome: ({ expiresAt }) => ({
      action: "healthy",
      secrets: {},
      metadata: {},
      alert: false,
      expiresAt: formatInstant(expiresAt),
      detail: `${platform.title} declined to refresh a token younger than ${minAge} h; will retry next run`
    })
  })

/** Pure: the outcome of a refresh at `now`; a missing `expires_in` means the token's documented lifetime, said in the report. */
export const refreshedOutcome = (now: DateTime.Utc, body: typeof RefreshResponse.Type, settings: AccountSettings): Outcome => {
  const lifetime = body.expires_in ?? (settings.lifetime_days ?? defaults.lifetimeDays) * 86_400
  const expiresAt = plusSeconds(now, lifetime)
  // Whether the string changes is undocumented: the returned token is always stored.
  return {
    action: "refreshed",
    secrets: { access_token: body.access_token },
    metadata: { access_token_expires_at: formatInstant(expiresAt) },
    expiresAt: formatInstant(expiresAt),
    detail: `refreshed; valid until ${dateOnly(expiresAt)}` +
      (body.expires_in === undefined ? " (no usable expires_in in the answer: the token's lifetime was assumed)" : "")
  }
}
