/** GracefulStop over two Deferreds: one completed by the first request, one by the second. */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { GracefulStop } from "../../services/GracefulStop.js"

export const make: Effect.Effect<GracefulStop["Type"]> = Effect.gen(function*() {
  const first = yield* Deferred.make<string>()
  const second = yield* Deferred.make<void>()
  let requests = 0
  // the first request's reason, kept beside its Deferred: a run polls it before every connection
  let firstReason: Option.Option<string> = Option.none()
  return {
    request: (reason) =>
      Effect.suspend(() => {
        requests++
        if (requests === 1) firstReason = Option.some(reason)
        return requests === 1 ? Deferred.succeed(first, reason) : Deferred.succeed(second, undefined)
      }).pipe(Effect.asVoid),
    poll: Effect.sync(() => firstReason),
    requested: Deferred.await(first),
    urgent: Deferred.await(second)
  }
})

/** For code outside Effect (process signal handlers): build it, then `Effect.runSync(stop.request(...))`. */
export const unsafeMake = (): GracefulStop["Type"] => Effect.runSync(make)

export const layer: Layer.Layer<GracefulStop> = Layer.effect(GracefulStop, make)
