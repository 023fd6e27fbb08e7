/**
 * Token introspection (RFC 7662): `active`, and the expiry as `exp` (seconds since the
 * epoch). LinkedIn's variant says `expires_at` and may add a `status`; both are read here,
 * so every caller gets the same reading.
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"

const Epoch = Schema.optional(
  Schema.transform(Schema.Unknown, Schema.UndefinedOr(Schema.Number), {
    strict: true,
    // a plausible epoch in seconds; anything else is an unknown expiry, not a broken answer
    decode: (v) => {
      const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN
      return Number.isFinite(n) && n > 0 && n < 1e11 ? Math.floor(n) : undefined
    },
    encode: (n) => n
  })
)

export const IntrospectionAnswer = Schema.Struct({
  active: Schema.Boolean,
  status: Schema.optional(Schema.String),
  exp: Epoch,
  expires_at: Epoch
})
export type IntrospectionAnswer = typeof IntrospectionAnswer.Type

/** Pure: the token's expiry the answer states (`exp`, else `expires_at`). */
export const introspectedExpiry = (answer: IntrospectionAnswer): Option.Option<DateTime.Utc> => {
  const at = answer.exp ?? answer.expires_at
  return at === undefined ? Option.none() : DateTime.make(at * 1000).pipe(Option.map(DateTime.toUtc))
}

