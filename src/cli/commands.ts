/**
 * The command tree. `makeCli(makeLayer)` takes the app layer as a function of `--config`,
 * so tests run the real commands in-process with in-memory layers, and `--help` or a usage
 * error never reads config or secrets (the layer is attached per command).
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type { HttpClient } from "@effect/platform/HttpClient"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ConfigError } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import { doctorLayerOver } from "../layers/AppLayer.js"
import { scrubbed } from "./scrubbed.js"
import { sendTestAlert } from "../programs/alertsTest.js"
import { doctor, type DoctorServices } from "../programs/doctor.js"
import { DEFAULT_CONCURRENCY, refreshAll, replayJournal } from "../programs/refreshAll.js"
import { verifyAll } from "../programs/verify.js"
import { AppConfig } from "../services/AppConfig.js"
import type { ConfigStore } from "../services/ConfigStore.js"
import type { Journal } from "../services/Journal.js"
import type { Notifier } from "../services/Notifier.js"
import type { Refreshers } from "../services/Refreshers.js"
import { RunLock } from "../services/RunLock.js"
import type { Scrubber } from "../services/Scrubber.js"
import type { Secrets } from "../services/Secrets.js"
import type { WriteBack } from "../services/WriteBack.js"
import { VERSION } from "../version.js"
import { interruptedOnStop } from "../programs/stopping.js"
import { CouldNotStart, NeedsAttention } from "./exit.js"
import { makeOnboardingCommands } from "./onboardingCommands.js"
import { renderJson, renderTable } from "./render.js"
import { renderVerifyJson, renderVerifyTable } from "./renderVerify.js"
import { renderDoctorJson, renderDoctorText } from "./renderDoctor.js"

// ConfigStore and HttpClient: `auth login` redeems a code and records expiry in the config file
export type Services = AppConfig | Refreshers | Secrets | WriteBack | Notifier | Journal | RunLock | ConfigStore | HttpClient | Scrubber

export type MakeLayer = (configFlag: Option.Option<string>) => Layer.Layer<Services, ConfigError>
export type MakeConfigLayer = (configFlag: Option.Option<string>) => Layer.Layer<AppConfig, ConfigError>
export type MakeDoctorLayer = (configFlag: Option.Option<string>) => Layer.Layer<DoctorServices, ConfigError>

const config = Options.file("config").pipe(
  Options.withDescription("the config file (default: $HERALD_CONFIG, ./herald.yaml, then ~/.config/herald/config.yaml)"),
  Options.optional
)
const target = Args.text({ name: "target" }).pipe(
  Args.withDescription("all (default), a platform (tiktok) or generic provider (mastodon), or one account (x:brand)"),
  Args.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("print the report as JSON (for CI)"))
const concurrency = Options.integer("concurrency").pipe(
  Options.withDescription("how many connections to work on at once"),
  Options.optional
)

/**
 * Start-up errors print one clear message and exit 2. A stop request (SIGTERM, SIGINT)
 * interrupts the command, unless it is `graceful`: it then stops at its own safe points.
 */
const startUp = <A, E extends { readonly _tag: string; readonly message: string }, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly graceful?: boolean } = {}
) =>
  (options.graceful === true ? effect : interruptedOnStop(effect)).pipe(
    Effect.catchAll((e): Effect.Effect<never, NeedsAttention | CouldNotStart> => {
      if (e instanceof NeedsAttention) return Effect.fail(e)
      const text = e._tag === "ConfigError" ? configErrorText(e as unknown as ConfigError) : `herald: ${e.message}`
      return Effect.flatMap(Effect.all([scrubbed(text), scrubbed(e.message)]), ([shown, message]) =>
        Console.error(shown).pipe(Effect.zipRight(Effect.fail(new CouldNotStart({ message })))))
    })
  )

const configErrorText = (e: ConfigError) =>
  [`herald: invalid config ${e.file}`, ...e.issues.map((i) => `  - ${i}`), "nothing was changed."].join("\n")

