import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { AlertMemoryState } from "../domain/Alerts.js"

export class AlertMemoryError extends Schema.TaggedError<AlertMemoryError>()("AlertMemoryError", {
  file: Schema.String,
  reason: Schema.String
}) {}

/**
 * What herald has told a human about one config, and the grants its platforms refused
 * (domain/Alerts.ts). Holds conditions and salted fingerprints, never a secret. Where
 * nothing provides it (an embedding app), every run alerts as if nothing had been told.
 */
export class AlertMemory extends Context.Tag("herald/AlertMemory")<AlertMemory, {
  /** where it lives, for messages */
  readonly file: string
  /** the memory as last saved; a missing file is an empty memory */
  readonly load: Effect.Effect<AlertMemoryState, AlertMemoryError>
  readonly save: (state: AlertMemoryState) => Effect.Effect<void, AlertMemoryError>
}>() {}
