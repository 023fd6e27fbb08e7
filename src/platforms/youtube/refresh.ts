/**
 * YouTube's refresher: a run is a health check, the standard refresh grant with the client
 * in the form body (oauth2/ client_secret_post) and Google's classifier. Google's refresh
 * tokens are durable, so a retry after a lost answer is safe.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as clock from "../../domain/clock.js"
import type { Refresher } from "../../services/Refreshers.js"
import { postedClientOf } from "../oauth2/clientAuth.js"
import { refreshConnection } from "../oauth2/refresh.js"
import { descriptor, endpoints } from "./descriptor.js"
import { classifyGoogle, outcomeOf, planYouTube, TokenResponse } from "./policy.js"
import { verifyYouTube } from "./verify.js"

export const make = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const refresher: Refresher = {
    platform: descriptor.id,
    verify: (ctx) => verifyYouTube(client, ctx),
    secretKeys: descriptor.secretKeys,
    requiredSecrets: () => ["client_id", "client_secret", "refresh_token"],
    endpoints,
    plan: (ctx) =>
      Effect.gen(function*() {
        yield* ctx.secrets.require("client_id")
        yield* ctx.secrets.require("client_secret")
        yield* ctx.secrets.require("refresh_token")
        return planYouTube(ctx.now, ctx.connection.settings)
      }),
    execute: (ctx) =>
      Effect.gen(function*() {
        // Google takes the client in the form body (client_secret_post)
        const grant = { defaultUrl: endpoints.token, client: yield* postedClientOf(ctx.secrets), classify: classifyGoogle }
        const { answer, sent } = yield* refreshConnection(client, ctx, grant, TokenResponse)
        return outcomeOf(yield* clock.now, answer, sent, ctx.connection.settings)
      })
  }
  return refresher
})
