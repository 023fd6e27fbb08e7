/**
 * LinkedIn's refresher. A standard app is only watched: the plan reads the access token's
 * expiry, from introspection when the app credentials are at hand. A partner app refreshes
 * with the standard grant, the client in the form body (oauth2/ client_secret_post).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as clock from "../../domain/clock.js"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { type Connection, endpointOf } from "../../domain/Connection.js"
import { connectionLabel } from "../../domain/Platform.js"
import type { Refresher } from "../../services/Refreshers.js"
import type { SecretBag } from "../../services/Secrets.js"
import { authenticatedPost, postedClient, postedClientOf } from "../oauth2/clientAuth.js"
import { introspectedExpiry, IntrospectionAnswer } from "../oauth2/introspect.js"
import { refreshConnection } from "../oauth2/refresh.js"
import { formatInstant, parseInstant } from "../policy.js"
import { providerCall } from "../providerCall.js"
import { descriptor, endpoints } from "./descriptor.js"
import { classify, defaults, type IntrospectionStatus, outcomeOf, planLinkedIn, statusOf, TokenResponse } from "./policy.js"
import { verifyLinkedIn } from "./verify.js"

type Introspection =
  | { readonly _tag: "Known"; readonly status: IntrospectionStatus; readonly expiresAt: Option.Option<DateTime.Utc> }
  | { readonly _tag: "Unavailable"; readonly reason: string }

interface IntrospectionCredentials {
  readonly clientId: Redacted.Redacted
  readonly clientSecret: Redacted.Redacted
  readonly token: Redacted.Redacted
}

export const make = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient

  /** Read-only: never fails, because an unreachable oracle must not hide the expiry in config. */
  const introspect = (connection: Connection, credentials: IntrospectionCredentials): Effect.Effect<Introspection> =>
    providerCall(client, {
      connection,
      request: authenticatedPost(
        endpointOf(connection, "introspect", endpoints.introspect),
        { token: credentials.token },
        postedClient(credentials.clientId, credentials.clientSecret)
      ),
      classify,
      // RFC 7662's reading (`exp`, or LinkedIn's `expires_at`); `status` is kept as a string
      success: IntrospectionAnswer
    }).pipe(
      Effect.map((body): Introspection => ({ _tag: "Known", status: statusOf(body), expiresAt: introspectedExpiry(body) })),
      Effect.catchTags({
        // LinkedIn's dead-token answer about the token we asked about: it is not usable
        RefreshRejected: (): Effect.Effect<Introspection> =>
          Effect.succeed({ _tag: "Known", status: "inactive", expiresAt: Option.none() }),
        ProviderUnavailable: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const),
        ClientRejected: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const),
        MalformedResponse: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const),
        AnswerLost: (e) => Effect.succeed({ _tag: "Unavailable", reason: e.reason } as const)
      })
    )

  const introspectionCredentials = (secrets: SecretBag) =>
    Option.all({ clientId: secrets.get("client_id"), clientSecret: secrets.get("client_secret"), token: secrets.get("access_token") })

  const refresher: Refresher = {
    platform: descriptor.id,
    verify: (ctx) => verifyLinkedIn(client, ctx),
    secretKeys: descriptor.secretKeys,
    // a partner app refreshes (client credentials + refresh token); a standard app only has its access token
    requiredSecrets: (isSet) => isSet("refresh_token") ? ["client_id", "client_secret", "refresh_token"] : ["access_token"],
    endpoints,
    plan: (ctx) =>
      Effect.gen(function*() {
        const settings = ctx.connection.settings
        const where = { label: connectionLabel(ctx.connection), configPath: ctx.connection.configPath.join(".") }
        const warnDays = settings.reauth_warn_days ?? defaults.reauthWarnDays
        const configured = parseInstant(settings.access_token_expires_at)
        const fromConfig = Option.match(configured, { onNone: () => ({}), onSome: (at) => ({ accessExpiresAt: at }) })

        if (Option.isSome(ctx.secrets.get("refresh_token"))) {
          // checked now so a partner app missing its credentials fails before any request
          yield* ctx.secrets.require("client_id")
          yield* ctx.secrets.require("client_secret")
          return planLinkedIn(ctx.now, {
            ...where,
            ...fromConfig,
            refreshTokenPresent: true,
            warnDays,
            ...Option.match(parseInstant(settings.refresh_token_expires_at), {
              onNone: () => ({}),
              onSome: (at) => ({ refreshExpiresAt: at })
            })
          })
        }

        yield* ctx.secrets.require("access_token")
        const credentials = introspectionCredentials(ctx.secrets)
        const introspection = Option.isSome(credentials)
          ? Option.some(yield* introspect(ctx.connection, credentials.value))
          : Option.none<Introspection>()
        const base = {
          ...where,
          refreshTokenPresent: false,
          warnDays,
          ...Option.match(configured, { onNone: () => ({}), onSome: (at) => ({ configuredAccessExpiresAt: at }) })
        }
        if (Option.isNone(introspection)) return planLinkedIn(ctx.now, { ...base, ...fromConfig })
        const found = introspection.value
        if (found._tag === "Unavailable") {
          return planLinkedIn(ctx.now, { ...base, ...fromConfig, introspectionError: found.reason })
        }
        const plan = planLinkedIn(ctx.now, {
          ...base,
          introspectionStatus: found.status,
          // LinkedIn's own answer wins over a config value someone may have typed or left stale
          ...Option.match(found.expiresAt, { onNone: () => fromConfig, onSome: (at) => ({ accessExpiresAt: at }) })
        })
        // remember the true expiry, so runs without introspection (and the alert) use it too
        const learned = Option.map(found.expiresAt, formatInstant)
        return plan._tag === "Decided" && Option.isSome(learned) &&
            learned.value !== ctx.connection.settings.access_token_expires_at
          ? { ...plan, metadata: { access_token_expires_at: learned.value } }
          : plan
      }),
    execute: (ctx) =>
      Effect.gen(function*() {
        // LinkedIn takes the client in the form body (client_secret_post), here and at introspection
        const grant = { defaultUrl: endpoints.token, client: yield* postedClientOf(ctx.secrets), classify }
        const { answer, sent } = yield* refreshConnection(client, ctx, grant, TokenResponse)
        return outcomeOf(yield* clock.now, answer, sent, ctx.connection.settings, connectionLabel(ctx.connection))
      })
  }
  return refresher
})
