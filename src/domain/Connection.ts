/** Connections (enabled platforms × accounts) and TARGET selection: pure. */
import * as Either from "effect/Either"
import {
  type AccountSettings,
  type AnySection,
  builtinIdsOf,
  type GenericProvider,
  genericIdsOf,
  type HeraldConfig,
  isWritten,
  sectionOf
} from "./Config.js"
import { UsageError } from "./errors.js"
import { type ConnectionId, connectionLabel, DEFAULT_ACCOUNT, isPlatformId, type PlatformId } from "./Platform.js"

export interface Connection extends ConnectionId {
  /** The platform's keys with the account's overrides on top (endpoints merged per name). */
  readonly settings: AccountSettings
  /** Where this connection's keys live in the config file. */
  readonly configPath: ReadonlyArray<string>
  /** A generic OAuth 2.0 provider's own keys (`type: oauth2`, `client_auth`, …); absent for a built-in platform. */
  readonly provider?: GenericProvider
}

/** Pure: a section's generic-provider keys, when it has `type: oauth2`. */
export const providerOf = (section: AnySection): GenericProvider | undefined => {
  if (section.type !== "oauth2") return undefined
  const { type, client_auth, scopes, authorize_params, pkce } = section
  return {
    type,
    ...(client_auth !== undefined ? { client_auth } : {}),
    ...(scopes !== undefined ? { scopes } : {}),
    ...(authorize_params !== undefined ? { authorize_params } : {}),
    ...(pkce !== undefined ? { pkce } : {})
  }
}

const mergeSettings = (base: AnySection, over: AccountSettings | null): AccountSettings => {
  const {
    accounts: _accounts,
    enabled: _enabled,
    type: _type,
    client_auth: _clientAuth,
    scopes: _scopes,
    authorize_params: _authorizeParams,
    pkce: _pkce,
    ...platformLevel
  } = base
  if (over === null) return platformLevel
  // user tokens and their metadata belong to one account: never inherit them
  const {
    access_token: _a,
    refresh_token: _r,
    access_token_expires_at: _ae,
    refresh_token_expires_at: _re,
    ...inheritable
  } = platformLevel
  const endpoints = { ...inheritable.endpoints, ...over.endpoints }
  return { ...inheritable, ...over, ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}) }
}

/**
 * Every enabled connection, in platform order then account order (default first): the
 * built-in platforms first (a decoded config lists them in the registry's order), then the
 * generic providers in file order.
 */
export const connectionsOf = (config: HeraldConfig): ReadonlyArray<Connection> => {
  const known = connectionsMemo.get(config)
  if (known !== undefined) return known
  const out = connectionsOfNew(config)
  connectionsMemo.set(config, out)
  return out
}

/**
 * A loaded config's connections are asked for by its validation, by distribution's checks
 * and by the snapshot (a config and its connections are immutable): built once per config
 * value, not once per asker — for 5,000 accounts each build is thousands of merged settings.
 */
const connectionsMemo = new WeakMap<HeraldConfig, ReadonlyArray<Connection>>()

const connectionsOfNew = (config: HeraldConfig): ReadonlyArray<Connection> => {
  const out: Array<Connection> = []
  // `auth.timeout_seconds` is the default a platform's own `timeout_seconds` overrides
  const globalTimeout = config.auth?.timeout_seconds
  const withTimeout = (settings: AccountSettings): AccountSettings =>
    settings.timeout_seconds === undefined && globalTimeout !== undefined
      ? { ...settings, timeout_seconds: globalTimeout }
      : settings
  for (const platform of [...builtinIdsOf(config), ...genericIdsOf(config)]) {
    if (!isWritten(config, platform)) continue
    const section: AnySection = sectionOf(config, platform) ?? {}
    if (section.enabled === false) continue
    const provider = providerOf(section)
    const extra = provider !== undefined ? { provider } : {}
    out.push({
      platform,
      account: DEFAULT_ACCOUNT,
      settings: withTimeout(mergeSettings(section, null)),
      configPath: ["platforms", platform],
      ...extra
    })
    for (const [account, over] of Object.entries(section.accounts ?? {})) {
      out.push({
        platform,
        account,
        settings: withTimeout(mergeSettings(section, over ?? {})),
        configPath: ["platforms", platform, "accounts", account],
        ...extra
      })
    }
  }
  return out
}

