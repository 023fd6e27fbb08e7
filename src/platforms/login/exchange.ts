/**
 * What the platforms' code exchanges share beyond the standard grant (oauth2/login.ts):
 * a client without a secret, and a result the platform could not be kept alive with
 * turned into the login's failure. The platform modules add their client fields and read
 * their own answer.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { LoginFailed } from "../../domain/loginErrors.js"
import type { ExchangeInput, LoginResult } from "./flow.js"

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
