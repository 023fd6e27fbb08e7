/** GracefulStop over two Deferreds: one completed by the first request, one by the second. */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { GracefulStop } from "../../services/GracefulStop.js"

export const make: Effect.Effect<GracefulStop["Type"]> = Effect.gen(function*() {
  const first = yield* Deferred.make<string>()
  const second = yield* Deferred.make<void>()
  let requests = 0
  return {
    request: (reason) =>
      Effect.suspend(() => {
        requests++
        return requests === 1 ? Deferred.succeed(first, reason) : Deferred.succeed(second, undefined)
      }).pipe(Effect.asVoid),
    poll: Effect.flatMap(Deferred.poll(first), (done) => done._tag === "Some" ? Effect.asSome(done.value) : Effect.succeedNone),
    requested: Deferred.await(first),
    urgent: Deferred.await(second)
  }
})

/** For code outside Effect (process signal handlers): build it, then `Effect.runSync(stop.request(...))`. */
export const unsafeMake = (): GracefulStop["Type"] => Effect.runSync(make)

export const layer: Layer.Layer<GracefulStop> = Layer.effect(GracefulStop, make)
