/** The distribution targets named by `auth.distribute` (none: a Distributor that does nothing). */
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AppConfig } from "../../services/AppConfig.js"
import { Distributor } from "../../services/Distributor.js"
import type { Scrubber } from "../../services/Scrubber.js"

/** No target: nothing is handed to any file. */
const none = Layer.succeed(Distributor, Distributor.of({ distribute: () => Effect.succeed([]) }))

/**
 * The dotenv writer (./Dotenv.ts, and node:child_process for a target's `then` command) is
 * loaded only when the config names a target: most configs name none, and every command
 * builds this layer.
 */
export const DistributorFromConfig: Layer.Layer<Distributor, never, AppConfig | Scrubber> = Layer.unwrapEffect(
  Effect.map(AppConfig, (app) => {
    const targets = app.config.auth?.distribute ?? []
    if (targets.length === 0) return none
    // relative paths are read from the config file's folder, wherever herald is started
    return Layer.unwrapEffect(Effect.map(Effect.promise(() => import("./Dotenv.js")), (Dotenv) => Dotenv.layer(targets, path.dirname(app.file))))
  })
)
