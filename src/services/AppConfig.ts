import * as Context from "effect/Context"
import type { HeraldConfig } from "../domain/Config.js"
import type { Connection } from "../domain/Connection.js"

/** The loaded, validated config and where it came from. */
export class AppConfig extends Context.Tag("herald/AppConfig")<AppConfig, {
  /** the file that was read, or the file herald would create (no file is a valid, empty config) */
  readonly file: string
  readonly exists: boolean
  readonly config: HeraldConfig
  readonly connections: ReadonlyArray<Connection>
}>() {}
