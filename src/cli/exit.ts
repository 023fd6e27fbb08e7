/** herald's exit codes (DESIGN §1): 0 fine, 1 needs attention, 2 could not start, 130 stopped by a signal. */
import * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"

/** The run worked and found something a human must act on. */
export class NeedsAttention extends Data.TaggedError("NeedsAttention")<{ readonly count: number }> {}

/** The run could not start; the message was already printed. */
export class CouldNotStart extends Data.TaggedError("CouldNotStart")<{ readonly message: string }> {}

/**
 * `stopped`: a signal asked the run to stop. It then ends 130 even though it finished
 * safely and printed its report (DESIGN §1 exit codes); a defect stays 70.
 */
export const exitCodeOf = (exit: Exit.Exit<unknown, unknown>, options: { readonly stopped?: boolean } = {}): number => {
  const code = outcomeCode(exit)
  return options.stopped === true && code !== 70 ? 130 : code
}

const outcomeCode = (exit: Exit.Exit<unknown, unknown>): number => {
  if (Exit.isSuccess(exit)) return 0
  if (Cause.isInterruptedOnly(exit.cause)) return 130
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const e = failure.value as { _tag?: string }
    if (e._tag === "NeedsAttention") return 1
    // everything else that fails on purpose is a start-up problem: config, usage, lock, argv
    return 2
  }
  return 70 // a defect: a bug in herald
}
