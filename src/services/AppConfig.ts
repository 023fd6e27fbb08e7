import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { HeraldConfig } from "../domain/Config.js"
import type { Connection } from "../domain/Connection.js"
import type { ConfigError } from "../domain/errors.js"

/** The config as read at one moment. */
export interface ConfigSnapshot {
  /** the file that was read, or the file herald would create (no file is a valid, empty config) */
  readonly file: string
  readonly exists: boolean
  readonly config: HeraldConfig
  readonly connections: ReadonlyArray<Connection>
}

/** The loaded, validated config and where it came from. */
export class AppConfig extends Context.Tag("herald/AppConfig")<AppConfig, ConfigSnapshot & {
  /**
   * The same source read again. A writing run calls it once it holds the run lock: the
   * file holds tokens and expiry metadata, and another run may have rotated them between
   * this run's start and the lock. Absent where the config is a value with nothing to re-read.
   */
  readonly reload?: Effect.Effect<ConfigSnapshot, ConfigError>
}>() {}
