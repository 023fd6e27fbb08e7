/**
 * TikTok (Login Kit v2): rotating refresh tokens. Every run rotates; the old refresh
 * token dies the moment the new one is issued, so the pipeline persists it first.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { call } from "../domain/Plan.js"
import type { Refresher } from "../services/Refreshers.js"
import { dateOnly, daysUntil, formatInstant, parseInstant, plusSeconds } from "./policy.js"
import { verifyTikTok } from "./healthChecks.js"
import { classifyOAuthError, endpointOf, formPost, NonEmpty, providerCall } from "./providerCall.js"
import * as DateTime from "effect/DateTime"

export const endpoints = {
  token: "https://open.tiktokapis.com/v2/oauth/token/",
  health: "https://open.tiktokapis.com/v2/user/info/",
  // opened in the browser by `herald auth login tiktok`
  authorize: "https://www.tiktok.com/v2/auth/authorize/"
} as const

export const defaults = { reauthWarnDays: 14 } as const

/** The token endpoint's success body: the same for a refresh and for `auth login`'s code exchange. */
export const TokenResponse = Schema.Struct({
  access_token: Schema.Redacted(NonEmpty),
  expires_in: Schema.Number,
  refresh_token: Schema.optional(Schema.Redacted(NonEmpty)),
  refresh_expires_in: Schema.optional(Schema.Number),
  open_id: Schema.optional(Schema.String),
  scope: Schema.optional(Schema.String)
})

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
          success: TokenResponse
        })
        const now = yield* DateTime.now
        const accessExpires = plusSeconds(now, body.expires_in)
        const refreshExpires = body.refresh_expires_in !== undefined
          ? Option.some(plusSeconds(now, body.refresh_expires_in))
          : Option.none()
        const warnDays = ctx.connection.settings.reauth_warn_days ?? defaults.reauthWarnDays
        const warning = Option.flatMap(refreshExpires, (at) => Option.fromNullable(refreshTokenWarning(now, at, warnDays)))
        const rotated = body.refresh_token !== undefined
        return {
          action: rotated ? "rotated" : "refreshed",
          secrets: {
            access_token: body.access_token,
            ...(body.refresh_token !== undefined ? { refresh_token: body.refresh_token } : {})
          },
          metadata: {
            access_token_expires_at: formatInstant(accessExpires),
            ...Option.match(refreshExpires, {
              onNone: () => ({}),
              onSome: (at) => ({ refresh_token_expires_at: formatInstant(at) })
            })
          },
          expiresAt: formatInstant(accessExpires),
          ...Option.match(warning, {
            onNone: () => ({
              detail: rotated
                ? "refresh token rotated" + Option.match(refreshExpires, {
                  onNone: () => "",
                  onSome: (at) => `; it expires ${dateOnly(at)}`
                })
                : "access token refreshed; the platform kept the refresh token"
            }),
            onSome: (w) => w
          })
        } as const
      })
  }
  return refresher
})
