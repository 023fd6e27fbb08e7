/**
 * One refresh run through the whole pipeline over in-memory ports, as the fault matrix and
 * the contract suite drive it: TestClock moved on until the run is done, every log line
 * captured, and what a user would see (report, table, alert texts, logs) in one text.
 */
import * as Cause from "effect/Cause"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { renderJson, renderTable } from "../../src/cli/render.js"
import type { Report } from "../../src/domain/Status.js"
import { alertMessage } from "../../src/layers/notifier/message.js"

/** Runs under TestClock, moving time on until the program is done (timeouts, backoff). */
export const runToEnd = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 2000; i++) {
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      yield* TestClock.adjust("500 millis")
    }
    return yield* Fiber.join(fiber)
  })

/** Every log line (and cause) of the effects run through `withLogs`. */
export const logCapture = () => {
  const lines: Array<string> = []
  const capture = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ cause, message }) => {
      lines.push([...(Array.isArray(message) ? message : [message])].map(String).join(" "))
      if (!Cause.isEmpty(cause)) lines.push(Cause.pretty(cause))
    })
  )
  const withLogs = <A, E>(effect: Effect.Effect<A, E, never>) =>
    effect.pipe(Logger.withMinimumLogLevel(LogLevel.All), Effect.provide(capture))
  return { lines, withLogs }
}

/** All a user could read after a run: the JSON report, the table, the alerts sent, the logs. */
export const printedText = (report: Report, notified: ReadonlyArray<Report>, logs: ReadonlyArray<string>): string =>
  [
    renderJson(report),
    renderTable(report),
    ...notified.map((r) => alertMessage(r, DateTime.unsafeMake(0)).text),
    ...logs
  ].join("\n")

/** The distinct sentinel values in a text. */
export const sentinelsIn = (text: string): Array<string> => [...new Set(text.match(/SENTINEL[\w-]*/g) ?? [])]
