/** The CLI's error text, cleaned of every secret the command's run knows (where its layer has a Scrubber). */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { Scrubber } from "../services/Scrubber.js"

export const scrubbed = (text: string): Effect.Effect<string> =>
  Effect.flatMap(Effect.serviceOption(Scrubber), Option.match({ onNone: () => Effect.succeed(text), onSome: (s) => s.scrub(text) }))
