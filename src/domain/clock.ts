/**
 * The run's clock (Effect's Clock service: the TestClock in tests) read as a DateTime in one
 * step. `DateTime.now` takes four (the clock, its reading, a map); a run reads the time a few
 * times per connection, for thousands of connections.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"

export const now: Effect.Effect<DateTime.Utc> = Effect.clockWith((clock) => Effect.succeed(DateTime.unsafeMake(clock.unsafeCurrentTimeMillis())))
