/**
 * One platform, as its folder gives it to the registry: a descriptor that is plain data
 * (ids, names, endpoints, secret names, help lines; importable without any HTTP code, for
 * `--help` and the config schema), and the calls that carry a refresh, a health check and
 * a login out.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import type { PlatformDescription } from "../domain/PlatformCatalog.js"
import type { SecretKey } from "../domain/Platform.js"
import type { Refresher } from "../services/Refreshers.js"
import type { AppCredentials, LoginSpec } from "./login/flow.js"

/** The app credentials, with what the platform calls them in messages ("client key" / "client secret"). */
export interface NamedAppCredentials extends AppCredentials {
  readonly words: { readonly id: string; readonly secret: string }
}

/** The usual pair, `client_id` and `client_secret`, both needed. */
export const clientIdAndSecret = {
  id: "client_id",
  secret: "client_secret",
  secretRequired: true,
  words: { id: "client ID", secret: "client secret" }
} as const satisfies NamedAppCredentials

export interface PlatformDescriptor extends PlatformDescription {
  /** for prose: "TikTok" */
  readonly title: string
  /** every secret key this platform may read, in the order doctor lists them */
  readonly secretKeys: ReadonlyArray<SecretKey>
  readonly appCredentials: NamedAppCredentials
  /**
   * The secrets a run replaces with new ones (a rotating refresh token, a token refreshed
   * in place): kept in the environment of a run that stores them on this machine, the stale
   * value would hide the stored new one, so doctor and every hint point to `auth set`.
   */
  readonly rewrittenSecrets: ReadonlyArray<SecretKey>
  /** one line: what herald does with this platform's tokens (starter config, help) */
  readonly summary: string
  /**
   * Where an access token's expiry is all herald can watch (it cannot be refreshed): what
   * `auth set` says when one is stored without it.
   */
  readonly accessExpiryNeeded?: string
}

/** The effectful half: what the registry loads when a command needs to call the platform. */
export interface PlatformModule {
  readonly descriptor: PlatformDescriptor
  /** the refresher: plan (pure policy), execute, verify */
  readonly make: Effect.Effect<Refresher, never, HttpClient.HttpClient>
  readonly login: LoginSpec
}
