/**
 * The standard authorization-code grant (RFC 6749 §4.1, with PKCE per RFC 7636): the
 * grant's own fields, and the code exchange with the client's authentication.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import type { RefreshError } from "../../domain/errors.js"
import type { ExchangeInput } from "../login/flow.js"
import { type Classify, providerCall } from "../providerCall.js"
import { TokenAnswer } from "../tokenAnswer.js"
import { authenticatedPost, type ClientCredentials } from "./clientAuth.js"
import { classifyStandard } from "./refresh.js"

/** `grant_type`, `code`, `redirect_uri`, and `code_verifier` where PKCE was used. */
export const codeGrant = (input: ExchangeInput): Record<string, string | Redacted.Redacted<string>> => ({
  grant_type: "authorization_code",
  code: input.code,
  redirect_uri: input.redirectUri,
  ...Option.match(input.codeVerifier, { onNone: () => ({}), onSome: (v) => ({ code_verifier: v }) })
})

/** Redeem the code at `url`; the answer read leniently. */
export const exchangeCode = (
  http: HttpClient.HttpClient,
  input: ExchangeInput,
  url: string,
  client: ClientCredentials,
  classify: Classify = classifyStandard
): Effect.Effect<TokenAnswer, RefreshError> => exchangeCodeAs(http, input, url, client, classify, TokenAnswer)

/** Redeem the code at `url`, with the platform's own reading of the answer. */
export const exchangeCodeAs = <A, I>(
  http: HttpClient.HttpClient,
  input: ExchangeInput,
  url: string,
  client: ClientCredentials,
  classify: Classify,
  success: Schema.Schema<A, I>
): Effect.Effect<A, RefreshError> =>
  providerCall(http, { connection: input.connection, request: authenticatedPost(url, codeGrant(input), client), classify, success })

/**
 * A client that sends its id and secret in the form body (client_secret_post), as given to
 * a login; a client without a secret sends an empty one, as the platforms that require
 * one are checked for it before the consent.
 */
export const loginClient = (input: ExchangeInput): ClientCredentials => ({
  method: "client_secret_post",
  id: input.clientId,
  secret: Option.getOrElse(input.clientSecret, () => Redacted.make(""))
})
