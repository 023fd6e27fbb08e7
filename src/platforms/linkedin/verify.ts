/**
 * `herald auth verify linkedin`: introspection when the app credentials are at hand (it
 * needs no member scope and tells expired from revoked), else `GET /v2/userinfo`, which
 * needs `openid`+`profile`.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { endpointOf } from "../../domain/Connection.js"
import type { SecretMissing } from "../../domain/errors.js"
import type { HealthCheck, RefreshContext } from "../../services/Refreshers.js"
import { accessExpiry, healthClassify, healthRetryPolicy, loginHint, probe, refreshHint } from "../health.js"
import { authenticatedPost, bearerGet, postedClient } from "../oauth2/clientAuth.js"
import { introspectedExpiry, IntrospectionAnswer } from "../oauth2/introspect.js"
import { dateOnly, formatInstant } from "../policy.js"
import { providerCall } from "../providerCall.js"
import { endpoints } from "./descriptor.js"
import { classify } from "./policy.js"

/** Any JSON object: userinfo's content does not matter, only that it answers with one. */
const AnyObject = Schema.Struct({})

export const verifyLinkedIn = (client: HttpClient.HttpClient, ctx: RefreshContext): Effect.Effect<HealthCheck, SecretMissing> =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    const remedy = Option.isSome(ctx.secrets.get("refresh_token")) ? refreshHint(ctx) : loginHint(ctx)
    const known = accessExpiry(ctx)
    const credentials = Option.all({ id: ctx.secrets.get("client_id"), secret: ctx.secrets.get("client_secret") })
    if (Option.isSome(credentials)) {
      const found = yield* providerCall(client, {
        connection: ctx.connection,
        request: authenticatedPost(
          endpointOf(ctx.connection, "introspect", endpoints.introspect),
          { token },
          postedClient(credentials.value.id, credentials.value.secret)
        ),
        classify,
        success: IntrospectionAnswer,
        retry: healthRetryPolicy
      }).pipe(Effect.option)
      if (Option.isSome(found)) {
        const body = found.value
        const at = Option.orElse(introspectedExpiry(body), () => known)
        const expiresAt = Option.match(at, { onNone: () => ({}), onSome: (d) => ({ expiresAt: formatInstant(d) }) })
        const status = body.status ?? (body.active ? "active" : "inactive")
        if (body.active && status === "active") {
          return {
            health: "ok",
            ...expiresAt,
            detail: "LinkedIn introspection reports the access token active" +
              Option.match(at, { onNone: () => "", onSome: (d) => `; it expires ${dateOnly(d)}` })
          } satisfies HealthCheck
        }
        return {
          health: status === "expired" ? "expired" : "invalid",
          ...expiresAt,
          detail: `LinkedIn introspection reports the access token ${status === "inactive" ? "not active" : status}; ${remedy}`
        } satisfies HealthCheck
      }
      // introspection could not answer: the member endpoint may still tell
    }
    return yield* probe(client, {
      connection: ctx.connection,
      request: bearerGet(endpointOf(ctx.connection, "health", endpoints.health), token),
      classify: healthClassify(),
      success: AnyObject,
      now: ctx.now,
      knownExpiry: known,
      words: { token: "access token", what: "LinkedIn /v2/userinfo", remedy, expiredWhen: /has expired/i }
    })
  })
