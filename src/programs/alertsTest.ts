/** `herald alerts test`: send a harmless message through the configured backend. */
import * as Effect from "effect/Effect"
import { testReport } from "../layers/notifier/message.js"
import * as None from "../layers/notifier/None.js"
import { Notifier, type NotifyFailed } from "../services/Notifier.js"

/** Returns one line for the user saying what was sent, and through what. */
export const sendTestAlert: Effect.Effect<string, NotifyFailed, Notifier> = Effect.gen(function*() {
  const notifier = yield* Notifier
  // "sent" would be a lie: the none backend succeeds by doing nothing
  if (notifier.name === None.name) {
    return "alerts are off (auth.alerts.backend is none): nothing was sent"
  }
  yield* notifier.notify(testReport)
  return `sent a test message through the ${notifier.name} backend`
}).pipe(Effect.withSpan("alertsTest.sendTestAlert"))
