/**
 * The Console every command writes through: escape sequences (help's colours) are dropped
 * where they would show as garbage — `NO_COLOR` set, or the stream is not a terminal — and
 * what goes to stderr is restyled once (frontDoor.restyleError) and kept, so a `--json` run
 * that cannot start can repeat it as a JSON object on stdout.
 */
import * as Console from "effect/Console"
import type * as Effect from "effect/Effect"
import { format } from "node:util"
import { colourAllowed, stripEscapes } from "./colour.js"

export { colourAllowed, stripEscapes }

export interface OutputSettings {
  readonly colourOut: boolean
  readonly colourErr: boolean
  readonly restyle: (text: string) => string
  /** every line written to stderr, without escapes */
  readonly errors: Array<string>
  /** every text written to stdout, without escapes */
  readonly onOut?: (text: string) => void
}

export const withOutputConsole = <A, E, R>(effect: Effect.Effect<A, E, R>, settings: OutputSettings) =>
  Console.consoleWith((base) => {
    const out = (args: ReadonlyArray<unknown>) => {
      const text = format(...args)
      settings.onOut?.(stripEscapes(text))
      return settings.colourOut ? text : stripEscapes(text)
    }
    const err = (args: ReadonlyArray<unknown>) => {
      const text = settings.restyle(format(...args))
      settings.errors.push(stripEscapes(text))
      return settings.colourErr ? text : stripEscapes(text)
    }
    const console: Console.Console = {
      ...base,
      log: (...args) => base.log(out(args)),
      info: (...args) => base.info(out(args)),
      error: (...args) => base.error(err(args)),
      warn: (...args) => base.warn(err(args))
      // `unsafe` stays as it is: the logger writes there, and log lines are neither restyled nor kept
    }
    return Console.withConsole(effect, console)
  })
