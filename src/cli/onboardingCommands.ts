/**
 * `herald auth login` and `herald auth set`: getting a connection its first tokens. Kept
 * apart from commands.ts, which only mounts them.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Prompt from "@effect/cli/Prompt"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import { scrubbed } from "./scrubbed.js"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { genericIdsOf } from "../domain/Config.js"
import { type ConfigError, type SetupError, UsageError } from "../domain/errors.js"
import type { SecretKey } from "../domain/Platform.js"
import { parseTimeout } from "../platforms/login/flow.js"
import { parseLoginTarget } from "../platforms/login/target.js"
import type { SecretSource } from "../programs/setSecrets.js"
import { AppConfig } from "../services/AppConfig.js"
import { interruptedOnStop } from "../programs/stopping.js"
import { CouldNotStart, NeedsAttention } from "./exit.js"
import { withJsonResult } from "./jsonOutput.js"
import { wholeNumber } from "./options.js"
import { platformIds } from "../platforms/registry.js"

const config = Options.file("config").pipe(
  Options.withDescription("the config file (default: $HERALD_CONFIG, ./herald.yaml, then ~/.config/herald/config.yaml)"),
  Options.optional
)
const platform = Args.text({ name: "platform" }).pipe(
  Args.withDescription(`${platformIds.join(", ")}, or a generic provider's id from the config (or platform:account)`)
)
const account = Options.text("account").pipe(
  Options.withDescription("a further account of the platform (default: the default account)"),
  Options.optional
)

/**
 * A failed login or store ran and left the connection needing a human: exit 1. Anything
 * else stopped it before it started (arguments, credentials, an unwritable store): exit 2.
 */
const boundary = <A, E extends { readonly _tag: string; readonly message: string }, R>(effect: Effect.Effect<A, E, R>) =>
  // a login waiting on a browser has no safe point to stop at: a stop request interrupts it
  interruptedOnStop(effect).pipe(
    Effect.catchAll((e): Effect.Effect<never, NeedsAttention | CouldNotStart> => {
      // these two carry no message of their own: their reason is the sentence
      const reason = (e._tag === "PreflightFailed" || e._tag === "WriteBackFailed") && "reason" in e &&
          typeof e.reason === "string"
        ? e.reason
        : e.message
      const ran = e._tag === "LoginFailed" || e._tag === "WriteBackFailed"
      // a platform's or backend's words are in `reason`, and may quote a secret
      return Effect.flatMap(scrubbed(reason), (shown) =>
        Console.error(`herald: ${shown}`).pipe(
          Effect.zipRight(Effect.fail(ran ? new NeedsAttention({ count: 1 }) : new CouldNotStart({ message: shown })))
        ))
    })
  )

const json = Options.boolean("json").pipe(Options.withDescription("print the result as JSON (the usual lines go to stderr)"))

const fromEither = <A>(e: Either.Either<A, UsageError>) => Either.match(e, { onLeft: Effect.fail, onRight: Effect.succeed })

const stdinIsTerminal = Effect.sync(() => process.stdin.isTTY === true)

const readStdin: Effect.Effect<string> = Effect.async<string>((resume) => {
  let text = ""
  process.stdin.setEncoding("utf8")
  process.stdin.on("data", (chunk: string) => {
    text += chunk
  })
  process.stdin.once("end", () => resume(Effect.succeed(text)))
  process.stdin.once("error", () => resume(Effect.succeed(text)))
  process.stdin.resume()
})

/** One hidden prompt per key; Enter skips it. Nothing typed is echoed, not even its length. */
const promptFor = (label: string, keys: ReadonlyArray<SecretKey>) =>
  Effect.gen(function*() {
    yield* Console.log(`Enter the secrets for ${label} (input is hidden; press Enter to skip one).`)
    const secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>> = {}
    for (const key of keys) {
      const value = yield* Prompt.run(Prompt.hidden({ message: `${label} ${key}` }))
      if (Redacted.value(value).trim() !== "") secrets[key] = Redacted.make(Redacted.value(value).trim())
    }
    return { _tag: "Prompted", secrets } satisfies SecretSource
  }).pipe(
    Effect.catchTag("QuitException", () => Effect.fail(new UsageError({ reason: "cancelled; nothing was stored" })))
  )

