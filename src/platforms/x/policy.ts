/**
 * X (Twitter) OAuth 2.0, its pure policy: single-use rotating refresh tokens. Every run rotates; the
 * refresh token sent is dead as soon as X answers, so the pipeline persists the new one
 * first. A spent or revoked token comes back as `invalid_request` "Value passed for the
 * token was invalid." rather than `invalid_grant`, and must still mean re-auth, or a
 * scheduled run would retry a dead token forever.
 */
import type * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { call, type Outcome, type Plan } from "../../domain/Plan.js"
import type { ClientCredentials } from "../oauth2/clientAuth.js"
import { refreshOutcome } from "../oauth2/refresh.js"
import { classifyOAuthError, type SingleUse } from "../providerCall.js"
import { tokenAnswerFields } from "../tokenAnswer.js"

export { endpoints } from "./descriptor.js"

/** X publishes no refresh-token lifetime, so there is no expiry to warn about: rotation failing is the alert. */
export const defaults = {} as const

/** X's dead-token `invalid_request` (see the module comment). */
export const isDeadTokenDescription = (description: string): boolean =>
  /Value passed for the token was invalid/i.test(description)

export const classify = classifyOAuthError(isDeadTokenDescription)

/** Read leniently (tokenAnswer.ts): an odd field never costs the rotated token. */
export const TokenResponse = Schema.Struct(tokenAnswerFields)
export type TokenResponse = typeof TokenResponse.Type

/**
 * Re-sending a spent X refresh token reportedly revokes the whole grant (PROVIDERS.md §5):
 * after an answer that may have been lost, the token is not sent again in the same run.
 */
export const singleUse: SingleUse = { retryAfterLostAnswer: false }

/**
 * Pure: X is always rotated, whatever is known about the current tokens; a dry run reports
 * the current access token's recorded expiry.
 */
export const planX = (accessTokenExpiresAt?: string): Plan =>
  call({
    action: "rotated",
    readOnly: false,
    writes: ["refresh_token", "access_token"],
    detail: "would rotate the refresh token (X refresh tokens are single-use)",
    ...(accessTokenExpiresAt !== undefined ? { expiresAt: accessTokenExpiresAt } : {})
  })

/**
 * Pure: what a successful refresh at `now` produced, given the refresh token that was
 * sent; undefined when the answer held no token at all.
 */
export const outcomeOf = (
  now: DateTime.Utc,
  body: TokenResponse,
  sent: Option.Option<Redacted.Redacted<string>> = Option.none()
): Outcome | undefined => refreshOutcome(now, body, sent, "X")

/** A client secret makes this a confidential client, which X only accepts with HTTP Basic. */
export const clientOf = (id: Redacted.Redacted<string>, secret: Option.Option<Redacted.Redacted<string>>): ClientCredentials =>
  Option.match(secret, {
    onNone: () => ({ method: "none", id }),
    onSome: (s) => ({ method: "client_secret_basic", id, secret: s })
  })
