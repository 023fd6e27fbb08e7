/** The distribution targets named by `auth.distribute` (none: a Distributor that does nothing). */
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AppConfig } from "../../services/AppConfig.js"
import type { Distributor } from "../../services/Distributor.js"
import type { Scrubber } from "../../services/Scrubber.js"
import * as Dotenv from "./Dotenv.js"

export const DistributorFromConfig: Layer.Layer<Distributor, never, AppConfig | Scrubber> = Layer.unwrapEffect(
  // relative paths are read from the config file's folder, wherever herald is started
  Effect.map(AppConfig, (app) => Dotenv.layer(app.config.auth?.distribute ?? [], path.dirname(app.file)))
)
