/** The one boundary where typed errors become report statuses (DESIGN §3). Pure. */
import * as DateTime from "effect/DateTime"
import { now } from "../domain/clock.js"
import type { Connection } from "../domain/Connection.js"
import type { ConnectionError } from "../domain/errors.js"
import { connectionLabel, envName } from "../domain/Platform.js"
import type { Status } from "../domain/Status.js"
import { formatInstant } from "../platforms/policy.js"
import { descriptorOf } from "../platforms/registry.js"

/** The app credentials to check, by their env names: the platform's own (TikTok's client key), else a generic client's. */
const credentialNames = (c: Connection): string => {
  const app = descriptorOf(c.platform)?.appCredentials ?? { id: "client_id", secret: "client_secret" }
  return `${envName(c, app.id)} / ${envName(c, app.secret)}`
}

/**
 * `kept`: what became of a new refresh token the platform's answer carried, where it was
 * journaled before the failure (refreshOne) — said instead of "the token was not changed".
 */
export const statusOfError = (c: Connection, error: ConnectionError, now: DateTime.Utc, kept?: string): Status => {
  const status = statusOnly(c, error, now)
  if (kept === undefined) return status
  return error._tag === "MalformedResponse"
    ? { ...status, detail: `${c.platform} rotated the refresh token, but ${error.reason.replace(/^unexpected answer: /, "the rest of its answer is unreadable: ")}; ${kept}` }
    : { ...status, detail: `${status.detail}; ${kept}` }
}

const statusOnly = (c: Connection, error: ConnectionError, now: DateTime.Utc): Status => {
  const base = { platform: c.platform, account: c.account, alert: true } as const
  const label = connectionLabel(c)
  switch (error._tag) {
    case "SecretMissing":
      return {
        ...base,
        action: "failed",
        detail: `${error.key} is not set: set ${error.tried[0]?.replace(/ \(environment\)$/, "") ?? error.key}, ` +
          `or store it in the keychain or the config file (tried ${error.tried.join(", ")})`
      }
    case "SecretUnreadable":
      return {
        ...base,
        action: "failed",
        detail: `${error.key} could not be read from ${error.store} (${error.reason}); nothing was sent to ${c.platform} ` +
          `and the stored token was not changed: the next run tries again (if this repeats, run herald doctor)`
      }
    case "RefreshRejected":
      return {
        ...base,
        action: "reauth-required",
        reauthBy: formatInstant(now),
        detail: `${c.platform} rejected the token (${error.reason}); run herald auth login ${label}`
      }
    case "ClientRejected":
      return {
        ...base,
        action: "failed",
        detail: `${c.platform} rejected the app's client credentials (${error.reason}); check ${credentialNames(c)}`
      }
    case "ProviderUnavailable":
      return {
        ...base,
        action: "failed",
        detail: `${c.platform} did not answer usefully: ${error.reason}; the stored token was not changed and may still be fine: ` +
          `the next run tries again (if this repeats, run herald doctor --online)`
      }
    case "MalformedResponse":
      return {
        ...base,
        action: "failed",
        detail: error.mayHaveSpent === true
          ? `${c.platform} accepted the refresh but ${error.reason}, and no new refresh token could be read from it: ` +
            `the token herald sent may be spent. If the next run reports it rejected, run herald auth login ${label}`
          : `${c.platform} ${error.reason}; the stored token was not changed ` +
            `(check platforms.${c.platform}.endpoints in the config: a proxy or a wrong URL answers like this)`
      }
    case "AnswerLost":
      return {
        ...base,
        action: "failed",
        detail: `the answer to the refresh was lost (${error.reason}): ${c.platform} may have rotated the refresh token ` +
          `and sent the only copy of the new one in that answer. herald did not send the token again in this run ` +
          `(a re-sent single-use token can get the whole grant revoked). The next run tries the stored token once: ` +
          `if ${c.platform} accepts it, nothing was lost; if it refuses it, run herald auth login ${label}`
      }
    case "PreflightFailed":
      return { ...base, action: "skipped", detail: `nothing rotated: ${error.reason}` }
    case "WriteBackFailed":
      return {
        ...base,
        action: "failed",
        detail: `the new token could not be stored (${error.reason})` +
          (error.recoveryPath !== undefined
            ? `; it is safe in ${error.recoveryPath}: fix the store and run herald auth recover`
            : `; herald could not keep it anywhere, so the old token may no longer work: run herald auth login ${label}`),
        ...(error.recoveryPath !== undefined ? { storedIn: "recovery-file" } : {})
      }
  }
}

export const nowUtc = now
