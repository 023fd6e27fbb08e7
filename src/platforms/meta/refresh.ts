/**
 * The refresher of a Meta long-lived token. Not OAuth-standard: `GET refresh_access_token`
 * with the token itself in the query string (no client credentials), Graph error codes,
 * and a refusal of tokens under 24 h old that must read as "too young", not as a fault.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as clock from "../../domain/clock.js"
import * as Redacted from "effect/Redacted"
import { endpointOf } from "../../domain/Connection.js"
import type { Refresher } from "../../services/Refreshers.js"
import { classifyGraphError, providerCall } from "../providerCall.js"
import { declinedOutcome, mayBeTooYoung, minRefreshAge, planLongLived, RefreshResponse, refreshedOutcome, tokenAge } from "./policy.js"
import type { MetaSettings } from "./settings.js"
import { verifyLongLived } from "./verify.js"

export const makeLongLived = (meta: MetaSettings): Effect.Effect<Refresher, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    // The token rides in the query string; providerCall records no span for a request, so no
    // exporter sees the URL (and the client itself is used as given: herald's keeps deadlines)
    const client = yield* HttpClient.HttpClient
    const { descriptor } = meta
    const refresher: Refresher = {
      platform: descriptor.id,
      verify: (ctx) => verifyLongLived(meta, client, ctx),
      secretKeys: descriptor.secretKeys,
      requiredSecrets: () => ["access_token"],
      endpoints: descriptor.endpoints,
      plan: (ctx) =>
        Effect.gen(function*() {
          yield* ctx.secrets.require("access_token")
          return planLongLived(descriptor, ctx.now, ctx.connection.settings)
        }),
      execute: (ctx) =>
        Effect.gen(function*() {
          const accessToken = yield* ctx.secrets.require("access_token")
          const settings = ctx.connection.settings
          const url = endpointOf(ctx.connection, "refresh", descriptor.endpoints.refresh)
          const known = tokenAge(ctx.now, settings)
          const minAge = minRefreshAge(settings)
          return yield* providerCall(client, {
            connection: ctx.connection,
            // GET only: Meta rejects POST on this endpoint
            request: HttpClientRequest.get(url).pipe(
              HttpClientRequest.acceptJson,
              HttpClientRequest.setUrlParams({ grant_type: meta.grants.refresh, access_token: Redacted.value(accessToken) })
            ),
            classify: classifyGraphError,
            success: RefreshResponse
          }).pipe(
            Effect.flatMap((body) => Effect.map(clock.now, (now) => refreshedOutcome(now, body, settings))),
            // ClientRejected is a non-190, non-transient Graph error: for a token that may be
            // under the minimum age that is the expected refusal, not a reason to page anyone
            Effect.catchTag("ClientRejected", (e) =>
              mayBeTooYoung(ctx.now, settings) ? Effect.succeed(declinedOutcome(descriptor, known, minAge, e.reason)) : Effect.fail(e))
          )
        })
    }
    return refresher
  })
