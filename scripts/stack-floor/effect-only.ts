/**
 * The lowest rung under `herald auth status` (scripts/bench.ts measures it beside the stack
 * floor, ./app.ts): Effect's runtime alone, one fiber printing the empty report. No command
 * line, no platform layer: what this costs over `node -e 0` is what loading and running Effect
 * costs any program; the stack floor adds @effect/cli, herald's start adds herald.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

Effect.runFork(Console.log("CONNECTION  ACTION  EXPIRES  DETAIL\n\nno connections configured"))
  .addObserver((exit) => process.exit(exit._tag === "Success" ? 0 : 1))
