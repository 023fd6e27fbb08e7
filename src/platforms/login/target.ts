/**
 * The one connection `auth login` / `auth set` works on. Unlike a refresh it may name a
 * platform or account the config file does not list yet: onboarding is how it gets there.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { type HeraldConfig, sectionOf } from "../../domain/Config.js"
import { type Connection, connectionsOf, parseConnectionName } from "../../domain/Connection.js"
import { UsageError } from "../../domain/errors.js"
import { DEFAULT_ACCOUNT, type PlatformId, type SecretKey } from "../../domain/Platform.js"
import { type ConfigEdit, editsFor } from "../../services/ConfigStore.js"
import { isBuiltinPlatform, platformIds } from "../registry.js"

const ACCOUNT = /^[a-z0-9][a-z0-9_-]*$/i

/**
 * Pure: `tiktok`, `x:brand`, or `x` with `--account brand`. `generic` are the generic
 * providers the config defines: one must be defined (its endpoints) before a login.
 */
export const parseLoginTarget = (
  raw: string,
  accountFlag: Option.Option<string>,
  command: string,
  generic: ReadonlyArray<string> = []
): Either.Either<{ readonly platform: PlatformId; readonly account: string }, UsageError> => {
  const usage = (reason: string) => Either.left(new UsageError({ reason }))
  const unknownPlatform = (text: string) =>
    `unknown platform '${text}': expected one of ${[...platformIds, ...generic].join(", ")} (or platform:account); ` +
    "a generic OAuth 2.0 provider is first defined in the config (platforms.<id> with type: oauth2 and endpoints)"
  const named = parseConnectionName(raw, command, unknownPlatform)
  if (Either.isLeft(named)) return Either.left(named.left)
  const { account: inline, platform } = named.right
  // a generic id is a platform only once the config defines it
  if (!(isBuiltinPlatform(platform) || generic.includes(platform))) return usage(unknownPlatform(raw.trim()))
  const flag = Option.getOrUndefined(accountFlag)
  if (inline !== undefined && flag !== undefined && inline !== flag) {
    return usage(`two accounts given ('${inline}' and --account ${flag}); give one`)
  }
  const account = inline ?? flag ?? DEFAULT_ACCOUNT
  if (!ACCOUNT.test(account)) return usage(`account '${account}': account names are letters, digits, '-' and '_'`)
  return Either.right({ platform, account })
}

/**
 * Pure: the connection as a refresh would see it once the config lists it — a disabled or
 * missing platform and a missing account are filled in, with the platform's keys (app ids,
 * endpoints) inherited exactly as `connectionsOf` does.
 */
export const connectionFor = (config: HeraldConfig, platform: PlatformId, account: string): Connection => {
  const section = sectionOf(config, platform) ?? {}
  const accounts = section.accounts ?? {}
  const listed: HeraldConfig = {
    platforms: {
      [platform]: {
        ...section,
        enabled: true,
        ...(account === DEFAULT_ACCOUNT ? {} : { accounts: { ...accounts, [account]: accounts[account] ?? {} } })
      }
    }
  }
  const found = connectionsOf(listed).find((c) => c.platform === platform && c.account === account)
  // connectionsOf lists every account of an enabled platform; absence is a bug here
  if (found === undefined) throw new Error(`connectionFor: ${platform}:${account} not derived`)
  return found
}

/** Pure: is the connection listed (and enabled), so that `auth refresh` will see it? */
export const isListed = (config: HeraldConfig, connection: Connection): boolean =>
  connectionsOf(config).some((c) => c.platform === connection.platform && c.account === connection.account)

/**
 * Pure: the edit that makes the config list a connection it does not list yet, when
 * nothing else written to the file would (a keychain holds the secrets and there is no
 * expiry to record): the app's id, which is not a secret and lives in the config anyway
 * (DESIGN §1: "non-secret app ids live in config"). Config edits carry strings only, so
 * this is the one value that can stand for "this connection exists".
 */
export const registrationEdits = (
  config: HeraldConfig,
  connection: Connection,
  appId: Option.Option<{ readonly key: SecretKey; readonly value: string }>,
  metadataWritten: boolean
): ReadonlyArray<ConfigEdit> =>
  isListed(config, connection) || metadataWritten || sectionOf(config, connection.platform)?.enabled === false
    ? []
    : Option.match(appId, {
      onNone: () => [],
      onSome: (id) => editsFor(connection, { [id.key]: id.value })
    })

/** Pure: what to say when the platform is switched off in the config. */
export const disabledNote = (config: HeraldConfig, platform: PlatformId): Option.Option<string> =>
  sectionOf(config, platform)?.enabled === false
    ? Option.some(`platforms.${platform}.enabled is false: herald auth refresh skips ${platform} until you set it to true`)
    : Option.none()
