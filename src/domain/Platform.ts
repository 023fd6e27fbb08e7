/** The platforms herald knows, and the names their secrets go by (DESIGN §1 "Secrets"). */

export const platformIds = ["instagram", "youtube", "tiktok", "linkedin", "x"] as const
export type BuiltinPlatformId = (typeof platformIds)[number]

/**
 * A built-in platform, or the id of a generic OAuth 2.0 provider the config defines
 * (`platforms.<id>.type: oauth2`, DESIGN §1), for every id that is not built in.
 */
export type PlatformId = BuiltinPlatformId | (string & {})

export const isBuiltinPlatform = (s: string): s is BuiltinPlatformId => (platformIds as ReadonlyArray<string>).includes(s)

/** What a generic provider's id may look like: it becomes env names, keychain accounts and config keys. */
export const GENERIC_ID = /^[a-z][a-z0-9_-]*$/

/** A name that can denote a platform: a built-in one, or a generic provider's id. */
export const isPlatformId = (s: string): s is PlatformId => isBuiltinPlatform(s) || GENERIC_ID.test(s)

/** Every secret key any platform reads; lower case, as in the keychain and the config file. */
export const secretKeys = [
  "access_token",
  "refresh_token",
  "client_id",
  "client_key",
  "client_secret",
  "app_secret"
] as const
export type SecretKey = (typeof secretKeys)[number]

export const isSecretKey = (s: string): s is SecretKey => (secretKeys as ReadonlyArray<string>).includes(s)

/** Non-secret metadata herald writes back next to the tokens. */
export const metadataKeys = ["access_token_expires_at", "refresh_token_expires_at"] as const
export type MetadataKey = (typeof metadataKeys)[number]

/**
 * App credentials identify the platform app, not the user: a further account falls back
 * to the default account's value when it has none of its own. User tokens never fall back
 * (a brand account must never rotate the default account's refresh token).
 */
export const appCredentialKeys: ReadonlySet<SecretKey> = new Set(["client_id", "client_key", "client_secret", "app_secret"])

/**
 * The secrets without which a platform's next run is locked out (DESIGN §1 "Essential and
 * optional secrets"): a rotation needs a write-back target for each of them before it is
 * made. Every other secret a call yields (TikTok's and X's short-lived access tokens) is
 * optional: written where its variable or secret exists, and named in the report where not.
 */
export const essentialSecrets: Readonly<Record<BuiltinPlatformId, ReadonlyArray<SecretKey>>> = {
  // a long-lived access token refreshes itself: it is the only credential there is
  instagram: ["access_token"],
  youtube: ["refresh_token"],
  tiktok: ["refresh_token"],
  linkedin: ["refresh_token"],
  x: ["refresh_token"]
}

/** A generic provider's refresh grant needs its refresh token; the access token it mints is optional. */
export const genericEssentialSecrets: ReadonlyArray<SecretKey> = ["refresh_token"]

export const essentialSecretsOf = (platform: PlatformId): ReadonlyArray<SecretKey> =>
  isBuiltinPlatform(platform) ? essentialSecrets[platform] : genericEssentialSecrets

export const isEssentialSecret = (platform: PlatformId, key: SecretKey): boolean => essentialSecretsOf(platform).includes(key)

export const DEFAULT_ACCOUNT = "default"

/** A connection is one account of one platform. */
export interface ConnectionId {
  readonly platform: PlatformId
  readonly account: string
}

export const connectionLabel = (c: ConnectionId): string =>
  c.account === DEFAULT_ACCOUNT ? c.platform : `${c.platform}:${c.account}`

/** `TIKTOK_REFRESH_TOKEN`, `TIKTOK_BRAND_REFRESH_TOKEN`, `TIKTOK_ACCESS_TOKEN_EXPIRES_AT`. */
export const envName = (c: ConnectionId, key: SecretKey | MetadataKey): string =>
  [c.platform, ...(c.account === DEFAULT_ACCOUNT ? [] : [c.account]), key]
    .join("_")
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, "_")

/** Keychain account: `tiktok/refresh_token`, `tiktok:brand/refresh_token` (service `herald`). */
export const keychainAccount = (c: ConnectionId, key: SecretKey): string => `${connectionLabel(c)}/${key}`

export const KEYCHAIN_SERVICE = "herald"
