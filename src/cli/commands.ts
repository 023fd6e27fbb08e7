/**
 * The command tree. `makeCli(makeLayer)` takes the app layer as a function of `--config`,
 * so tests run the real commands in-process with in-memory layers, and `--help` or a usage
 * error never reads config or secrets (the layer is attached per command). The programs only
 * some commands run are imported by their handler, so a start loads what its command needs.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Prompt from "@effect/cli/Prompt"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { HttpClient } from "@effect/platform/HttpClient"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type ConfigError, type SetupError, UsageError } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import type { DoctorServices } from "../programs/doctor.js"
import { refreshAll, replayJournal } from "../programs/refreshAll.js"
import { AppConfig } from "../services/AppConfig.js"
import type { ConfigStore } from "../services/ConfigStore.js"
import type { Journal } from "../services/Journal.js"
import type { Keychain } from "../services/Keychain.js"
import { Notifier } from "../services/Notifier.js"
import type { Refreshers } from "../services/Refreshers.js"
import { RunLock } from "../services/RunLock.js"
import type { Scrubber } from "../services/Scrubber.js"
import type { Secrets } from "../services/Secrets.js"
import type { WriteBack } from "../services/WriteBack.js"
import { VERSION } from "../version.js"
import { CouldNotStart, NeedsAttention } from "./exit.js"
import { makeOnboardingCommands } from "./onboardingCommands.js"
import { makeConfigCommands } from "./configCommands.js"
import { configErrorText, setupErrorText, startUp } from "./startUp.js"
import { colourAllowed, withOutputConsole } from "./console.js"
import { openDoor, restyleError } from "./frontDoor.js"
import { concurrency } from "./options.js"
import { renderJson, renderTable } from "./render.js"
import { renderVerifyJson, renderVerifyTable } from "./renderVerify.js"
import { platformIds } from "../platforms/registry.js"

// ConfigStore and HttpClient: `auth login` redeems a code and records expiry in the config file
export type Services = AppConfig | Refreshers | Secrets | WriteBack | Notifier | Journal | RunLock | ConfigStore | HttpClient | Keychain | Scrubber

export type MakeLayer = (configFlag: Option.Option<string>) => Layer.Layer<Services, ConfigError | SetupError>
export type MakeDoctorLayer = (configFlag: Option.Option<string>) => Layer.Layer<DoctorServices, ConfigError>

const config = Options.file("config").pipe(
  Options.withDescription("the config file (default: $HERALD_CONFIG, ./herald.yaml, then ~/.config/herald/config.yaml)"),
  Options.optional
)
const target = Args.text({ name: "target" }).pipe(
  Args.withDescription(`all (default), a platform (${platformIds.join(", ")}) or generic provider (mastodon), or one account (x:brand)`),
  Args.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("print the report as JSON (for CI)"))

const report = (args: {
  readonly target: Option.Option<string>
  readonly json: boolean
  readonly concurrency: Option.Option<number>
  readonly dryRun: boolean
}) =>
  Effect.gen(function*() {
    const result = yield* refreshAll(Option.getOrUndefined(args.target), {
      dryRun: args.dryRun,
      ...Option.match(args.concurrency, { onNone: () => ({}), onSome: (n) => ({ concurrency: n }) })
    })
    // wrapped to the terminal; a pipe or a file gets whole lines
    const width = process.stdout.isTTY === true ? process.stdout.columns : undefined
    yield* Console.log(args.json ? renderJson(result) : renderTable(result, { width }))
    if (result.attention > 0) return yield* Effect.fail(new NeedsAttention({ count: result.attention }))
  })

export const makeCli = (
  makeLayer: MakeLayer,
  // the real keychain and network over the config (AppLayer.doctorLayer): doctor reports on them
  makeDoctorLayer: MakeDoctorLayer
) => {
  const refresh = Command.make(
    "refresh",
    { target, config, json, concurrency, dryRun: Options.boolean("dry-run").pipe(Options.withDescription("report what a real run would do; change nothing, send no alert")) },
    (args) => startUp(report(args), { graceful: true })
  ).pipe(
    Command.withDescription("refresh, rotate or check every token that needs it, store the new ones, alert when a human must act"),
    Command.provide((args) => makeLayer(args.config))
  )

  const status = Command.make(
    "status",
    { target, config, json, concurrency },
    (args) => startUp(report({ ...args, dryRun: true }), { graceful: true })
  ).pipe(
    Command.withDescription("token health and what a real run would do (same as refresh --dry-run)"),
    Command.provide((args) => makeLayer(args.config))
  )

  const verify = Command.make("verify", { target, config, json, concurrency }, (args) =>
    startUp(
      Effect.gen(function*() {
        const { verifyAll } = yield* Effect.promise(() => import("../programs/verify.js"))
        const result = yield* verifyAll(
          Option.getOrUndefined(args.target),
          Option.match(args.concurrency, { onNone: () => ({}), onSome: (n) => ({ concurrency: n }) })
        )
        yield* Console.log(args.json ? renderVerifyJson(result) : renderVerifyTable(result))
        if (result.attention > 0) return yield* Effect.fail(new NeedsAttention({ count: result.attention }))
      })
    )).pipe(
      Command.withDescription("call each platform's health endpoint with the current token: ok, expired, invalid or unavailable"),
      Command.provide((args) => makeLayer(args.config))
    )

  const recover = Command.make("recover", { config, json }, (args) =>
    startUp(
      Effect.gen(function*() {
        yield* (yield* RunLock).acquire
        const lines = yield* replayJournal
        const left = lines.filter((l) => l.endsWith("still in the journal")).length
        yield* Console.log(
          args.json
            ? JSON.stringify({ restored: lines.length - left, left, lines }, null, 2)
            : lines.length === 0 ? "nothing to recover: the journal is empty" : lines.join("\n")
        )
        if (left > 0) return yield* Effect.fail(new NeedsAttention({ count: left }))
      }).pipe(Effect.scoped)
    )).pipe(
      Command.withDescription("write back rotated tokens that an earlier run kept in its journal"),
      Command.provide((args) => makeLayer(args.config))
    )

  // `auth token` and `auth logout` act on exactly one connection
  const oneConnectionArgs = {
    target: Args.text({ name: "target" }).pipe(Args.withDescription("a platform (x) or one account (x:brand)")),
    account: Options.text("account").pipe(Options.withDescription("the account, as x:brand says it"), Options.optional)
  }

  const token = Command.make("token", {
    ...oneConnectionArgs,
    config,
    json: Options.boolean("json").pipe(Options.withDescription("print { platform, account, accessToken, expiresAt } as JSON"))
  }, (args) =>
    startUp(
      Effect.promise(() => import("../programs/accessToken.js")).pipe(
        Effect.flatMap(({ accessToken }) => accessToken(Option.match(args.account, { onNone: () => args.target, onSome: (a) => `${args.target}:${a}` }))),
        Effect.flatMap((token) =>
          Console.log(
            args.json
              ? JSON.stringify({ platform: token.platform, account: token.account, accessToken: Redacted.value(token.value), expiresAt: token.expiresAt ?? null }, null, 2)
              : Redacted.value(token.value)
          )
        ),
        // absent, expired or unreadable right now: the connection needs attention (exit 1)
        Effect.catchTags({
          NoAccessToken: (e) => Console.error(`herald: ${e.reason}`).pipe(Effect.zipRight(Effect.fail(new NeedsAttention({ count: 1 })))),
          SecretUnreadable: (e) => Console.error(`herald: ${e.message}`).pipe(Effect.zipRight(Effect.fail(new NeedsAttention({ count: 1 }))))
        })
      )
    )).pipe(
      Command.withDescription("print one connection's current access token and nothing else (for posting scripts); exit 1 when it is absent or expired"),
      Command.provide((args) => makeLayer(args.config))
    )

  const logoutCommand = Command.make("logout", {
    ...oneConnectionArgs,
    config,
    json,
    yes: Options.boolean("yes").pipe(Options.withDescription("remove without asking (needed where there is no terminal to ask on)"))
  }, (args) =>
    startUp(
      Effect.gen(function*() {
        const [{ oneConnection }, { logout, logoutKeys }] = yield* Effect.promise(() =>
          Promise.all([import("../programs/oneConnection.js"), import("../programs/logout.js")])
        )
        const connection = yield* oneConnection(
          Option.match(args.account, { onNone: () => args.target, onSome: (a) => `${args.target}:${a}` }),
          "logout"
        )
        const label = connectionLabel(connection)
        const keys = yield* logoutKeys(connection)
        if (!args.yes) {
          if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
            return yield* Effect.fail(
              new UsageError({ reason: `auth logout ${label} asks before it removes anything, and there is no terminal to ask on: add --yes` })
            )
          }
          const ok = yield* Prompt.run(
            Prompt.confirm({ message: `Remove the ${keys.join(" and ")} of ${label} from the keychain (or pass) and the config file?`, initial: false })
          ).pipe(Effect.catchTag("QuitException", () => Effect.succeed(false)))
          if (!ok) return yield* Console.log(args.json ? JSON.stringify({ removed: [], left: [], cancelled: true }, null, 2) : "nothing was removed")
        }
        const result = yield* logout(connection)
        if (args.json) yield* Console.log(JSON.stringify({ connection: label, ...result }, null, 2))
        else {
          yield* Console.log(
            result.removed.length === 0
              ? `nothing of ${label} was stored in the keychain (or pass) or the config file`
              : [`Removed from ${label}:`, ...result.removed.map((r) => `  ${r.key} (${r.from})`)].join("\n")
          )
          for (const l of result.left) yield* Console.error(`herald: ${l}`)
        }
        // something herald could not remove keeps the connection logged in: a human acts
        if (result.left.length > 0) return yield* Effect.fail(new NeedsAttention({ count: result.left.length }))
      })
    )).pipe(
      Command.withDescription("remove a connection's stored tokens (keychain or pass, and the config file); asks first unless --yes"),
      Command.provide((args) => makeLayer(args.config))
    )

  const alertsTest = Command.make("test", { config, json }, (args) =>
    startUp(
      Effect.gen(function*() {
        const notifier = yield* Notifier
        const { sendTestAlert } = yield* Effect.promise(() => import("../programs/alertsTest.js"))
        const outcome = yield* sendTestAlert.pipe(
          Effect.map((line) => ({ sent: notifier.name !== "none", detail: line })),
          // the backend is configured but the message did not go out: that needs a human (exit 1), named
          Effect.catchTag("NotifyFailed", (e) =>
            Effect.succeed({ sent: false, detail: `the test alert did not go out through ${e.backend}: ${e.reason}` }))
        )
        const failed = !outcome.sent && notifier.name !== "none"
        if (args.json) yield* Console.log(JSON.stringify({ backend: notifier.name, ...outcome }, null, 2))
        else if (failed) yield* Console.error(`herald: ${outcome.detail}`)
        else yield* Console.log(outcome.detail)
        if (failed) return yield* Effect.fail(new NeedsAttention({ count: 1 }))
      })
    )).pipe(
      Command.withDescription("send a test alert through the configured backend"),
      Command.provide((args) => makeLayer(args.config))
    )

  const doctorCommand = Command.make("doctor", {
    config,
    json,
    online: Options.boolean("online").pipe(Options.withDescription("also check that each platform endpoint answers (no secret is sent)"))
  }, (args) =>
    startUp(
      Effect.gen(function*() {
        const [{ doctor }, { renderDoctorJson, renderDoctorText }] = yield* Effect.promise(() =>
          Promise.all([import("../programs/doctor.js"), import("./renderDoctor.js")])
        )
        const result = yield* doctor({ online: args.online, configFlag: args.config })
        yield* Console.log(args.json ? renderDoctorJson(result) : renderDoctorText(result))
        if (result.problems.length > 0) return yield* Effect.fail(new NeedsAttention({ count: result.problems.length }))
      })
    )).pipe(
      Command.withDescription("check the setup: config file, write-back, alerts, keychain, and where each secret comes from (names only)"),
      Command.provide((args) => makeDoctorLayer(args.config))
    )

  const root = Command.make("herald").pipe(
    Command.withDescription("keeps unattended social posting alive: refreshes OAuth tokens, stores them, alerts a human with a date"),
    Command.withSubcommands([
      Command.make("auth").pipe(
        Command.withDescription("log in, refresh and inspect platform tokens"),
        Command.withSubcommands([refresh, status, verify, ...makeOnboardingCommands(makeLayer), token, logoutCommand, recover])
      ),
      Command.make("config").pipe(
        Command.withDescription("the config file: init, path, validate"),
        Command.withSubcommands(makeConfigCommands(makeDoctorLayer))
      ),
      Command.make("alerts").pipe(Command.withDescription("the alert backend"), Command.withSubcommands([alertsTest])),
      doctorCommand
    ])
  )

  const run = Command.run(root, { name: "herald", version: VERSION })
  return (argv: ReadonlyArray<string>) => {
    const door = openDoor(argv.slice(2))
    const json = argv.includes("--json")
    const errors: Array<string> = []
    // @effect/cli ends a wizard left with Ctrl-C as a success, saying only this
    let quitWizard = false
    const onOut = (text: string) => {
      if (text.includes("Quitting wizard mode...")) quitWizard = true
    }
    const parsed = Effect.suspend(() => {
      switch (door._tag) {
        case "Version":
          return Console.log(VERSION)
        case "Unknown":
          return Console.error(door.message).pipe(Effect.zipRight(Effect.fail(new CouldNotStart({ message: door.message }))))
        case "Run":
          return run([...argv.slice(0, 2), ...door.args]).pipe(
            // the layer is built outside each handler's `startUp`, so an invalid config fails here:
            // print it the same way, or the user gets exit 2 and no word about which key is wrong
            Effect.catchTags({
              ConfigError: (e) =>
                Console.error(configErrorText(e)).pipe(Effect.zipRight(Effect.fail(new CouldNotStart({ message: e.message })))),
              SetupError: (e) =>
                Console.error(setupErrorText(e)).pipe(Effect.zipRight(Effect.fail(new CouldNotStart({ message: e.message }))))
            }),
            // Ctrl-C is an interruption wherever it comes: exit 130, not 0
            Effect.zipRight(Effect.suspend(() => (quitWizard ? Effect.interrupt : Effect.void)))
          )
      }
    })
    return withOutputConsole(
      parsed.pipe(
        // with --json a run that could not start says so on stdout too, as one JSON object
        Effect.tapError((e) =>
          json && !(e instanceof NeedsAttention)
            ? Console.log(startFailureJson(errors, e))
            : Effect.void
        )
      ),
      {
        colourOut: colourAllowed(process.env, process.stdout.isTTY === true),
        colourErr: colourAllowed(process.env, process.stderr.isTTY === true),
        restyle: (text) => restyleError(text, door._tag === "Run" ? door.path : []),
        errors,
        onOut
      }
    )
  }
}

/** `{ "error": "...", "exitCode": 2 }`: what stderr said, else the failure's own message. */
const startFailureJson = (errors: ReadonlyArray<string>, e: unknown) => {
  const said = errors.join("\n").trim()
  const own = typeof e === "object" && e !== null && "message" in e && typeof e.message === "string" ? e.message : String(e)
  return JSON.stringify({ error: said === "" ? own : said, exitCode: 2 }, null, 2)
}
