/** `--json` for commands whose result is a few lines: those go to stderr, stdout gets one JSON object. */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

export const withJsonResult = <A, E, R>(json: boolean, effect: Effect.Effect<A, E, R>, toJson: (a: A) => unknown) =>
  json
    ? Console.consoleWith((base) =>
      Console.withConsole(effect, {
        ...base,
        log: (...args) => base.error(...args),
        info: (...args) => base.error(...args),
        unsafe: { ...base.unsafe, log: (...args) => base.unsafe.error(...args), info: (...args) => base.unsafe.error(...args) }
      })
    ).pipe(Effect.tap((a) => Console.log(JSON.stringify(toJson(a), null, 2))))
    : effect
