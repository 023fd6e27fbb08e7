/** In-memory implementations of every port, for unit tests of the pipeline and embedding. */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { HeraldConfig } from "../../src/domain/Config.js"
import * as ConfigFile from "../../src/layers/config/ConfigFile.js"
import * as KeychainMemory from "../../src/layers/keychain/Memory.js"
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import { SecretsLive } from "../../src/layers/secrets/SecretsLive.js"
import * as LocalWriteBack from "../../src/layers/writeback/Local.js"
import { RefreshersLive } from "../../src/platforms/registry.js"
import { Keychain } from "../../src/services/Keychain.js"
import { type ConfigEdit, ConfigStore, ConfigWriteError } from "../../src/services/ConfigStore.js"
import { Journal, type JournalEntry, JournalError } from "../../src/services/Journal.js"
import { Notifier, NotifyFailed } from "../../src/services/Notifier.js"
import { RunLock } from "../../src/services/RunLock.js"
import type { Report } from "../../src/domain/Status.js"
import { connectionLabel } from "../../src/domain/Platform.js"
import type { Handler } from "./memoryHttp.js"
import { makeMemoryHttp } from "./memoryHttp.js"

export interface MemoryWorld {
  readonly keychain: Map<string, string>
  readonly edits: Array<ConfigEdit>
  readonly journal: Map<string, JournalEntry>
  readonly notified: Array<Report>
  readonly seen: ReturnType<typeof makeMemoryHttp>["seen"]
  readonly files: { configWritable: boolean; applyFails: boolean; journalWritable: boolean; notifyFails: boolean }
}

export interface WorldOptions {
  readonly config: HeraldConfig
  readonly http: Handler
  readonly env?: Record<string, string>
  readonly keychain?: Record<string, string>
  /** makes the keychain unusable, with this reason */
  readonly keychainUnavailable?: string
}

export const makeWorld = (options: WorldOptions) => {
  const http = makeMemoryHttp(options.http)
  const world: MemoryWorld = {
    keychain: new Map(),
    edits: [],
    journal: new Map(),
    notified: [],
    seen: http.seen,
    files: { configWritable: true, applyFails: false, journalWritable: true, notifyFails: false }
  }
  const file = "/memory/herald.yaml"

  const keychainLayer = Layer.effect(
    Keychain,
    Effect.gen(function*() {
      const m = yield* KeychainMemory.make(
        options.keychain ?? {},
        options.keychainUnavailable === undefined ? {} : { unavailable: options.keychainUnavailable }
      )
      // mirror the Ref into the world so tests can read what was stored
      return {
        ...m.service,
        set: (account: string, value: Redacted.Redacted<string>) =>
          m.service.set(account, value).pipe(Effect.tap(() => Effect.sync(() => world.keychain.set(account, Redacted.value(value)))))
      }
    })
  )

  const store = Layer.succeed(ConfigStore, {
    file,
    check: Effect.suspend(() =>
      world.files.configWritable ? Effect.void : Effect.fail(new ConfigWriteError({ file, reason: "EACCES" }))
    ),
    apply: (edits: ReadonlyArray<ConfigEdit>) =>
      Effect.suspend(() =>
        world.files.configWritable && !world.files.applyFails
          ? Effect.sync(() => void world.edits.push(...edits))
          : Effect.fail(new ConfigWriteError({ file, reason: "EACCES" }))
      )
  })

  const journal = Layer.succeed(Journal, {
    file: "/memory/state/journal.json",
    record: (connection, update) =>
      Effect.suspend(() =>
        world.files.journalWritable
          ? Effect.sync(() =>
            void world.journal.set(connectionLabel(connection), {
              platform: connection.platform,
              account: connection.account,
              at: "now",
              secrets: Object.fromEntries(Object.entries(update.secrets).map(([k, v]) => [k, Redacted.value(v!)])),
              metadata: { ...update.metadata }
            })
          )
          : Effect.fail(new JournalError({ file: "/memory/state/journal.json", reason: "EROFS" }))
      ),
    clear: (connection) => Effect.sync(() => void world.journal.delete(connectionLabel(connection))),
    settle: (connection, job) =>
      Effect.sync(() => {
        const entry = world.journal.get(connectionLabel(connection))
        if (entry !== undefined) world.journal.set(connectionLabel(connection), { ...entry, writtenIn: job })
      }),
    pending: Effect.sync(() => [...world.journal.values()])
  })

  const notifier = Layer.succeed(Notifier, {
    name: "memory",
    notify: (report: Report) =>
      Effect.suspend(() =>
        world.files.notifyFails
          ? Effect.fail(new NotifyFailed({ backend: "memory", reason: "HTTP 404 from the webhook" }))
          : Effect.sync(() => void world.notified.push(report))
      )
  })

  const lock = Layer.succeed(RunLock, { acquire: Effect.void })
  const config = ConfigFile.fromValue(options.config, file)

  const layer = Layer.mergeAll(RefreshersLive, SecretsLive, LocalWriteBack.layer, notifier, journal, lock).pipe(
    Layer.provideMerge(Layer.mergeAll(store, keychainLayer, http.layer, ScrubberRegistry.layer)),
    Layer.provideMerge(config),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(options.env ?? {})))))
  )
  return { world, layer }
}
