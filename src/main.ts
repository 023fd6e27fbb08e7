/** The `herald` executable: parse, run, map the outcome to herald's exit codes. */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { makeCli } from "./cli/commands.js"
import { exitCodeOf } from "./cli/exit.js"
import { appLayerFor } from "./layers/AppLayer.js"
import * as ConfigFile from "./layers/config/ConfigFile.js"

const cli = makeCli(appLayerFor, ConfigFile.layer)

const afterFlush = (then: () => void) => {
  let waiting = 2
  const one = () => {
    if (--waiting === 0) then()
  }
  process.stdout.write("", one)
  process.stderr.write("", one)
}

cli(process.argv).pipe(
  // diagnostics go to stderr so stdout stays the report (and valid JSON with --json)
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))),
  Logger.withMinimumLogLevel(LogLevel.Warning),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    // herald's own logger (above) writes each line; runMain's would write it a second time
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      const code = exitCodeOf(exit)
      // a defect is a bug in herald: say so (a Redacted value prints as <redacted>)
      if (code === 70 && Exit.isFailure(exit)) {
        process.stderr.write(`herald: internal error (a bug; please report it):\n${Cause.pretty(exit.cause)}\n`)
      }
      // process.exit drops what is still queued for a pipe (a --json report of a thousand
      // connections is far larger than a pipe holds): exit once stdout and stderr are flushed
      afterFlush(() => {
        onExit(code)
        // runMain leaves a successful process to drain its event loop, where idle keep-alive
        // sockets keep it up for a while after the report is printed
        process.exit(code)
      })
    }
  })
)
