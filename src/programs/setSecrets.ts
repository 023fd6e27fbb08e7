/**
 * `herald auth set <platform>`: store secrets a human already has (a token generated in a
 * developer portal, an app secret) through the configured write-back backend. Values come
 * from stdin (`KEY=value` lines) or a hidden prompt, never from argv, where `ps` and the
 * shell history would see them.
 */
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { UsageError } from "../domain/errors.js"
import type { MetadataKey } from "../domain/Plan.js"
import { appCredentialKeys, connectionLabel, type PlatformId, type SecretKey } from "../domain/Platform.js"
import type { AppCredentials } from "../platforms/login/flow.js"
import { appCredentialsFor } from "../platforms/login/registry.js"
import { descriptorOf } from "../platforms/registry.js"
import { parseExpiry, parseSecretLines } from "../platforms/login/secretLines.js"
import { connectionFor, disabledNote } from "../platforms/login/target.js"
import { AppConfig } from "../services/AppConfig.js"
import { Refreshers } from "../services/Refreshers.js"
import { Secrets } from "../services/Secrets.js"
import { WriteBack } from "../services/WriteBack.js"
import { missingExpiryWarning, nextCommand, recordInConfig, shadowWarnings, summaryLines } from "./onboarding.js"
import { lockForUserWrite, supersedeJournal } from "./userWrite.js"

export interface SetOptions {
  readonly platform: PlatformId
  readonly account: string
  /** `access_token_expires_at`: RFC 3339 or a span such as 60d */
  readonly expiresAt: Option.Option<string>
  readonly refreshExpiresAt: Option.Option<string>
  readonly configFlag: Option.Option<string>
}

/** Where the values come from; chosen by the CLI (stdin when it is not a terminal, else a prompt). */
export type SecretSource =
  | { readonly _tag: "Lines"; readonly text: string }
  | { readonly _tag: "Prompted"; readonly secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>> }

/**
 * Pure: the keys `auth set` takes for a platform (its app credentials, or a built-in
 * platform's id): the app's credentials first, then what a refresh reads.
 */
export const settableKeys = (
  app: AppCredentials | PlatformId,
  refresherKeys: ReadonlyArray<SecretKey>
): ReadonlyArray<SecretKey> => {
  const credentials = typeof app === "string" ? descriptorOf(app)?.appCredentials : app
  // not a built-in id: a generic provider's client
  const { id, secret } = credentials ?? { id: "client_id", secret: "client_secret" }
  return [...new Set([id, secret, ...refresherKeys.filter((k) => appCredentialKeys.has(k)), ...refresherKeys])]
}

export const setSecrets = <E, R>(
  options: SetOptions,
  readSource: (label: string, keys: ReadonlyArray<SecretKey>) => Effect.Effect<SecretSource, E, R>
) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const connection = connectionFor(app.config, options.platform, options.account)
    const label = connectionLabel(connection)
    const credentials = yield* Either.mapLeft(appCredentialsFor(connection), (reason) => new UsageError({ reason }))
    const keys = settableKeys(credentials, (yield* Refreshers).get(options.platform).secretKeys)
    const now = yield* DateTime.now
    const usage = (reason: string) => Effect.fail(new UsageError({ reason }))

    const fromFlag = (key: MetadataKey, flag: Option.Option<string>) =>
      Option.match(flag, {
        onNone: () => Either.right<Partial<Record<MetadataKey, string>>>({}),
        onSome: (text) =>
          Either.mapBoth(parseExpiry(text, now), {
            onLeft: (why) =>
              `${key === "access_token_expires_at" ? "--expires-at" : "--refresh-token-expires-at"} ${text}: ${why}`,
            onRight: (at) => ({ [key]: at })
          })
      })
    const flags = Either.all([
      fromFlag("access_token_expires_at", options.expiresAt),
      fromFlag("refresh_token_expires_at", options.refreshExpiresAt)
    ])
    if (Either.isLeft(flags)) return yield* usage(flags.left)

    const source = yield* readSource(label, keys)
    const input = source._tag === "Lines"
      ? parseSecretLines(source.text, connection, keys, now)
      : Either.right({ secrets: source.secrets, metadata: {} })
    if (Either.isLeft(input)) {
      return yield* usage(`nothing was stored; the input has problems:\n  ${input.left.join("\n  ")}`)
    }
    const secrets = input.right.secrets
    // the flags win over lines: they are the more deliberate of the two
    const metadata = { ...input.right.metadata, ...flags.right[0], ...flags.right[1] }
    const stored = Object.keys(secrets) as Array<SecretKey>
    // metadata alone is fine: a date for a token that is already stored
    if (stored.length === 0 && Object.keys(metadata).length === 0) {
      return yield* usage(
        `no secrets given for ${label}: pipe KEY=value lines on stdin ` +
          `(e.g. printf 'access_token=%s\\n' "$TOKEN" | herald auth set ${label}), or run it in a terminal to be asked; ` +
          `keys: ${keys.join(", ")}`
      )
    }

    const writeBack = yield* WriteBack
    // no refresh may rotate this connection while the user's value is being stored
    yield* lockForUserWrite
    const bag = yield* (yield* Secrets).lookup(connection, stored)
    yield* writeBack.preflight(connection, stored)
    const persisted = yield* writeBack.persist(connection, { secrets, metadata })
    const superseded = yield* supersedeJournal(connection, stored)
    const id = credentials.id
    const unlisted = yield* recordInConfig({
      config: app.config,
      connection,
      metadata,
      persisted,
      appId: Option.map(Option.fromNullable(secrets[id]), (v) => ({ key: id, value: Redacted.value(v) }))
    })
    const warnings = [
      ...(writeBack.shadowedByEnvironment ? shadowWarnings(connection, bag, stored) : []),
      ...Option.toArray(unlisted),
      ...Option.toArray(disabledNote(app.config, options.platform)),
      ...Option.toArray(missingExpiryWarning(connection, stored, metadata))
    ]
    yield* Console.log(
      [
        stored.length === 0
          ? `Recorded the expiry for ${label}.`
          : `Stored ${stored.length} secret${stored.length === 1 ? "" : "s"} for ${label}.`,
        ...summaryLines(stored, persisted, metadata, []),
        ...(superseded !== undefined ? [`  ${superseded}`] : []),
        ...warnings.map((w) => `  warning: ${w}`),
        `next: ${nextCommand("status", connection, options.configFlag)}`
      ].join("\n")
    )
  }).pipe(Effect.scoped)
