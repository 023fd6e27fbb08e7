/**
 * `herald auth token TARGET`: the access token a posting script should use now — one
 * connection's, from wherever herald keeps it (environment → keychain or pass → config),
 * and only while it is still valid by the expiry herald recorded.
 */
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { SecretUnreadable, UsageError } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import type { AppConfig } from "../services/AppConfig.js"
import { Refreshers } from "../services/Refreshers.js"
import { Secrets } from "../services/Secrets.js"
import { oneConnection } from "./oneConnection.js"

/** The connection is there, but has no usable access token: a human (or a refresh) must act. */
export class NoAccessToken extends Data.TaggedError("NoAccessToken")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

export interface CurrentToken {
  readonly platform: string
  readonly account: string
  readonly value: Redacted.Redacted<string>
  /** the expiry herald recorded, if any */
  readonly expiresAt?: string
}

export const accessToken = (
  target: string
): Effect.Effect<CurrentToken, UsageError | NoAccessToken | SecretUnreadable, AppConfig | Secrets | Refreshers> =>
  Effect.gen(function*() {
    const connection = yield* oneConnection(target, "token")
    const label = connectionLabel(connection)
    const refresher = (yield* Refreshers).get(connection.platform)
    if (!refresher.secretKeys.includes("access_token")) {
      return yield* Effect.fail(
        new NoAccessToken({
          reason: `${label} keeps no access token: herald checks its refresh token each run, and a posting tool mints its own access token from it`
        })
      )
    }
    const bag = yield* (yield* Secrets).lookup(connection, ["access_token"])
    const token = bag.get("access_token")
    if (Option.isNone(token)) {
      return yield* Effect.fail(
        new NoAccessToken({
          reason: `${label} has no access token (tried ${bag.tried("access_token").join(", ")}): run herald auth refresh ${label}, or herald auth login ${label}`
        })
      )
    }
    const expiresAt = connection.settings.access_token_expires_at
    if (expiresAt !== undefined) {
      const now = yield* DateTime.now
      if (DateTime.toEpochMillis(now) >= Date.parse(expiresAt)) {
        return yield* Effect.fail(
          new NoAccessToken({
            reason: `${label}'s access token expired at ${expiresAt}: run herald auth refresh ${label} (or herald auth login ${label}) for a new one`
          })
        )
      }
    }
    return {
      platform: connection.platform,
      account: connection.account,
      value: token.value,
      ...(expiresAt === undefined ? {} : { expiresAt })
    }
  })
