/**
 * The `herald` executable, loaded by ../main.ts once the answer needs the app: parse, run,
 * map the outcome to herald's exit codes.
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { exitCodeOf } from "./exit.js"
import { heraldCli } from "./heraldCli.js"
import * as GracefulStopLive from "../layers/process/GracefulStopLive.js"
import { GracefulStop } from "../services/GracefulStop.js"
import { PlatformLive } from "./platformLayer.js"

const cli = heraldCli()

const afterFlush = (then: () => void) => {
  let waiting = 2
  const one = () => {
    if (--waiting === 0) then()
  }
  process.stdout.write("", one)
  process.stderr.write("", one)
}

// Not NodeRuntime.runMain: it interrupts the main fiber on the first SIGINT/SIGTERM, which
// drops a rotation in flight and exits with no report. Here the first signal asks the run
// to stop safely (no connection starts; calls in flight finish and are journaled; report
// and alert go out), the second cuts the calls still in flight, the third interrupts
// everything (what is being journaled still completes: it is uninterruptible).
const stop = GracefulStopLive.unsafeMake()
let signals = 0

const fiber = Effect.runFork(
  cli(process.argv).pipe(
    Effect.provideService(GracefulStop, stop),
    // diagnostics go to stderr so stdout stays the report (and valid JSON with --json)
    Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))),
    Logger.withMinimumLogLevel(LogLevel.Warning),
    Effect.provide(PlatformLive)
  )
)

const onSignal = (signal: NodeJS.Signals) => {
  signals++
  if (signals <= 2) {
    process.stderr.write(
      signals === 1
        ? `herald: ${signal}: stopping safely, once the calls in flight are answered (send it again to cut them)\n`
        : `herald: ${signal} again: cutting the calls in flight (once more to stop at once)\n`
    )
    Effect.runSync(stop.request(signal))
  } else {
    fiber.unsafeInterruptAsFork(fiber.id())
  }
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

// the fiber alone does not keep node up while it waits on a timer-less Deferred
const keepAlive = setInterval(() => {}, 2 ** 31 - 1)

fiber.addObserver((exit) => {
  clearInterval(keepAlive)
  const code = exitCodeOf(exit, { stopped: signals > 0 })
  // a defect is a bug in herald: say so (a Redacted value prints as <redacted>)
  if (code === 70 && Exit.isFailure(exit)) {
    process.stderr.write(`herald: internal error (a bug; please report it):\n${Cause.pretty(exit.cause)}\n`)
  }
  // process.exit drops what is still queued for a pipe (a --json report of a thousand
  // connections is far larger than a pipe holds): exit once stdout and stderr are flushed;
  // and a finished run must not wait for idle keep-alive sockets to drain the event loop
  afterFlush(() => process.exit(code))
})
