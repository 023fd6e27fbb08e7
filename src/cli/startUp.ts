/** How a command that could not start says so: one clear message on stderr, exit 2. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { ConfigError, SetupError } from "../domain/errors.js"
import { interruptedOnStop } from "../programs/stopping.js"
import { CouldNotStart, NeedsAttention } from "./exit.js"
import { scrubbed } from "./scrubbed.js"

/**
 * Start-up errors print one clear message and exit 2, with every secret known to the run
 * scrubbed from it. A stop request (SIGTERM, SIGINT) interrupts the command, unless it is
 * `graceful`: it then stops at its own safe points.
 */
export const startUp = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly graceful?: boolean } = {}
) =>
  (options.graceful === true ? effect : interruptedOnStop(effect)).pipe(
    Effect.catchAll((e): Effect.Effect<never, NeedsAttention | CouldNotStart> => {
      if (e instanceof NeedsAttention) return Effect.fail(e)
      const text = e._tag === "ConfigError" ? configErrorText(e as unknown as ConfigError) : `herald: ${e.message}`
      return Effect.flatMap(Effect.all([scrubbed(text), scrubbed(e.message)]), ([shown, message]) =>
        Console.error(shown).pipe(Effect.zipRight(Effect.fail(new CouldNotStart({ message })))))
    })
  )

export const configErrorText = (e: ConfigError) =>
  [`herald: invalid config ${e.file}`, ...e.issues.map((i) => `  - ${i}`), "nothing was changed."].join("\n")

export const setupErrorText = (e: SetupError) =>
  [
    `herald: ${e.file} is valid, but what it selects cannot work here:`,
    ...e.issues.map((i) => `  - ${i}`),
    "nothing was changed (herald config validate lists what each backend needs)."
  ].join("\n")
