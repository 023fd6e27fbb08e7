/** A tracer that records every span it starts (over the current one), for tests that assert no request is traced. */
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"

export const recordingTracer = Effect.map(Effect.tracer, (base) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: base.context
  })
  return { spans, tracer }
})
