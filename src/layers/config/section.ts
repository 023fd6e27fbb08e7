/**
 * A backend's own section of the config (`auth.writeback.gitlab`, `auth.alerts.webhook`),
 * read with the schema its file defines. The file layer has validated it already; a config
 * given as a value (a library, a test) is read through the same schema, so a bad one is
 * a ConfigError here rather than a crash later.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ConfigError } from "../../domain/errors.js"
import type { ConfigSnapshot } from "../../services/AppConfig.js"

export const sectionOf = <A, I>(
  app: Pick<ConfigSnapshot, "config" | "file">,
  part: "writeback" | "alerts",
  name: string,
  schema: Schema.Schema<A, I>
): Effect.Effect<A | undefined, ConfigError> => {
  const raw = app.config.auth?.[part]?.[name]
  if (raw === undefined) return Effect.succeed(undefined)
  return Either.match(Schema.decodeUnknownEither(schema)(raw), {
    onLeft: (e) =>
      Effect.fail(
        new ConfigError({
          file: app.file,
          issues: ParseResult.ArrayFormatter.formatErrorSync(e).map((i) =>
            `auth.${part}.${[name, ...i.path.map(String)].join(".")}: ${i.message}`
          )
        })
      ),
    onRight: Effect.succeed
  })
}
