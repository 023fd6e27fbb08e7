/**
 * Reading an OAuth token answer leniently (DESIGN §2 rule 2). A platform that has just
 * rotated a single-use refresh token has spent the old one: whatever else its answer gets
 * wrong, the new token must be kept. So the refresh token is taken out of the raw body and
 * journaled before anything else is read (`securable`), and the other fields are read so
 * that an odd value is an unknown, never a reason to throw the answer away: a numeric
 * string is a number, `null` or a missing `expires_in` is an unknown expiry, an absurd
 * lifetime (1e20, 1e999) is an unknown one, an empty access token is no access token.
 */
import type * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { plusSeconds } from "./policy.js"

/** No token herald handles lives longer than this; a larger lifetime is not believed. */
export const MAX_LIFETIME_SECONDS = 20 * 366 * 86_400

/** A lifetime in seconds as platforms send it (a number or a numeric string), or undefined. */
export const secondsOf = (value: unknown): number | undefined => {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN
  return Number.isFinite(n) && n >= 0 && n <= MAX_LIFETIME_SECONDS ? Math.floor(n) : undefined
}

/** A token as platforms send it: a non-empty string, or nothing usable. */
export const tokenOf = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined

/**
 * `expires_in` and its kin: optional, and any unusable value decodes to undefined instead
 * of failing the answer.
 */
export const Seconds = Schema.optional(
  Schema.transform(Schema.Unknown, Schema.UndefinedOr(Schema.Number), {
    strict: true,
    decode: secondsOf,
    encode: (n) => n
  })
)

/** A secret field: a non-empty string becomes Redacted; anything else decodes to undefined. */
export const Token = Schema.optional(
  Schema.transform(Schema.Unknown, Schema.UndefinedOr(Schema.Redacted(Schema.String)), {
    strict: true,
    decode: tokenOf,
    encode: (s) => s
  })
)

/** A field herald only reports on (`scope`, `token_type`, `open_id`): whatever JSON it holds. */
export const Loose = Schema.optional(Schema.Unknown)

/** The fields every OAuth 2.0 token answer may carry (RFC 6749 §5.1), read leniently. */
export const tokenAnswerFields = {
  access_token: Token,
  refresh_token: Token,
  expires_in: Seconds,
  token_type: Loose,
  scope: Loose
} as const

export const TokenAnswer = Schema.Struct(tokenAnswerFields)
export type TokenAnswer = typeof TokenAnswer.Type

/**
 * What must be journaled the moment a 2xx answer arrives: its refresh token (and the
 * access token beside it), read straight from the raw body. Nothing when the body carries
 * no usable refresh token.
 */
export const securable = (body: unknown): { refresh_token: Redacted.Redacted<string>; access_token?: Redacted.Redacted<string> } | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const fields = body as Record<string, unknown>
  const refresh = tokenOf(fields["refresh_token"])
  if (refresh === undefined) return undefined
  const access = tokenOf(fields["access_token"])
  return access === undefined
    ? { refresh_token: Redacted.make(refresh) }
    : { refresh_token: Redacted.make(refresh), access_token: Redacted.make(access) }
}

/**
 * What the report should say about fields that were not as the standard has them; the
 * answer is used all the same. `token_type` is compared case-insensitively (RFC 6749 §5.1).
 */
export const answerWarnings = (answer: Pick<TokenAnswer, "access_token" | "expires_in" | "token_type">): ReadonlyArray<string> => {
  const out: Array<string> = []
  if (answer.access_token === undefined) out.push("the answer carried no usable access token")
  else if (answer.expires_in === undefined) out.push("the answer gave no usable expires_in, so the access token's expiry is unknown")
  const type = answer.token_type
  if (type !== undefined && type !== null && !(typeof type === "string" && type.toLowerCase() === "bearer")) {
    out.push(`its token_type is ${typeof type === "string" ? JSON.stringify(type.slice(0, 20)) : `a ${typeof type}`}, not bearer`)
  }
  return out
}

/** What a refresh grant's answer means for the stored tokens (the merge rule, PROVIDERS.md). */
export interface RefreshResult {
  /** a refresh token came back that differs from the one sent */
  readonly rotated: boolean
  readonly secrets: { refresh_token?: Redacted.Redacted<string>; access_token?: Redacted.Redacted<string> }
  readonly accessExpires: Option.Option<DateTime.Utc>
  readonly warnings: ReadonlyArray<string>
}

/**
 * Pure: the merge rule for every platform. A new refresh token replaces the old one; the
 * same one echoed back, or none, keeps it. An answer with neither token is undefined: the
 * caller says the platform answered without a token.
 */
export const refreshResult = (
  now: DateTime.Utc,
  answer: TokenAnswer,
  sent: Option.Option<Redacted.Redacted<string>>
): RefreshResult | undefined => {
  const refresh = answer.refresh_token
  const rotated = refresh !== undefined && !(Option.isSome(sent) && Redacted.value(sent.value) === Redacted.value(refresh))
  if (!rotated && answer.access_token === undefined) return undefined
  return {
    rotated,
    secrets: {
      ...(rotated ? { refresh_token: refresh } : {}),
      ...(answer.access_token !== undefined ? { access_token: answer.access_token } : {})
    },
    accessExpires: answer.access_token !== undefined && answer.expires_in !== undefined
      ? Option.some(plusSeconds(now, answer.expires_in))
      : Option.none(),
    warnings: answerWarnings(answer)
  }
}
