/** Small pure helpers the platform policies share. */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/** An RFC 3339 string from config, as a DateTime. */
export const parseInstant = (s: string | undefined): Option.Option<DateTime.Utc> =>
  s === undefined ? Option.none() : DateTime.make(s).pipe(Option.map(DateTime.toUtc))

/** `2026-12-01T09:00:00Z`: seconds precision, UTC, the form herald writes. */
export const formatInstant = (d: DateTime.Utc): string =>
  DateTime.formatIso(d).replace(/\.\d{3}Z$/, "Z")

const MAX_OFFSET_SECONDS = 100 * 366 * 86_400

/**
 * `now` plus a lifetime a platform gave. Bounded: no lifetime is taken past 100 years, so
 * an absurd number from a platform can never make an invalid date (and a thrown
 * RangeError) anywhere downstream; a negative or non-finite one counts as 0.
 */
export const plusSeconds = (now: DateTime.Utc, seconds: number): DateTime.Utc =>
  DateTime.addDuration(now, Duration.seconds(Number.isFinite(seconds) ? Math.min(Math.max(0, seconds), MAX_OFFSET_SECONDS) : 0))

/** Whole days from `now` until `until`, rounded down; negative once past. */
export const daysUntil = (now: DateTime.Utc, until: DateTime.Utc): number =>
  Math.floor((DateTime.toEpochMillis(until) - DateTime.toEpochMillis(now)) / 86_400_000)

export const isPast = (now: DateTime.Utc, at: DateTime.Utc): boolean =>
  DateTime.toEpochMillis(at) <= DateTime.toEpochMillis(now)

/**
 * Pure: a platform's warning about the refresh token's recorded expiry
 * (`refresh_token_expires_at`), read against `reauth_warn_days` (else the platform's
 * default); none when no expiry is recorded or it is far off.
 */
export const recordedRefreshWarning = <W>(
  now: DateTime.Utc,
  settings: { readonly refresh_token_expires_at?: string | undefined; readonly reauth_warn_days?: number | undefined },
  defaultWarnDays: number,
  warn: (now: DateTime.Utc, at: DateTime.Utc, warnDays: number) => W | undefined
): Option.Option<W> =>
  Option.flatMap(
    parseInstant(settings.refresh_token_expires_at),
    (at) => Option.fromNullable(warn(now, at, settings.reauth_warn_days ?? defaultWarnDays))
  )

/**
 * Pure: the alert for a token that expires at `at`, once fewer than `warnDays` days are
 * left (undefined before); `advice` words it from the days left and the date.
 */
export const expiryWarning = (
  now: DateTime.Utc,
  at: DateTime.Utc,
  warnDays: number,
  advice: (days: number, date: string) => string
): { readonly alert: true; readonly reauthBy: string; readonly detail: string } | undefined => {
  const days = daysUntil(now, at)
  return days < warnDays ? { alert: true, reauthBy: formatInstant(at), detail: advice(days, dateOnly(at)) } : undefined
}

/** `2026-12-01` for prose. */
export const dateOnly = (d: DateTime.Utc): string => formatInstant(d).slice(0, 10)

export const DAY_MS = 86_400_000
export const HOUR_MS = 3_600_000
