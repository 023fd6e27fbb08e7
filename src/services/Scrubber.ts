import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"

/**
 * Every secret value herald knows in this run — what Secrets resolved, what an answer
 * brought, backend credentials (GITLAB_TOKEN, an SMTP password, a webhook URL) — and the
 * one way text leaving herald is cleaned of them (DESIGN §2 rule 7). Fed by the layers
 * that read secrets; applied where text leaves herald (the report, alerts, `then`
 * output, logs of provider text).
 */
export class Scrubber extends Context.Tag("herald/Scrubber")<Scrubber, {
  /** values to scrub from now on */
  readonly register: (values: Iterable<Redacted.Redacted<string> | string | undefined>) => Effect.Effect<void>
  /** `text` with every form of every registered value replaced by `<redacted>` */
  readonly scrub: (text: string) => Effect.Effect<string>
  /** the scrub function for the values registered so far, for cleaning many texts at once */
  readonly current: Effect.Effect<(text: string) => string>
}>() {}
