/**
 * Google OAuth 2.0 for YouTube: authorization code with PKCE (S256), `access_type=offline`
 * so a refresh token is issued at all, and `prompt=consent` so one is issued again on a
 * re-login (Google sends it only on a consent it shows). Only the refresh token is kept:
 * the posting tools mint their own access tokens from it.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { endpointOf } from "../../domain/Connection.js"
import { keptOrFailed } from "../login/exchange.js"
import type { LoginResult, LoginSpec } from "../login/flow.js"
import { exchangeCodeAs, loginClient } from "../oauth2/login.js"
import { dateOnly, formatInstant, plusSeconds } from "../policy.js"
import { descriptor, endpoints } from "./descriptor.js"
import { classifyGoogle, TokenResponse } from "./policy.js"

export const TESTING_TRAP =
  "if this Google Cloud app's OAuth consent screen is in \"Testing\" (External users), Google expires its " +
  "refresh tokens after 7 days: set the publishing status to \"In production\" first"

/** Pure: what a successful exchange at `now` stores. */
export const resultOf = (now: DateTime.Utc, body: TokenResponse): Either.Either<LoginResult, string> => {
  if (body.refresh_token === undefined) {
    return Either.left(
      "Google issued no refresh token (access_type=offline and prompt=consent were sent; check the OAuth client type), " +
        "so herald could not keep this login alive; nothing was stored"
    )
  }
  const expires = Option.map(Option.fromNullable(body.refresh_token_expires_in), (s) => plusSeconds(now, s))
  return Either.right({
    secrets: { refresh_token: body.refresh_token },
    metadata: Option.match(expires, {
      onNone: () => ({}),
      onSome: (at) => ({ refresh_token_expires_at: formatInstant(at) })
    }),
    notes: Option.match(expires, {
      onNone: () => [],
      onSome: (at) => [
        `Google says this refresh token expires ${dateOnly(at)}: a short life like this usually means the consent ` +
        `screen is in "Testing"; publish it "In production" and log in again`
      ]
    })
  })
}

export const login: LoginSpec = {
  platform: descriptor.id,
  title: "Google",
  credentials: descriptor.appCredentials,
  clientIdParam: "client_id",
  authorizeEndpoint: endpoints.authorize,
  scopes: {
    defaults: ["https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly"],
    required: [],
    separator: " "
  },
  pkce: "base64url",
  extraParams: { access_type: "offline", prompt: "consent" },
  stores: ["refresh_token"],
  notes: [TESTING_TRAP],
  exchange: (input) =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const url = endpointOf(input.connection, "token", endpoints.token)
      const body = yield* exchangeCodeAs(client, input, url, loginClient(input), classifyGoogle, TokenResponse)
      return yield* keptOrFailed(input, resultOf(yield* DateTime.now, body))
    })
}
