/**
 * TikTok's refresher: the refresh grant with `client_key` (not `client_id`) and the secret
 * in the form body, which is client_secret_post under TikTok's own name for the id, so it
 * is sent as a form of its own rather than through oauth2/'s client authentication.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as clock from "../../domain/clock.js"
import * as Option from "effect/Option"
import { endpointOf } from "../../domain/Connection.js"
import { MalformedResponse } from "../../domain/errors.js"
import type { Refresher } from "../../services/Refreshers.js"
import { classifyStandard } from "../oauth2/refresh.js"
import { formPost, providerCall } from "../providerCall.js"
import { descriptor, endpoints } from "./descriptor.js"
import { defaults, outcomeOf, planTikTok, singleUse, TokenResponse } from "./policy.js"
import { verifyTikTok } from "./verify.js"

export const make = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const refresher: Refresher = {
    platform: descriptor.id,
    verify: (ctx) => verifyTikTok(client, ctx),
    secretKeys: descriptor.secretKeys,
    requiredSecrets: () => ["client_key", "client_secret", "refresh_token"],
    endpoints,
    plan: (ctx) =>
      Effect.gen(function*() {
        yield* ctx.secrets.require("client_key")
        yield* ctx.secrets.require("client_secret")
        yield* ctx.secrets.require("refresh_token")
        return planTikTok(ctx.now, ctx.connection.settings)
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
          classify: classifyStandard,
          success: TokenResponse,
          singleUse,
          secure: ctx.secure
        })
        const warnDays = ctx.connection.settings.reauth_warn_days ?? defaults.reauthWarnDays
        const outcome = outcomeOf(yield* clock.now, body, Option.some(refreshToken), warnDays)
        if (outcome !== undefined) return outcome
        return yield* Effect.fail(
          new MalformedResponse({ platform: "tiktok", account: ctx.connection.account, reason: "answered without any token", mayHaveSpent: true })
        )
      })
  }
  return refresher
})