const report = (args: {
  readonly target: Option.Option<string>
  readonly json: boolean
  readonly concurrency: Option.Option<number>
  readonly dryRun: boolean
}) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const result = yield* refreshAll(Option.getOrUndefined(args.target), {
      dryRun: args.dryRun,
      concurrency: Option.getOrElse(args.concurrency, () => app.config.auth?.concurrency ?? DEFAULT_CONCURRENCY)
    })
    yield* Console.log(args.json ? renderJson(result) : renderTable(result))
    if (result.attention > 0) return yield* Effect.fail(new NeedsAttention({ count: result.attention }))
  })

export const makeCli = (
  makeLayer: MakeLayer,
  makeConfigLayer: MakeConfigLayer,
  // by default the real keychain and network over the given config: doctor reports on them
  makeDoctorLayer: MakeDoctorLayer = (flag) => doctorLayerOver(makeConfigLayer(flag))
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
        const app = yield* AppConfig
        const result = yield* verifyAll(Option.getOrUndefined(args.target), {
          concurrency: Option.getOrElse(args.concurrency, () => app.config.auth?.concurrency ?? DEFAULT_CONCURRENCY)
        })
        yield* Console.log(args.json ? renderVerifyJson(result) : renderVerifyTable(result))
        if (result.attention > 0) return yield* Effect.fail(new NeedsAttention({ count: result.attention }))
      })
    )).pipe(
      Command.withDescription("call each platform's health endpoint with the current token: ok, expired, invalid or unavailable"),
      Command.provide((args) => makeLayer(args.config))
    )

  const recover = Command.make("recover", { config }, () =>
    startUp(
      Effect.gen(function*() {
        yield* (yield* RunLock).acquire
        const lines = yield* replayJournal
        yield* Console.log(lines.length === 0 ? "nothing to recover: the journal is empty" : lines.join("\n"))
        const left = lines.filter((l) => l.endsWith("still in the journal")).length
        if (left > 0) return yield* Effect.fail(new NeedsAttention({ count: left }))
      }).pipe(Effect.scoped)
    )).pipe(
      Command.withDescription("write back rotated tokens that an earlier run kept in its journal"),
      Command.provide((args) => makeLayer(args.config))
    )

  const validate = Command.make("validate", { config }, () =>
    startUp(
      Effect.gen(function*() {
        const app = yield* AppConfig
        if (!app.exists) {
          yield* Console.log(`no config file at ${app.file}: that is a valid, empty config`)
          return
        }
        const names = app.connections.map(connectionLabel)
        yield* Console.log(
          `${app.file} is valid: ${names.length} connection${names.length === 1 ? "" : "s"}` +
            (names.length > 0 ? ` (${names.join(", ")})` : "") +
            `; write-back ${app.config.auth?.writeback?.backend ?? "local"}, alerts ${app.config.auth?.alerts?.backend ?? "none"}`
        )
      })
    )).pipe(
      Command.withDescription("check the config file and say what it configures"),
      Command.provide((args) => makeConfigLayer(args.config))
    )

  const alertsTest = Command.make("test", { config }, () =>
    startUp(Effect.flatMap(sendTestAlert, (line) => Console.log(line)))).pipe(
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
        Command.withSubcommands([refresh, status, verify, recover, ...makeOnboardingCommands(makeLayer)])
      ),
      Command.make("config").pipe(Command.withDescription("the config file"), Command.withSubcommands([validate])),
      Command.make("alerts").pipe(Command.withDescription("the alert backend"), Command.withSubcommands([alertsTest])),
      doctorCommand
    ])
  )

  const run = Command.run(root, { name: "herald", version: VERSION })
  // the layer is built outside each handler's `startUp`, so an invalid config fails here:
  // print it the same way, or the user gets exit 2 and no word about which key is wrong
  return (argv: ReadonlyArray<string>) =>
    run(argv).pipe(
      Effect.catchTag("ConfigError", (e) =>
        Console.error(configErrorText(e)).pipe(Effect.zipRight(Effect.fail(new CouldNotStart({ message: e.message })))))
    )
}
