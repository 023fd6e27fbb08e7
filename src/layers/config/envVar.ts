/**
 * One environment variable by its plain name (`TIKTOK_BRAND_REFRESH_TOKEN`), read through
 * the current ConfigProvider; unset and empty are both none.
 *
 * Through Effect's default provider, every variable that is not set costs an exception
 * inside Config. herald asks for several per connection (secrets, expiry dates), and most
 * are not set: a thousand connections spend seconds on it (issue 9, docs/performance.md).
 * The default provider reads process.env by the plain name, so under it this reads
 * process.env directly; any other provider (tests, an embedding app) is asked as before.
 */
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

const defaultProvider = Context.get(DefaultServices.liveServices, ConfigProvider.ConfigProvider)

const nonEmpty = (value: string | undefined): Option.Option<string> =>
  value === undefined || value === "" ? Option.none() : Option.some(value)

export const envVar = (name: string): Effect.Effect<Option.Option<string>> =>
  Effect.configProviderWith((provider) =>
    provider === defaultProvider
      ? Effect.sync(() => nonEmpty(process.env[name]))
      : Config.option(Config.string(name)).pipe(
        Effect.map(Option.flatMap((v) => nonEmpty(v))),
        Effect.orElseSucceed(() => Option.none<string>())
      )
  )

/**
 * A reader of plain names, where the default provider reads process.env (so asking costs no
 * effect per name); undefined under any other provider: ask it by name with envVar.
 */
export const envReader: Effect.Effect<((name: string) => Option.Option<string>) | undefined> = Effect.configProviderWith((provider) =>
  Effect.succeed(provider === defaultProvider ? (name: string) => nonEmpty(process.env[name]) : undefined)
)

/**
 * Whether any variable that is set ends with one of `suffixes` (`_ACCESS_TOKEN_EXPIRES_AT`),
 * where the default provider reads process.env; undefined under any other provider (it
 * cannot list its names: ask each by name). Lets a per-connection look-up over thousands
 * of connections be skipped when no such variable exists.
 */
export const anyEnvEndingWith = (suffixes: ReadonlyArray<string>): Effect.Effect<boolean | undefined> =>
  Effect.configProviderWith((provider) =>
    provider === defaultProvider
      ? Effect.sync(() => Object.entries(process.env).some(([name, value]) => value !== undefined && value !== "" && suffixes.some((s) => name.endsWith(s))))
      : Effect.succeed(undefined)
  )
