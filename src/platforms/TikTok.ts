/**
 * TikTok (Login Kit v2): rotating refresh tokens. Every run rotates; the old refresh
 * token dies the moment the new one is issued, so the pipeline persists it first.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { MalformedResponse } from "../domain/errors.js"
import { call, type Outcome } from "../domain/Plan.js"
import type { Refresher } from "../services/Refreshers.js"
import { dateOnly, daysUntil, formatInstant, parseInstant, plusSeconds } from "./policy.js"
import { verifyTikTok } from "./healthChecks.js"
import { classifyOAuthError, formPost, providerCall, type SingleUse } from "./providerCall.js"
import { endpointOf } from "../domain/Connection.js"
import { Loose, refreshResult, Seconds, tokenAnswerFields } from "./tokenAnswer.js"
import * as DateTime from "effect/DateTime"

export const endpoints = {
  token: "https://open.tiktokapis.com/v2/oauth/token/",
  health: "https://open.tiktokapis.com/v2/user/info/",
  // opened in the browser by `herald auth login tiktok`
  authorize: "https://www.tiktok.com/v2/auth/authorize/"
} as const

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
export const refreshTokenWarning = (now: DateTime.Utc, at: DateTime.Utc, warnDays: number) => {
  const days = daysUntil(now, at)
  return days < warnDays
    ? {
      alert: true,
      reauthBy: formatInstant(at),
      detail: `refresh token expires in ${days} days (${dateOnly(at)}); run herald auth login tiktok before then`
    }
    : undefined
}

export const make = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const refresher: Refresher = {
    platform: "tiktok",
    verify: (ctx) => verifyTikTok(client, ctx, endpoints.health),
    secretKeys: ["client_key", "client_secret", "access_token", "refresh_token"],
    requiredSecrets: () => ["client_key", "client_secret", "refresh_token"],
    endpoints,
    plan: (ctx) =>
      Effect.gen(function*() {
        yield* ctx.secrets.require("client_key")
        yield* ctx.secrets.require("client_secret")
        yield* ctx.secrets.require("refresh_token")
        const warnDays = ctx.connection.settings.reauth_warn_days ?? defaults.reauthWarnDays
        const known = parseInstant(ctx.connection.settings.refresh_token_expires_at)
        const warning = Option.flatMap(known, (at) => Option.fromNullable(refreshTokenWarning(ctx.now, at, warnDays)))
        return call({
          action: "rotated",
          readOnly: false,
          writes: ["refresh_token", "access_token"],
          detail: "would rotate the refresh token",
          // what a dry run reports: the current access token's recorded expiry
          ...(ctx.connection.settings.access_token_expires_at !== undefined
            ? { expiresAt: ctx.connection.settings.access_token_expires_at }
            : {}),
          ...Option.getOrElse(warning, () => ({}))
        })
      }),
    execute: (ctx) =>
      Effect.gen(function*() {
        const clientKey = yield* ctx.secrets.require("client_key")
        const clientSecret = yield* ctx.secrets.require("client_secret")
        const refreshToken = yield* ctx.secrets.require("refresh_token")
        const body = yield* providerCall(client, {
          connection: ctx.connection,
          request: formPost(endpointOf(ctx.connection, "token", endpoints.token), {
            client_key: clientKey,
            client_secret: clientSecret,
            grant_type: "refresh_token",
            refresh_token: refreshToken
          }),
          classify: classifyOAuthError(() => false),
          success: TokenResponse,
          singleUse,
          secure: ctx.secure
        })
        const warnDays = ctx.connection.settings.reauth_warn_days ?? defaults.reauthWarnDays
        const outcome = outcomeOf(yield* DateTime.now, body, Option.some(refreshToken), warnDays)
        if (outcome !== undefined) return outcome
        return yield* Effect.fail(
          new MalformedResponse({ platform: "tiktok", account: ctx.connection.account, reason: "answered without any token", mayHaveSpent: true })
        )
      })
  }
  return refresher
})