const secretSource = (label: string, keys: ReadonlyArray<SecretKey>) =>
  Effect.flatMap(stdinIsTerminal, (tty) =>
    tty ? promptFor(label, keys) : Effect.map(readStdin, (text): SecretSource => ({ _tag: "Lines", text })))

export const makeOnboardingCommands = <S, R>(
  makeLayer: (configFlag: Option.Option<string>) => Layer.Layer<S, ConfigError | SetupError, R>
) => {
  const loginCommand = Command.make(
    "login",
    {
      platform,
      account,
      config,
      json,
      scopes: Options.text("scopes").pipe(
        Options.withDescription("scopes to request, comma- or space-separated (default: what herald needs)"),
        Options.optional
      ),
      noBrowser: Options.boolean("no-browser").pipe(Options.withDescription("only print the URL; do not open a browser")),
      timeout: Options.text("timeout").pipe(
        Options.withDescription("how long to wait for the browser to come back, e.g. 90s or 10m (default 5m)"),
        Options.optional
      ),
      port: wholeNumber("port", { min: 0, max: 65535 }).pipe(
        Options.withDescription("the loopback callback port (default: redirect_port from the config, else 8765)"),
        Options.optional
      )
    },
    (args) =>
      boundary(
        Effect.gen(function*() {
          const target = yield* fromEither(
            parseLoginTarget(args.platform, args.account, "login", genericIdsOf((yield* AppConfig).config))
          )
          // loaded when it runs: the login server, PKCE and the providers' login specs
          const { DEFAULT_LOGIN_TIMEOUT, login } = yield* Effect.promise(() => import("../programs/login.js"))
          const timeout = yield* Option.match(args.timeout, {
            onNone: () => Effect.succeed(DEFAULT_LOGIN_TIMEOUT),
            onSome: (text) =>
              Option.match(parseTimeout(text), {
                onNone: () => Effect.fail(new UsageError({ reason: `--timeout ${text}: expected a duration such as 90s or 5m` })),
                onSome: (ms) => Effect.succeed(Duration.millis(ms))
              })
          })
          yield* withJsonResult(
            args.json,
            login({
              ...target,
              scopes: args.scopes,
              openBrowser: !args.noBrowser,
              timeout,
              port: args.port,
              configFlag: args.config
            }),
            () => ({ loggedIn: true, platform: target.platform, account: target.account })
          )
        })
      )
  ).pipe(
    Command.withDescription(
      "log in to a platform in the browser (OAuth with PKCE) and store the tokens; prints the URL, waits for the callback"
    ),
    Command.provide((args) => makeLayer(args.config))
  )

  const setCommand = Command.make(
    "set",
    {
      platform,
      account,
      config,
      json,
      expiresAt: Options.text("expires-at").pipe(
        Options.withDescription("when the access token expires: RFC 3339 or a span such as 60d"),
        Options.optional
      ),
      refreshExpiresAt: Options.text("refresh-token-expires-at").pipe(
        Options.withDescription("when the refresh token expires: RFC 3339 or a span such as 365d"),
        Options.optional
      )
    },
    (args) =>
      boundary(
        Effect.gen(function*() {
          const target = yield* fromEither(
            parseLoginTarget(args.platform, args.account, "set", genericIdsOf((yield* AppConfig).config))
          )
          const { setSecrets } = yield* Effect.promise(() => import("../programs/setSecrets.js"))
          yield* withJsonResult(
            args.json,
            setSecrets(
              { ...target, expiresAt: args.expiresAt, refreshExpiresAt: args.refreshExpiresAt, configFlag: args.config },
              secretSource
            ),
            () => ({ stored: true, platform: target.platform, account: target.account })
          )
        })
      )
  ).pipe(
    Command.withDescription(
      "store secrets you already have: KEY=value lines on stdin, or asked with hidden input in a terminal (never from arguments)"
    ),
    Command.provide((args) => makeLayer(args.config))
  )

  return [loginCommand, setCommand] as const
}
