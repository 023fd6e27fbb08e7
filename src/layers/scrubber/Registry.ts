/** The run's Scrubber: a set of values and the scrub function built from them, rebuilt only when the set grows. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { makeScrub, MIN_SCRUB_LENGTH } from "../../domain/scrub.js"
import { Scrubber } from "../../services/Scrubber.js"

export const make = (): Scrubber["Type"] => {
  const known = new Set<string>()
  let scrub: ((text: string) => string) | undefined = undefined
  const current = Effect.sync(() => (scrub ??= makeScrub(known)))
  return {
    current,
    register: (values) =>
      Effect.sync(() => {
        for (const v of values) {
          if (v === undefined) continue
          const raw = Redacted.isRedacted(v) ? Redacted.value(v) : v
          if (raw.length < MIN_SCRUB_LENGTH || known.has(raw)) continue
          known.add(raw)
          scrub = undefined
        }
      }),
    scrub: (text) => Effect.map(current, (f) => f(text))
  }
}

export const layer: Layer.Layer<Scrubber> = Layer.sync(Scrubber, make)
