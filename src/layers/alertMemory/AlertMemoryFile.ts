/**
 * The alert memory as one small JSON file per config, 0600, written atomically. It holds
 * no secret, so unlike the journal it may be kept where CI caches survive between runs:
 * `HERALD_ALERT_STATE_DIR` points it at such a folder (README "Alerts in CI").
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { AlertMemoryState, emptyMemory } from "../../domain/Alerts.js"
import { AlertMemory, AlertMemoryError } from "../../services/AlertMemory.js"
import { AppConfig } from "../../services/AppConfig.js"
import { atomicWrite, fsReason } from "../fs/atomicWrite.js"
import { stateDir, storeKey } from "../journal/stateDir.js"
import { storeFilesFor } from "../journal/storeFiles.js"

/**
 * Where one config's alert memory lives: `$HERALD_ALERT_STATE_DIR`, else herald's state
 * folder, named after the real config file (symlinks resolved, as for the lock and the
 * journal), so a config reached through a link and by its own path shares one memory.
 */
export const alertMemoryPath = (configFile: string): Effect.Effect<string> =>
  Config.option(Config.nonEmptyString("HERALD_ALERT_STATE_DIR")).pipe(
    Effect.orElseSucceed(() => Option.none<string>()),
    Effect.flatMap(Option.match({ onNone: () => stateDir, onSome: (dir) => Effect.succeed(path.resolve(dir)) })),
    Effect.flatMap((dir) => Effect.map(storeFilesFor(configFile), ({ real }) => path.join(dir, `alerts-${storeKey(real)}.json`)))
  )

const decode = Schema.decodeUnknownEither(Schema.parseJson(AlertMemoryState))

const freshSalt = () => randomBytes(16).toString("hex")

export const make = (file: string): AlertMemory["Type"] => {
  const fail = (e: unknown) => new AlertMemoryError({ file, reason: fsReason(e instanceof Error ? e : new Error(String(e))) })
  const load = Effect.gen(function*() {
    const text = yield* Effect.try({ try: () => fs.readFileSync(file, "utf8"), catch: (e) => e }).pipe(
      Effect.map(Option.some),
      Effect.catchAll((e) =>
        (e as NodeJS.ErrnoException).code === "ENOENT" ? Effect.succeed(Option.none<string>()) : Effect.fail(fail(e))
      )
    )
    if (Option.isNone(text)) return emptyMemory(freshSalt())
    const decoded = decode(text.value)
    if (Either.isLeft(decoded)) {
      // a damaged memory costs one repeated alert, never a run: start over
      yield* Effect.logWarning(`alert memory ${file} is unreadable and starts over (the next alerts repeat once)`)
      return emptyMemory(freshSalt())
    }
    return decoded.right
  })
  const save = Effect.fn("AlertMemory.save")(function*(state: AlertMemoryState) {
    yield* Effect.try({ try: () => fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 }), catch: fail })
    yield* atomicWrite(file, JSON.stringify(state, null, 2) + "\n", 0o600).pipe(Effect.mapError(fail))
  })
  return { file, load, save }
}

export const layer: Layer.Layer<AlertMemory, never, AppConfig> = Layer.effect(
  AlertMemory,
  Effect.gen(function*() {
    const app = yield* AppConfig
    return make(yield* alertMemoryPath(app.file))
  })
)
