/**
 * The run's Scrubber: the values it knows, indexed as they are registered (no rebuild per
 * value: a run of thousands of connections registers tens of thousands).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { makeScrubIndex } from "../../domain/scrub.js"
import { Scrubber } from "../../services/Scrubber.js"

export const make = (): Scrubber["Type"] => {
  const index = makeScrubIndex()
  return {
    current: Effect.succeed(index.scrub),
    register: (values) =>
      Effect.sync(() => {
        for (const v of values) {
          if (v !== undefined) index.add(Redacted.isRedacted(v) ? Redacted.value(v) : v)
        }
      }),
    scrub: (text) => Effect.sync(() => index.scrub(text))
  }
}

export const layer: Layer.Layer<Scrubber> = Layer.sync(Scrubber, make)
