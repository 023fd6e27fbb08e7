/** How a command that could not start says so: one clear message on stderr, exit 2. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { ConfigError, SetupError } from "../domain/errors.js"
import { CouldNotStart, NeedsAttention } from "./exit.js"

/** Start-up errors print one clear message and exit 2. */
export const startUp = <A, E extends { readonly _tag: string; readonly message: string }, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.catchAll((e): Effect.Effect<never, NeedsAttention | CouldNotStart> => {
      if (e instanceof NeedsAttention) return Effect.fail(e)
      const text = e._tag === "ConfigError" ? configErrorText(e as unknown as ConfigError) : `herald: ${e.message}`
      return Console.error(text).pipe(Effect.zipRight(Effect.fail(new CouldNotStart({ message: e.message }))))
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
