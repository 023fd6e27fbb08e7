import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Report } from "../domain/Status.js"

export class NotifyFailed extends Schema.TaggedError<NotifyFailed>()("NotifyFailed", {
  backend: Schema.String,
  reason: Schema.String
}) {}

/** Sends one message per run listing every connection that needs attention. */
export class Notifier extends Context.Tag("herald/Notifier")<Notifier, {
  readonly name: string
  /** called only when the report has at least one alert, and never in a dry run */
  readonly notify: (report: Report) => Effect.Effect<void, NotifyFailed>
}>() {}
