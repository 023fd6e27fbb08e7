/** What `herald auth verify` says about each connection's current access token. */
import * as Schema from "effect/Schema"

/**
 * `ok`: the platform accepted the token. `expired`: it refused it and the token's time is
 * up. `invalid`: it refused it for another reason (revoked, wrong, never valid).
 * `unavailable`: herald could not tell (no token, network, a scope the check needs).
 */
export const Health = Schema.Literal("ok", "expired", "invalid", "unavailable")
export type Health = typeof Health.Type

export const Verification = Schema.Struct({
  platform: Schema.String,
  account: Schema.String,
  health: Health,
  /** the token's expiry, when known */
  expiresAt: Schema.optional(Schema.String),
  detail: Schema.String
})
export type Verification = typeof Verification.Type

export const VerifyReport = Schema.Struct({
  /** connections that are not `ok` */
  attention: Schema.Number,
  statuses: Schema.Array(Verification)
})
export type VerifyReport = typeof VerifyReport.Type

export const makeVerifyReport = (statuses: ReadonlyArray<Verification>): VerifyReport => ({
  attention: statuses.filter((s) => s.health !== "ok").length,
  statuses
})
