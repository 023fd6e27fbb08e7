/** `auth.alerts.backend: none` (the default): the exit code and the report are the alert. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Notifier } from "../../services/Notifier.js"

export const name = "none"

export const layer: Layer.Layer<Notifier> = Layer.succeed(Notifier, {
  name,
  notify: Effect.fn("Notifier.notify")(function*() {})
})
