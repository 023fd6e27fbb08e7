/**
 * What `auth login` and `auth set` share once they hold new secrets: storing them through
 * the configured write-back backend, recording expiry metadata in the config file (and
 * listing the connection there, so the next refresh sees it), and a summary that names
 * what was stored and where — never a value.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type HeraldConfig, sectionOf } from "../domain/Config.js"
import type { Connection } from "../domain/Connection.js"
import type { Outcome } from "../domain/Plan.js"
import { connectionLabel, envName, type SecretKey } from "../domain/Platform.js"
import { isListed, registrationEdits } from "../platforms/login/target.js"
import { ConfigStore, editsFor } from "../services/ConfigStore.js"
import type { Persisted } from "../services/WriteBack.js"
import type { SecretBag } from "../services/Secrets.js"
import { descriptorOf } from "../platforms/registry.js"

/** Pure: a value read from the environment hides what a local write-back stores. */
export const shadowWarnings = (connection: Connection, bag: SecretBag, stored: ReadonlyArray<SecretKey>): ReadonlyArray<string> =>
  stored.flatMap((key) =>
    Option.match(bag.resolved(key), {
      onNone: () => [],
      onSome: (r) =>
        r.source === "env"
          ? [`${envName(connection, key)} is set in the environment and hides the value just stored; unset it`]
          : []
    })
  )

/** Pure: the command to run next, with --config when the user named the file that way. */
export const nextCommand = (verb: string, connection: Connection, configFlag: Option.Option<string>): string =>
  `herald auth ${verb} ${connectionLabel(connection)}` +
  Option.match(configFlag, { onNone: () => "", onSome: (f) => ` --config ${/[\s'"$`\\]/.test(f) ? JSON.stringify(f) : f}` })

/** Pure: the summary lines; names, places and dates only. */
export const summaryLines = (
  stored: ReadonlyArray<string>,
  persisted: Persisted,
  metadata: Outcome["metadata"],
  notes: ReadonlyArray<string>
): ReadonlyArray<string> => [
  ...(stored.length > 0 ? [`  stored ${stored.join(", ")}: ${persisted.where}`] : []),
  ...Object.entries(metadata).map(([k, v]) => `  ${k}: ${v}`),
  ...notes.map((n) => `  note: ${n}`),
  ...persisted.warnings.map((w) => `  warning: ${w}`)
]

/**
 * After the secrets are stored: the expiry metadata into the config file whatever the
 * backend (the local backend has written it already; writing the same value again is
 * harmless, and other backends do not write the file at all), plus the app id when
 * nothing else would list a new connection. Returns a note when the connection is still
 * not listed.
 */
export const recordInConfig = (args: {
  readonly config: HeraldConfig
  readonly connection: Connection
  readonly metadata: Outcome["metadata"]
  readonly persisted: Persisted
  readonly appId: Option.Option<{ readonly key: SecretKey; readonly value: string }>
}) =>
  Effect.gen(function*() {
    const store = yield* ConfigStore
    const metadataEdits = editsFor(args.connection, args.metadata)
    const inFile = metadataEdits.length > 0 || args.persisted.storedIn === "config-file"
    const register = registrationEdits(args.config, args.connection, args.appId, inFile)
    yield* store.apply([...register, ...metadataEdits], { secret: false })
    const listed = isListed(args.config, args.connection) || inFile || register.length > 0
    return listed || sectionOf(args.config, args.connection.platform)?.enabled === false
      ? Option.none<string>()
      : Option.some(
        `${store.file} does not list ${connectionLabel(args.connection)} yet, so herald auth refresh will not see it: ` +
          `add it under ${args.connection.configPath.join(".")} (an empty entry is enough)`
      )
  })

/**
 * An access token that cannot be refreshed (LinkedIn's, for standard apps) has its expiry
 * as the whole alert. Stored without one, herald cannot say when to re-authorise: say so,
 * and how to give it (the platform's `accessExpiryNeeded`).
 */
export const missingExpiryWarning = (
  connection: Connection,
  stored: ReadonlyArray<SecretKey>,
  metadata: Readonly<Record<string, string | undefined>>
): Option.Option<string> =>
  stored.includes("access_token") &&
    metadata["access_token_expires_at"] === undefined && connection.settings.access_token_expires_at === undefined
    ? Option.fromNullable(descriptorOf(connection.platform)?.accessExpiryNeeded)
    : Option.none()
