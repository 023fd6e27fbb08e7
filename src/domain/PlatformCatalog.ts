/**
 * What the pure core needs to know about the built-in platforms, as a value it is given:
 * the platform list itself lives in platforms/registry.ts, above domain/, and is handed
 * down (validateConfig, connection targets, the config schema) rather than imported.
 */
import type { SecretKey } from "./Platform.js"

/** One built-in platform, as the config schema, validation and the write-back backends see it. */
export interface PlatformDescription {
  readonly id: string
  /** the default URL of each endpoint, by the name `endpoints.<name>` overrides it under */
  readonly endpoints: Readonly<Record<string, string>>
  /**
   * The secrets without which the next run is locked out (DESIGN §1 "Essential and optional
   * secrets"): a rotation needs a write-back target for each before it is made. Every other
   * secret a call yields is written where its variable or secret exists.
   */
  readonly essentialSecrets: ReadonlyArray<SecretKey>
}

/** The built-in platforms, in the order reports and help list them; any other id is a generic provider. */
export interface PlatformCatalog {
  readonly builtins: ReadonlyArray<PlatformDescription>
}

/** A generic OAuth 2.0 provider's endpoints (DESIGN §1): `token` is required, the rest optional. */
export const genericEndpointNames: ReadonlyArray<string> = ["token", "authorize", "introspect", "health"]

/** A generic provider's refresh grant needs its refresh token; the access token it mints is optional. */
export const genericEssentialSecrets: ReadonlyArray<SecretKey> = ["refresh_token"]

export const builtinIds = (catalog: PlatformCatalog): ReadonlyArray<string> => catalog.builtins.map((p) => p.id)

export const builtinOf = (catalog: PlatformCatalog, id: string): PlatformDescription | undefined =>
  catalog.builtins.find((p) => p.id === id)

export const isBuiltin = (catalog: PlatformCatalog, id: string): boolean => builtinOf(catalog, id) !== undefined

/** The endpoint names a platform calls; a generic provider's otherwise. */
export const endpointNamesIn = (catalog: PlatformCatalog, id: string): ReadonlyArray<string> => {
  const builtin = builtinOf(catalog, id)
  return builtin === undefined ? genericEndpointNames : Object.keys(builtin.endpoints)
}

export const essentialSecretsIn = (catalog: PlatformCatalog, id: string): ReadonlyArray<SecretKey> =>
  builtinOf(catalog, id)?.essentialSecrets ?? genericEssentialSecrets

export const isEssentialIn = (catalog: PlatformCatalog, id: string, key: SecretKey): boolean =>
  essentialSecretsIn(catalog, id).includes(key)
