/** The platforms herald knows, and the names their secrets go by (DESIGN §1 "Secrets"). */

/**
 * A built-in platform's id (platforms/registry.ts lists them), or the id of a generic
 * OAuth 2.0 provider the config defines (`platforms.<id>.type: oauth2`, DESIGN §1).
 */
export type PlatformId = string

/** What a generic provider's id may look like: it becomes env names, keychain accounts and config keys. */
export const GENERIC_ID = /^[a-z][a-z0-9_-]*$/

/** A name that can denote a platform: every built-in id and every generic provider's id has this shape. */
export const isPlatformId = (s: string): s is PlatformId => GENERIC_ID.test(s)

/** Every secret key any platform reads; lower case, as in the keychain and the config file. */
export const secretKeys = [
  "access_token",
  "refresh_token",
  "client_id",
  "client_key",
  "client_secret",
  "app_id",
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
export const appCredentialKeys: ReadonlySet<SecretKey> = new Set(["client_id", "client_key", "client_secret", "app_id", "app_secret"])

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
