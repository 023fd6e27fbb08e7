/**
 * What every platform's code exchange shares: the authorization-code grant's own fields,
 * and a result the platform could not be kept alive with turned into the login's failure.
 * The platform modules add their client fields and read their own answer.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { LoginFailed } from "../../domain/loginErrors.js"
import type { ExchangeInput, LoginResult } from "./flow.js"

/** `grant_type`, `code`, `redirect_uri`, and `code_verifier` where PKCE was used; for formPost. */
export const codeGrant = (input: ExchangeInput): Record<string, string | Redacted.Redacted<string>> => ({
  grant_type: "authorization_code",
  code: input.code,
  redirect_uri: input.redirectUri,
  ...Option.match(input.codeVerifier, { onNone: () => ({}), onSome: (v) => ({ code_verifier: v }) })
})

/** The client secret, or "" for a client that has none. */
export const clientSecretOf = (input: ExchangeInput): string | Redacted.Redacted<string> =>
  Option.getOrElse(input.clientSecret, () => "")

/** A refusal from a platform's `resultOf` (e.g. no refresh token issued) as LoginFailed. */
export const keptOrFailed = (input: ExchangeInput, result: Either.Either<LoginResult, string>) =>
  Either.match(result, {
    onLeft: (reason) =>
      Effect.fail(new LoginFailed({ platform: input.connection.platform, account: input.connection.account, reason })),
    onRight: Effect.succeed
  })
