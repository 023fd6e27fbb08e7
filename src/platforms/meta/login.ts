/**
 * `herald auth login` for a Meta long-lived token (Instagram Business Login, Threads). No
 * PKCE; the code becomes a short-lived (1 h) token at `code` (form: client_id,
 * client_secret, grant_type=authorization_code, redirect_uri, code), which becomes the
 * long-lived (60-day) token at `exchange?grant_type=<exchange grant>` — a call that needs
 * the app secret. Only the long-lived token is stored, with its expiry, which is what the
 * refresh policy reads the token's age from.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { endpointOf } from "../../domain/Connection.js"
import { clientSecretOf } from "../login/exchange.js"
import type { LoginResult, LoginSpec } from "../login/flow.js"
import { codeGrant } from "../oauth2/login.js"
import { dateOnly, formatInstant, plusSeconds } from "../policy.js"
import { type Classify, classifyGraphError, formPost, NonEmpty, providerCall } from "../providerCall.js"
import { minRefreshAge, type Named } from "./policy.js"
import type { MetaSettings } from "./settings.js"

const ShortLived = Schema.Struct({
  access_token: Schema.Redacted(NonEmpty),
  user_id: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  permissions: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.String)))
})

/**
 * Business Login's documentation shows the short-lived token wrapped as
 * `{ data: [ { access_token, user_id, permissions } ] }`; the older endpoints (and
 * Threads, and many integrators' logs) show it flat. Both are read.
 */
export const CodeResponse = Schema.Union(
  ShortLived,
  Schema.Struct({ data: Schema.NonEmptyArray(ShortLived) })
)

export const LongLivedResponse = Schema.Struct({
  access_token: Schema.Redacted(NonEmpty),
  token_type: Schema.optional(Schema.String),
  expires_in: Schema.Number
})
export type LongLivedResponse = typeof LongLivedResponse.Type

/**
 * api.instagram.com answers a bad code with `{error_type, code, error_message}` rather than
 * the Graph `{error: {...}}` shape; read both. A bad or used code is the user's to retry,
 * not a dead token.
 */
export const classifyCodeExchange: Classify = (status, body) => {
  if (typeof body === "object" && body !== null) {
    const b = body as Record<string, unknown>
    const message = typeof b["error_message"] === "string" ? b["error_message"] : undefined
    if (message !== undefined || typeof b["error_type"] === "string") {
      const type = typeof b["error_type"] === "string" ? b["error_type"] : "error"
      const text = `${type}: ${message ?? "no message"}`
      return { kind: "client", reason: text.length > 160 ? `${text.slice(0, 157)}...` : text }
    }
  }
  return classifyGraphError(status, body)
}

/** Pure: what the long-lived exchange at `now` stores. */
export const resultOf = (platform: Named, now: DateTime.Utc, body: LongLivedResponse, minRefreshAgeHours: number): LoginResult => {
  const expires = plusSeconds(now, body.expires_in)
  return {
    secrets: { access_token: body.access_token },
    metadata: { access_token_expires_at: formatInstant(expires) },
    notes: [
      `the long-lived token is valid until ${dateOnly(expires)}; herald refreshes it once it is over ` +
      `${minRefreshAgeHours} h old (${platform.title} refuses younger tokens)`
    ]
  }
}

export const longLivedLogin = (meta: MetaSettings): LoginSpec => {
  const { descriptor } = meta
  const endpoints = descriptor.endpoints
  return {
    platform: descriptor.id,
    title: descriptor.title,
    credentials: descriptor.appCredentials,
    clientIdParam: "client_id",
    authorizeEndpoint: endpoints.authorize,
    scopes: { defaults: meta.scopes, required: [], separator: "," },
    pkce: "none",
    extraParams: {},
    stores: ["access_token"],
    notes: meta.loginNotes,
    exchange: (input) =>
      Effect.gen(function*() {
        // the app secret and tokens ride in the second call's query string: providerCall
        // records no span for it, so no exporter sees them
        const client = yield* HttpClient.HttpClient
        const short = yield* providerCall(client, {
          connection: input.connection,
          request: formPost(endpointOf(input.connection, "code", endpoints.code), {
            client_id: input.clientId,
            client_secret: clientSecretOf(input),
            ...codeGrant(input)
          }),
          classify: classifyCodeExchange,
          success: CodeResponse
        })
        const shortToken = "data" in short ? short.data[0].access_token : short.access_token
        const long = yield* providerCall(client, {
          connection: input.connection,
          request: HttpClientRequest.get(endpointOf(input.connection, "exchange", endpoints.exchange)).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.setUrlParams({
              grant_type: meta.grants.exchange,
              client_secret: Option.match(input.clientSecret, { onNone: () => "", onSome: Redacted.value }),
              access_token: Redacted.value(shortToken)
            })
          ),
          classify: classifyGraphError,
          success: LongLivedResponse
        })
        return resultOf(descriptor, yield* DateTime.now, long, minRefreshAge(input.connection.settings))
      })
  }
}
