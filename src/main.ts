/** The `herald` executable: parse, run, map the outcome to herald's exit codes. */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import { makeCli } from "./cli/commands.js"
import { exitCodeOf } from "./cli/exit.js"
import { appLayer } from "./layers/AppLayer.js"
import * as ConfigFile from "./layers/config/ConfigFile.js"

const cli = makeCli(appLayer, ConfigFile.layer)

cli(process.argv).pipe(
  // diagnostics go to stderr so stdout stays the report (and valid JSON with --json)
  Effect.provide(Logger.replace(Logger.defaultLogger, Logger.prettyLogger({ stderr: true, colors: false }))),
  Logger.withMinimumLogLevel(LogLevel.Warning),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    teardown: (exit, onExit) => onExit(exitCodeOf(exit))
  })
)
