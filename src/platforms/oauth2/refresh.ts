/**
 * The standard refresh grant (RFC 6749 §6) and what its answer means. The answer is read
 * leniently and its refresh token journaled first (tokenAnswer.ts, RefreshContext.secure);
 * a returned refresh token that differs from the one sent is a rotation, the same one or
 * none is a refresh that keeps the old one (the merge rule).
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Schema from "effect/Schema"
import { type Connection, endpointOf } from "../../domain/Connection.js"
import type { RefreshError, SecretMissing } from "../../domain/errors.js"
import type { Outcome } from "../../domain/Plan.js"
import type { RetryPolicy } from "../../http/retry.js"
import { formatInstant } from "../policy.js"
import { type Classify, classifyOAuthError, providerCall, type SingleUse } from "../providerCall.js"
import { refreshResult, TokenAnswer } from "../tokenAnswer.js"
import { authenticatedPost, type ClientCredentials } from "./clientAuth.js"
import type { RefreshContext } from "../../services/Refreshers.js"

/** RFC 6749 §5.2 error classes; no server-specific dead-token wording. */
export const classifyStandard: Classify = classifyOAuthError(() => false)

export interface RefreshGrant {
  readonly connection: Connection
  readonly url: string
  readonly client: ClientCredentials
  readonly refreshToken: Redacted.Redacted<string>
  readonly classify?: Classify
  readonly singleUse?: SingleUse
  readonly retry?: RetryPolicy
  readonly secure?: ((body: unknown) => Effect.Effect<void>) | undefined
}

/**
 * POST `grant_type=refresh_token` with the client's authentication, the answer read with
 * `success` (the lenient TokenAnswer, or a platform's own reading: its extra fields, or what
 * it cannot do without).
 */
export const refreshGrantAs = <A, I>(
  http: HttpClient.HttpClient,
  grant: RefreshGrant,
  success: Schema.Schema<A, I>
): Effect.Effect<A, RefreshError> =>
  providerCall(http, {
    connection: grant.connection,
    request: authenticatedPost(grant.url, { grant_type: "refresh_token", refresh_token: grant.refreshToken }, grant.client),
    classify: grant.classify ?? classifyStandard,
    success,
    ...(grant.singleUse !== undefined ? { singleUse: grant.singleUse } : {}),
    ...(grant.retry !== undefined ? { retry: grant.retry } : {}),
    secure: grant.secure
  })

export interface ConnectionGrant {
  /** the token endpoint unless the connection overrides `endpoints.token` */
  readonly defaultUrl: string
  readonly client: ClientCredentials
  readonly classify?: Classify
  readonly singleUse?: SingleUse
  readonly retry?: RetryPolicy
}

/**
 * A connection's refresh grant: its refresh token, to its token endpoint, journaled first
 * where the context says so; the answer read with `success`, and the token that was sent.
 */
export const refreshConnection = <A, I>(
  http: HttpClient.HttpClient,
  ctx: RefreshContext,
  grant: ConnectionGrant,
  success: Schema.Schema<A, I>
): Effect.Effect<{ readonly answer: A; readonly sent: Redacted.Redacted<string> }, RefreshError | SecretMissing> =>
  Effect.flatMap(ctx.secrets.require("refresh_token"), (refreshToken) =>
    Effect.map(
      refreshGrantAs(http, {
        ...grant,
        connection: ctx.connection,
        url: endpointOf(ctx.connection, "token", grant.defaultUrl),
        refreshToken,
        secure: ctx.secure
      }, success),
      (answer) => ({ answer, sent: refreshToken })
    ))

/**
 * Pure: the outcome of a successful refresh at `now`, given the refresh token sent;
 * undefined when the answer held no token at all (the caller says so). `title` names the
 * provider in the report.
 */
export const refreshOutcome = (
  now: DateTime.Utc,
  answer: TokenAnswer,
  sent: Option.Option<Redacted.Redacted<string>>,
  title: string
): Outcome | undefined => {
  const result = refreshResult(now, answer, sent)
  if (result === undefined) return undefined
  const accessExpires = Option.map(result.accessExpires, formatInstant)
  const expiry = Option.match(accessExpires, {
    onNone: () => ({ metadata: {} }),
    onSome: (at) => ({ metadata: { access_token_expires_at: at }, expiresAt: at })
  })
  const said = (text: string) => [text, ...result.warnings].join("; ")
  return result.rotated
    ? {
      action: "rotated",
      secrets: result.secrets,
      ...expiry,
      detail: said(
        Option.match(accessExpires, {
          onNone: () => "refresh token rotated",
          onSome: (at) => `refresh token rotated; the new access token expires ${at}`
        })
      )
    }
    : {
      action: "refreshed",
      secrets: result.secrets,
      ...expiry,
      detail: said(
        answer.refresh_token !== undefined
          ? `access token refreshed; ${title} sent the same refresh token back, so it is kept`
          : `access token refreshed; ${title} sent no new refresh token, so the current one is kept`
      )
    }
}
