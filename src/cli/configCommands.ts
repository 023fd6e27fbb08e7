/**
 * `herald config init | path | validate`: the config file itself — where it is and why, a
 * commented starter, and whether what it selects can work here.
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ConfigError } from "../domain/errors.js"
import { UsageError } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import { isBuiltinPlatform, platformIds } from "../platforms/registry.js"
import { starterConfig } from "../platforms/starterConfig.js"
import { type ConfigLocation, discover } from "../layers/config/ConfigFile.js"
import { createConfigFile, fileExists } from "../layers/config/initFile.js"
import type { DoctorServices } from "../programs/doctor.js"
import { AppConfig } from "../services/AppConfig.js"
import { NeedsAttention } from "./exit.js"
import { startUp } from "./startUp.js"

const config = Options.file("config").pipe(
  Options.withDescription("the config file (default: $HERALD_CONFIG, ./herald.yaml, then ~/.config/herald/config.yaml)"),
  Options.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("print the result as JSON"))

/** Why `discover` chose this file, in a sentence. */
export const discoveryReason = (location: ConfigLocation, exists: boolean): string => {
  const why = {
    flag: "named by --config",
    env: "named by $HERALD_CONFIG",
    cwd: "./herald.yaml is in the current folder (it comes before ~/.config/herald/config.yaml)",
    xdg: "the default: no --config, no $HERALD_CONFIG and no ./herald.yaml in the current folder"
  }[location.source ?? (location.explicit ? "flag" : "xdg")]
  return exists ? why : `${why}; it does not exist yet (a valid, empty config; herald config init writes a starter)`
}

export const makeConfigCommands = (
  makeDoctorLayer: (configFlag: Option.Option<string>) => Layer.Layer<DoctorServices, ConfigError>
) => {
  const init = Command.make("init", {
    config,
    json,
    platform: Options.text("platform").pipe(
      Options.withDescription(`a platform to list in it (${platformIds.join(", ")}); repeat for more`),
      Options.repeated
    )
  }, (args) =>
    startUp(
      Effect.gen(function*() {
        // a generic OAuth 2.0 provider needs its endpoints: it is written by hand, not by init
        const unknown = args.platform.filter((p) => !isBuiltinPlatform(p))
        if (unknown.length > 0) {
          return yield* Effect.fail(
            new UsageError({
              reason: `--platform ${unknown.join(", ")}: expected one of ${platformIds.join(", ")} ` +
                "(a generic OAuth 2.0 provider is added by hand: platforms.<id> with type: oauth2 and its endpoints, see the README)"
            })
          )
        }
        const location = yield* discover(args.config)
        yield* createConfigFile(location.file, starterConfig(args.platform))
        const next = args.platform.length === 0 ? "add a platform" : `store its tokens: herald auth set ${args.platform[0]} (or herald auth login ${args.platform[0]})`
        yield* Console.log(
          args.json
            ? JSON.stringify({ file: location.file, created: true, platforms: args.platform }, null, 2)
            : `wrote ${location.file} (0600): ${discoveryReason(location, true)}\nnext: ${next}, then herald doctor`
        )
      })
    )).pipe(Command.withDescription("write a commented starter config where herald will look for it (never over an existing file)"))

  const pathCommand = Command.make("path", { config, json }, (args) =>
    Effect.gen(function*() {
      const location = yield* discover(args.config)
      const exists = yield* fileExists(location.file)
      if (args.json) {
        yield* Console.log(JSON.stringify({ file: location.file, exists, source: location.source, reason: discoveryReason(location, exists) }, null, 2))
      } else {
        // the path alone on stdout, for $(herald config path); the reason beside it on stderr
        yield* Console.log(location.file)
        yield* Console.error(`herald: ${discoveryReason(location, exists)}`)
      }
    })).pipe(Command.withDescription("print which config file herald reads, and why that one"))

  const validate = Command.make("validate", { config, json }, (args) =>
    startUp(
      Effect.gen(function*() {
        const app = yield* AppConfig
        const { checkNotifier, checkWriteBack } = yield* Effect.promise(() => import("../programs/doctor.js"))
        const writeBack = yield* checkWriteBack
        const notifier = yield* checkNotifier
        const names = app.connections.map(connectionLabel)
        const missing = [writeBack, notifier].filter((b) => !b.ok)
        const buts = missing.map((b) => `${b === writeBack ? "write-back" : "alerts"} ${b.backend}: ${b.detail}`)
        if (args.json) {
          yield* Console.log(JSON.stringify({
            file: app.file,
            exists: app.exists,
            valid: true,
            ready: buts.length === 0,
            connections: names,
            writeBack,
            alerts: notifier,
            problems: buts
          }, null, 2))
        } else {
          const head = !app.exists
            ? `no config file at ${app.file}: that is a valid, empty config`
            : `${app.file} is valid: ${names.length} connection${names.length === 1 ? "" : "s"}` +
              (names.length > 0 ? ` (${names.join(", ")})` : "") +
              `; write-back ${writeBack.backend}, alerts ${notifier.backend}`
          yield* Console.log(buts.length === 0 ? head : [`${head}`, `valid, but not ready to run here:`, ...buts.map((b) => `  - ${b}`)].join("\n"))
        }
        if (buts.length > 0) return yield* Effect.fail(new NeedsAttention({ count: buts.length }))
      })
    )).pipe(
      Command.withDescription("check the config file, and that what it selects has what it needs from the environment"),
      Command.provide((args) => makeDoctorLayer(args.config))
    )

  return [init, pathCommand, validate] as const
}
