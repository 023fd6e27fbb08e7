/** The login flow of each platform. Adding a platform = a module in this folder + one line here. */
import * as Either from "effect/Either"
import type { Connection } from "../../domain/Connection.js"
import { type BuiltinPlatformId, isBuiltinPlatform, platformIds } from "../../domain/Platform.js"
import { genericLogin, methodOf } from "../oauth2/Generic.js"
import type { AppCredentials, LoginSpec } from "./flow.js"
import * as Instagram from "./Instagram.js"
import * as LinkedIn from "./LinkedIn.js"
import * as TikTok from "./TikTok.js"
import * as X from "./X.js"
import * as YouTube from "./YouTube.js"

export const loginSpecs: Readonly<Record<BuiltinPlatformId, LoginSpec>> = {
  instagram: Instagram.login,
  youtube: YouTube.login,
  tiktok: TikTok.login,
  linkedin: LinkedIn.login,
  x: X.login
}

const unknownPlatform = (connection: Connection): string =>
  `unknown platform '${connection.platform}': expected one of ${platformIds.join(", ")}, or a generic OAuth 2.0 provider ` +
  `defined in the config (platforms.${connection.platform} with type: oauth2 and endpoints)`

/** Which secrets identify a connection's app (`auth set` needs no authorize endpoint, unlike a login). */
export const appCredentialsFor = (connection: Connection): Either.Either<AppCredentials, string> => {
  if (isBuiltinPlatform(connection.platform)) return Either.right(loginSpecs[connection.platform].credentials)
  if (connection.provider === undefined) return Either.left(unknownPlatform(connection))
  return Either.right({ id: "client_id", secret: "client_secret", secretRequired: methodOf(connection) !== "none" })
}

/** The login of a connection: its built-in platform's, or its generic provider's; Left says why there is none. */
export const loginSpecFor = (connection: Connection): Either.Either<LoginSpec, string> => {
  if (isBuiltinPlatform(connection.platform)) return Either.right(loginSpecs[connection.platform])
  if (connection.provider === undefined) return Either.left(unknownPlatform(connection))
  return genericLogin(connection.platform, connection.provider, connection)
}
