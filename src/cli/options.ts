/** Options several commands share, with herald's own wording for bad values. */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Effect from "effect/Effect"

/**
 * A whole number in [min, max], said the way a person reads it: `--concurrency 0: expected a
 * whole number from 1 up` rather than the parser's "is not a integer".
 */
export const wholeNumber = (name: string, range: { readonly min: number; readonly max?: number }) =>
  Options.text(name).pipe(
    Options.withPseudoName("N"),
    Options.mapEffect((text) => {
      const n = /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
      const expected = range.max === undefined
        ? `a whole number from ${range.min} up`
        : `a whole number from ${range.min} to ${range.max}`
      return Number.isSafeInteger(n) && n >= range.min && (range.max === undefined || n <= range.max)
        ? Effect.succeed(n)
        : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--${name} ${text}: expected ${expected}`)))
    })
  )

export const concurrency = wholeNumber("concurrency", { min: 1 }).pipe(
  Options.withDescription("how many connections to work on at once (default: auth.concurrency from the config, else 8)"),
  Options.optional
)
