/** The one connection a command about a single connection (`auth token`, `auth logout`) is about. */
import * as Effect from "effect/Effect"
import { parseTarget, selectConnections } from "../domain/Connection.js"
import { UsageError } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import { AppConfig } from "../services/AppConfig.js"
import { platformIds } from "../platforms/registry.js"

export const oneConnection = (target: string, command: string) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const wanted = yield* parseTarget(target, platformIds)
    if (wanted._tag === "All") {
      return yield* Effect.fail(
        new UsageError({ reason: `auth ${command} is about one connection: name a platform (x) or an account (x:brand), not all` })
      )
    }
    const found = yield* selectConnections(app.connections, wanted, app.file, platformIds)
    if (found.length > 1) {
      const labels = found.map(connectionLabel)
      return yield* Effect.fail(
        new UsageError({
          reason: `${labels[0]} has ${found.length} accounts (${labels.join(", ")}): name one, e.g. herald auth ${command} ${labels[1]}`
        })
      )
    }
    return found[0]!
  })
