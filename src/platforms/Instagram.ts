/**
 * Instagram API with Instagram Login: one long-lived (~60 day) access token, refreshed in
 * place. Instagram refuses to refresh a token under 24 h old and cannot revive one past
 * its 60 days, so the policy decides from the token's age before any call is made.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AccountSettings } from "../domain/Config.js"
import { call, decided, type Outcome, type Plan } from "../domain/Plan.js"
import type { Refresher } from "../services/Refreshers.js"
import { dateOnly, formatInstant, HOUR_MS, isPast, parseInstant, plusSeconds } from "./policy.js"
import { verifyInstagram } from "./healthChecks.js"
import { classifyGraphError, NonEmpty, providerCall } from "./providerCall.js"
import { endpointOf } from "../domain/Connection.js"
import { Loose, Seconds } from "./tokenAnswer.js"

export const endpoints = {
  refresh: "https://graph.instagram.com/refresh_access_token",
  health: "https://graph.instagram.com/me",
  // `herald auth login instagram`: the consent page, the code → short-lived token exchange,
  // and the short-lived → long-lived (60-day) exchange, which needs the app secret
  authorize: "https://www.instagram.com/oauth/authorize",
  code: "https://api.instagram.com/oauth/access_token",
  exchange: "https://graph.instagram.com/access_token"
} as const

export const defaults = {
  minRefreshAgeHours: 24,
  lifetimeDays: 60,
  /**
   * The age is an estimate (expires_at − lifetime_days, and Instagram's expires_in is a
   * minute or so short of 60 days), and a daily schedule drifts by minutes: a refusal from
   * a token this close past the minimum age is most likely "too young", not a fault.
   */
  ageSlackHours: 2
} as const

/** Read leniently (tokenAnswer.ts): only a missing access token makes the answer unreadable. */
const RefreshResponse = Schema.Struct({
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

/** Pure: what to do with the Instagram token now. */
export const planInstagram = (now: DateTime.Utc, settings: AccountSettings): Plan => {
  const minAge = settings.min_refresh_age_hours ?? defaults.minRefreshAgeHours
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
        // value): let Instagram decide. A truly expired token answers code 190 → re-auth.
        return call({
          action: "refreshed",
          readOnly: false,
          writes: ["access_token"],
          alert: true,
          expiresAt: expires,
          reauthBy: expires,
          detail: `the recorded expiry ${dateOnly(expiresAt)} has passed; a real run asks Instagram once more, ` +
            `and if it refuses, run herald auth login instagram`
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
 * Pure: whether a refusal may be Instagram's "too young" answer. Its exact error is
 * undocumented (PROVIDERS §1a), so any non-190 refusal of a token that is, or may be,
 * under the minimum age is read that way.
 */
export const mayBeTooYoung = (now: DateTime.Utc, settings: AccountSettings): boolean => {
  const minAge = settings.min_refresh_age_hours ?? defaults.minRefreshAgeHours
  return Option.match(tokenAge(now, settings), {
    onNone: () => true,
    onSome: ({ hours }) => hours < minAge + defaults.ageSlackHours
  })
}

/** Pure: the non-alerting outcome of a refusal read as "too young"; nothing to persist. */
export const declinedOutcome = (known: Option.Option<TokenAge>, minAge: number, reason: string): Outcome =>
  Option.match(known, {
    onNone: () => ({
      action: "healthy",
      secrets: {},
      metadata: {},
      alert: false,
      // with no known age this may be something else; the platform's words help tell
      detail: `Instagram declined to refresh a token of unknown age (${reason}); ` +
        `a token younger than ${minAge} h cannot be refreshed; will retry next run`
    }),
    onSome: ({ expiresAt }) => ({
      action: "healthy",
      secrets: {},
      metadata: {},
      alert: false,
      expiresAt: formatInstant(expiresAt),
      detail: `Instagram declined to refresh a token younger than ${minAge} h; will retry next run`
    })
  })

export const make = Effect.gen(function*() {
  // The token rides in the query string; providerCall records no span for a request, so no
  // exporter sees the URL (and the client itself is used as given: herald's keeps deadlines)
  const client = yield* HttpClient.HttpClient
  const refresher: Refresher = {
    platform: "instagram",
    verify: (ctx) => verifyInstagram(client, ctx, endpoints.health),
    // app_secret only serves the short-lived → long-lived exchange at login; a refresh never sends it
    secretKeys: ["access_token", "app_secret"],
    requiredSecrets: () => ["access_token"],
    endpoints,
    plan: (ctx) =>
      Effect.gen(function*() {
        yield* ctx.secrets.require("access_token")
        return planInstagram(ctx.now, ctx.connection.settings)
      }),
    execute: (ctx) =>
      Effect.gen(function*() {
        const accessToken = yield* ctx.secrets.require("access_token")
        const settings = ctx.connection.settings
        const url = endpointOf(ctx.connection, "refresh", endpoints.refresh)
        const known = tokenAge(ctx.now, settings)
        const minAge = settings.min_refresh_age_hours ?? defaults.minRefreshAgeHours
        return yield* Effect.gen(function*() {
          const body = yield* providerCall(client, {
            connection: ctx.connection,
            // GET only: Instagram rejects POST on this endpoint
            request: HttpClientRequest.get(url).pipe(
              HttpClientRequest.acceptJson,
              HttpClientRequest.setUrlParams({ grant_type: "ig_refresh_token", access_token: Redacted.value(accessToken) })
            ),
            classify: classifyGraphError,
            success: RefreshResponse
          })
          const now = yield* DateTime.now
          // no usable expires_in: the token's documented lifetime from now, and the report says so
          const lifetime = body.expires_in ?? (settings.lifetime_days ?? defaults.lifetimeDays) * 86_400
          const expiresAt = plusSeconds(now, lifetime)
          // Whether the string changes is undocumented: the returned token is always stored.
          const refreshed: Outcome = {
            action: "refreshed",
            secrets: { access_token: body.access_token },
            metadata: { access_token_expires_at: formatInstant(expiresAt) },
            expiresAt: formatInstant(expiresAt),
            detail: `refreshed; valid until ${dateOnly(expiresAt)}` +
              (body.expires_in === undefined ? " (no usable expires_in in the answer: the token's lifetime was assumed)" : "")
          }
          return refreshed
        }).pipe(
          // ClientRejected is a non-190, non-transient Graph error: for a token that may be
          // under the minimum age that is the expected refusal, not a reason to page anyone
          Effect.catchTag("ClientRejected", (e) =>
            mayBeTooYoung(ctx.now, settings) ? Effect.succeed(declinedOutcome(known, minAge, e.reason)) : Effect.fail(e))
        )
      })
  }
  return refresher
})
