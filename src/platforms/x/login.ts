/**
 * X OAuth 2.0 authorization code with PKCE (S256, base64url). Refresh tokens are issued
 * only when `offline.access` is granted, so herald always asks for it. A confidential
 * client (one with a client secret) must authenticate with HTTP Basic on the token
 * endpoint; a public client sends its client_id in the body.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { endpointOf } from "../../domain/Connection.js"
import { keptOrFailed } from "../login/exchange.js"
import type { LoginResult, LoginSpec } from "../login/flow.js"
import { exchangeCode } from "../oauth2/login.js"
import { formatInstant, plusSeconds } from "../policy.js"
import { descriptor, endpoints } from "./descriptor.js"
import { classify, clientOf, type TokenResponse } from "./policy.js"

/** Pure: what a successful exchange at `now` stores. */
export const resultOf = (now: DateTime.Utc, body: TokenResponse): Either.Either<LoginResult, string> =>
  body.refresh_token === undefined
    ? Either.left(
      "X issued no refresh token (was offline.access granted?), so herald could not keep this login alive; nothing was stored"
    )
    : Either.right({
      secrets: { ...(body.access_token !== undefined ? { access_token: body.access_token } : {}), refresh_token: body.refresh_token },
      metadata: body.expires_in !== undefined ? { access_token_expires_at: formatInstant(plusSeconds(now, body.expires_in)) } : {},
      notes: ["X refresh tokens are single-use: from now on only herald should refresh this one"]
    })

export const login: LoginSpec = {
  platform: descriptor.id,
  title: descriptor.title,
  credentials: descriptor.appCredentials,
  clientIdParam: "client_id",
  authorizeEndpoint: endpoints.authorize,
  scopes: {
    defaults: ["tweet.read", "tweet.write", "users.read", "offline.access"],
    required: ["offline.access"],
    separator: " "
  },
  pkce: "base64url",
  extraParams: {},
  stores: ["access_token", "refresh_token"],
  notes: [],
  exchange: (input) =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const url = endpointOf(input.connection, "token", endpoints.token)
      // a confidential client authenticates with HTTP Basic; a public one names itself in the body
      const body = yield* exchangeCode(client, input, url, clientOf(input.clientId, input.clientSecret), classify)
      return yield* keptOrFailed(input, resultOf(yield* DateTime.now, body))
    })
}
