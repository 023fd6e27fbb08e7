import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Outgoing } from "../domain/Alerts.js"
import type { Report } from "../domain/Status.js"

export class NotifyFailed extends Schema.TaggedError<NotifyFailed>()("NotifyFailed", {
  backend: Schema.String,
  reason: Schema.String
}) {}

/** What a run tells (domain/Alerts.ts decides it): one event per connection or target. */
export interface AlertNotice {
  readonly events: ReadonlyArray<Outgoing>
}

/** Sends one message per run about what it tells. */
export class Notifier extends Context.Tag("herald/Notifier")<Notifier, {
  readonly name: string
  /**
   * Called when a run has something to tell, and never in a dry run. Without a notice
   * (a caller with no alert memory), every status with an alert is told as new.
   */
  readonly notify: (report: Report, notice?: AlertNotice) => Effect.Effect<void, NotifyFailed>
}>() {}
