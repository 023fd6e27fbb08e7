/**
 * X's refresher: the standard refresh grant (oauth2/) with X's classifier, Basic for a
 * confidential client, and no re-send after a lost answer.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as clock from "../../domain/clock.js"
import * as Option from "effect/Option"
import { MalformedResponse } from "../../domain/errors.js"
import type { Refresher } from "../../services/Refreshers.js"
import { refreshConnection } from "../oauth2/refresh.js"
import { descriptor, endpoints } from "./descriptor.js"
import { classify, clientOf, outcomeOf, planX, singleUse, TokenResponse } from "./policy.js"
import { verifyX } from "./verify.js"

export const make = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const refresher: Refresher = {
    platform: descriptor.id,
    verify: (ctx) => verifyX(client, ctx),
    secretKeys: descriptor.secretKeys,
    // client_secret only for confidential clients: a public client has none
    requiredSecrets: () => ["client_id", "refresh_token"],
    endpoints,
    plan: (ctx) =>
      Effect.gen(function*() {
        // checked here so a missing secret fails before preflight and before any request
        yield* ctx.secrets.require("client_id")
        yield* ctx.secrets.require("refresh_token")
        return planX(ctx.connection.settings.access_token_expires_at)
      }),
    execute: (ctx) =>
      Effect.gen(function*() {
        const clientId = yield* ctx.secrets.require("client_id")
        const grant = { defaultUrl: endpoints.token, client: clientOf(clientId, ctx.secrets.get("client_secret")), classify, singleUse }
        const { answer, sent } = yield* refreshConnection(client, ctx, grant, TokenResponse)
        const outcome = outcomeOf(yield* clock.now, answer, Option.some(sent))
        if (outcome !== undefined) return outcome
        return yield* Effect.fail(
          new MalformedResponse({ platform: "x", account: ctx.connection.account, reason: "answered without any token", mayHaveSpent: true })
        )
      })
  }
  return refresher
})
