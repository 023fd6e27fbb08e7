/**
 * TikTok Login Kit v2 for desktop apps: `client_key` (not client_id), comma-separated
 * scopes, PKCE with a hex-encoded SHA-256 challenge, and the code redeemed at the same
 * /v2/oauth/token/ the refresh uses (grant_type=authorization_code plus code_verifier).
 * TikTok also accepts a wildcard port in a registered loopback redirect URI, so
 * `redirect_port: 0` works there.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { endpointOf } from "../../domain/Connection.js"
import { clientSecretOf, keptOrFailed } from "../login/exchange.js"
import type { LoginResult, LoginSpec } from "../login/flow.js"
import { codeGrant } from "../oauth2/login.js"
import { classifyStandard } from "../oauth2/refresh.js"
import { formatInstant, plusSeconds } from "../policy.js"
import { formPost, providerCall } from "../providerCall.js"
import { descriptor, endpoints } from "./descriptor.js"
import { type TokenResponse as TokenAnswer, TokenResponse } from "./policy.js"

/** Pure: what a successful exchange at `now` stores. Without a refresh token herald could never rotate. */
export const resultOf = (now: DateTime.Utc, body: TokenAnswer): Either.Either<LoginResult, string> =>
  body.refresh_token === undefined
    ? Either.left("TikTok issued no refresh token, so herald could not keep this login alive; nothing was stored")
    : Either.right({
      secrets: { ...(body.access_token !== undefined ? { access_token: body.access_token } : {}), refresh_token: body.refresh_token },
      metadata: {
        ...(body.expires_in !== undefined ? { access_token_expires_at: formatInstant(plusSeconds(now, body.expires_in)) } : {}),
        ...(body.refresh_expires_in !== undefined
          ? { refresh_token_expires_at: formatInstant(plusSeconds(now, body.refresh_expires_in)) }
          : {})
      },
      notes: []
    })

export const login: LoginSpec = {
  platform: descriptor.id,
  title: descriptor.title,
  credentials: descriptor.appCredentials,
  clientIdParam: "client_key",
  authorizeEndpoint: endpoints.authorize,
  // user.info.basic is what the health probe reads; video.publish is what posting needs
  scopes: { defaults: ["user.info.basic", "video.publish"], required: [], separator: "," },
  pkce: "hex",
  extraParams: {},
  stores: ["access_token", "refresh_token"],
  notes: [],
  exchange: (input) =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const body = yield* providerCall(client, {
        connection: input.connection,
        request: formPost(endpointOf(input.connection, "token", endpoints.token), {
          client_key: input.clientId,
          client_secret: clientSecretOf(input),
          ...codeGrant(input)
        }),
        classify: classifyStandard,
        success: TokenResponse
      })
      return yield* keptOrFailed(input, resultOf(yield* DateTime.now, body))
    })
}