/** The URL a connection calls for `name`: its config override, else the platform's default. */
export const endpointOf = (connection: Connection, name: string, fallback: string): string =>
  connection.settings.endpoints?.[name] ?? fallback

/** Every endpoint a connection calls: the platform's defaults, each replaced by its override, and any other override. */
export const allEndpointsOf = (
  connection: Connection,
  defaults: Readonly<Record<string, string>>
): Readonly<Record<string, string>> => {
  const all: Record<string, string> = {}
  for (const name of new Set([...Object.keys(defaults), ...Object.keys(connection.settings.endpoints ?? {})])) {
    all[name] = endpointOf(connection, name, defaults[name] ?? "")
  }
  return all
}

export type Target =
  | { readonly _tag: "All" }
  | { readonly _tag: "Platform"; readonly platform: PlatformId }
  | { readonly _tag: "Account"; readonly platform: PlatformId; readonly account: string }

/**
 * `platform` or `platform:account`, as every command names a connection (trimmed). A
 * leading `-` is an option the command does not know (an optional text argument swallows
 * unknown flags); anything else that is not a known platform gets `unknown(text)`.
 */
export const parseConnectionName = (
  raw: string,
  command: string,
  unknown: (text: string) => string
): Either.Either<{ readonly platform: PlatformId; readonly account: string | undefined }, UsageError> => {
  const text = raw.trim()
  if (text.startsWith("-")) {
    return Either.left(new UsageError({ reason: `unknown option '${text}'; see 'herald auth ${command} --help'` }))
  }
  const [platform, account, ...rest] = text.split(":")
  if (platform === undefined || !isPlatformId(platform) || rest.length > 0 || account === "") {
    return Either.left(new UsageError({ reason: unknown(text) }))
  }
  return Either.right({ platform, account })
}

/** `builtins`: the built-in platform ids (platforms/registry.ts), named when a target is not understood. */
export const parseTarget = (raw: string | undefined, builtins: ReadonlyArray<string>): Either.Either<Target, UsageError> => {
  const text = (raw ?? "all").trim()
  if (text === "all" || text === "") return Either.right({ _tag: "All" })
  return Either.map(
    parseConnectionName(text, "refresh", (t) =>
      `unknown target '${t}': expected 'all', a platform (${builtins.join(", ")}, or a generic provider's id) or platform:account (e.g. x:brand)`),
    ({ account, platform }): Target => (account === undefined ? { _tag: "Platform", platform } : { _tag: "Account", platform, account })
  )
}

/**
 * The connections a target names; naming something that is not configured is a usage
 * error. `builtins`: the built-in platform ids, to tell a platform left out of the file from
 * a generic provider that was never defined.
 */
export const selectConnections = (
  all: ReadonlyArray<Connection>,
  target: Target,
  file: string,
  builtins: ReadonlyArray<string>
): Either.Either<ReadonlyArray<Connection>, UsageError> => {
  switch (target._tag) {
    case "All":
      return Either.right(all)
    case "Platform": {
      const found = all.filter((c) => c.platform === target.platform)
      return found.length > 0
        ? Either.right(found)
        : Either.left(
          new UsageError({
            reason: builtins.includes(target.platform)
              ? `${target.platform} is not configured (or not enabled) in ${file}`
              : `${target.platform} is not configured (or not enabled) in ${file}; it is not a built-in platform ` +
                `(${builtins.join(", ")}): a generic OAuth 2.0 provider needs platforms.${target.platform} with type: oauth2 and endpoints.token`
          })
        )
    }
    case "Account": {
      const found = all.filter((c) => c.platform === target.platform && c.account === target.account)
      return found.length > 0
        ? Either.right(found)
        : Either.left(
          new UsageError({
            reason: `${connectionLabel(target)} is not configured in ${file}: add platforms.${target.platform}.accounts.${target.account}`
          })
        )
    }
  }
}
