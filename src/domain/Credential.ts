/**
 * herald's own CI credentials (GITLAB_TOKEN, the GitHub token) are connections too (DESIGN
 * §1 "Essential and optional secrets"): once one has expired, no rotated token can be
 * written back, so its expiry is reported and alerted like a re-auth date. Pure.
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import type { Status } from "./Status.js"

export interface OwnCredential {
  /** the backend it belongs to ("gitlab", "github"): the status's platform */
  readonly backend: string
  /** the variable it was read from ("GITLAB_TOKEN", "HERALD_GITHUB_TOKEN"): the status's account */
  readonly name: string
  /** RFC 3339; undefined when the service does not say (a token that never expires, an app token) */
  readonly expiresAt: string | undefined
  /** what to do before it expires, one sentence */
  readonly renew: string
}

export const DEFAULT_CREDENTIAL_WARN_DAYS = 14

const DAY_MS = 86_400_000

/** The status row of a credential with a known expiry, or undefined when none is known. */
export const credentialStatus = (credential: OwnCredential, now: DateTime.Utc, warnDays: number): Status | undefined => {
  if (credential.expiresAt === undefined) return undefined
  const at = Option.getOrUndefined(DateTime.make(credential.expiresAt))
  if (at === undefined) return undefined
  const iso = DateTime.formatIso(DateTime.toUtc(at)).replace(/\.\d{3}Z$/, "Z")
  const day = iso.slice(0, 10)
  const left = DateTime.toEpochMillis(at) - DateTime.toEpochMillis(now)
  const days = Math.floor(left / DAY_MS)
  const base = { platform: credential.backend, account: credential.name, expiresAt: iso }
  if (left <= 0) {
    return { ...base, action: "reauth-required", reauthBy: iso, alert: true, detail: `${credential.name} expired on ${day}: no rotated token can be written back; ${credential.renew}` }
  }
  if (days < warnDays) {
    return {
      ...base,
      action: "reauth-required",
      reauthBy: iso,
      alert: true,
      detail: `${credential.name} expires in ${days} day${days === 1 ? "" : "s"} (${day}); before then, ${credential.renew}`
    }
  }
  return { ...base, action: "healthy", alert: false, detail: `${credential.name} expires in ${days} days (${day})` }
}
