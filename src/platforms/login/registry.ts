/** The login of each connection, derived from the platform registry; any other id logs in as a generic provider. */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { Connection } from "../../domain/Connection.js"
import { genericLogin, methodOf } from "../oauth2/Generic.js"
import { loadPlatform } from "../refreshers.js"
import { descriptorOf, platformIds, registry } from "../registry.js"
import type { AppCredentials, LoginSpec } from "./flow.js"

const unknownPlatform = (connection: Connection): string =>
  `unknown platform '${connection.platform}': expected one of ${platformIds.join(", ")}, or a generic OAuth 2.0 provider ` +
  `defined in the config (platforms.${connection.platform} with type: oauth2 and endpoints)`

/** Which secrets identify a connection's app (`auth set` needs no authorize endpoint, unlike a login). */
export const appCredentialsFor = (connection: Connection): Either.Either<AppCredentials, string> => {
  const builtin = descriptorOf(connection.platform)
  if (builtin !== undefined) return Either.right(builtin.appCredentials)
  if (connection.provider === undefined) return Either.left(unknownPlatform(connection))
  return Either.right({ id: "client_id", secret: "client_secret", secretRequired: methodOf(connection) !== "none" })
}

/** The login of a connection: its built-in platform's, or its generic provider's; fails with why there is none. */
export const loginSpecFor = (connection: Connection): Effect.Effect<LoginSpec, string> => {
  const entry = registry.find((e) => e.descriptor.id === connection.platform)
  if (entry !== undefined) return Effect.map(loadPlatform(entry), (m) => m.login)
  if (connection.provider === undefined) return Effect.fail(unknownPlatform(connection))
  return genericLogin(connection.platform, connection.provider, connection)
}
