/**
 * The stack's own floor for `herald auth status` (scripts/bench.ts measures it beside herald):
 * the least a command on herald's chosen stack does — Effect's runtime, @effect/cli parsing
 * `auth status` with the same arguments and options, the platform layer herald provides
 * (src/cli/platformLayer.ts) — then it prints the empty report and exits. No config, no
 * layers, no programs: what herald's start costs beyond this is herald's own.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { PlatformLive } from "../../src/cli/platformLayer.js"

const status = Command.make(
  "status",
  {
    target: Args.text({ name: "target" }).pipe(Args.optional),
    config: Options.file("config").pipe(Options.optional),
    json: Options.boolean("json"),
    concurrency: Options.integer("concurrency").pipe(Options.optional)
  },
  () => Console.log("CONNECTION  ACTION  EXPIRES  DETAIL\n\nno connections configured")
)
const root = Command.make("herald").pipe(
  Command.withSubcommands([Command.make("auth").pipe(Command.withSubcommands([status]))])
)

Effect.runFork(Command.run(root, { name: "herald", version: "0" })(process.argv).pipe(Effect.provide(PlatformLive)))
  .addObserver((exit) => process.exit(exit._tag === "Success" ? 0 : 1))
