import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"

/**
 * A request to end the run safely (DESIGN §2 rule 5): the CLI makes one from SIGTERM and
 * SIGINT, an embedding app from its own shutdown. The first request stops new work: no
 * connection starts after it, and calls in flight finish (bounded by their timeouts) so
 * that what they returned is journaled and persisted. The second cuts the wait: work in
 * flight is interrupted, except the journaling of an answer already received.
 */
export class GracefulStop extends Context.Tag("herald/GracefulStop")<GracefulStop, {
  /** `reason` names the cause in the report ("SIGTERM", "the app is shutting down") */
  readonly request: (reason: string) => Effect.Effect<void>
  /** the first request's reason, once there has been one */
  readonly poll: Effect.Effect<Option.Option<string>>
  /** completes on the first request, with its reason */
  readonly requested: Effect.Effect<string>
  /** completes on the second request */
  readonly urgent: Effect.Effect<void>
}>() {}
