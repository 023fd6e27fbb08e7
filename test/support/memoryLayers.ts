/** In-memory implementations of every port, for unit tests of the pipeline and embedding. */
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import type { HeraldConfig } from "../../src/domain/Config.js"
import * as ConfigFile from "../../src/layers/config/ConfigFile.js"
import * as KeychainMemory from "../../src/layers/keychain/Memory.js"
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import { SecretsLive } from "../../src/layers/secrets/SecretsLive.js"
import * as LocalWriteBack from "../../src/layers/writeback/Local.js"
import { RefreshersLive } from "../../src/platforms/refreshers.js"
import { Keychain, KeychainUnavailable } from "../../src/services/Keychain.js"
import { type ConfigEdit, ConfigStore, ConfigWriteError } from "../../src/services/ConfigStore.js"
import { Journal, type JournalEntry, JournalError } from "../../src/services/Journal.js"
import { type AlertNotice, Notifier, NotifyFailed } from "../../src/services/Notifier.js"
import { RunLock } from "../../src/services/RunLock.js"
import type { Report } from "../../src/domain/Status.js"
import { connectionLabel } from "../../src/domain/Platform.js"
import type { Handler } from "./memoryHttp.js"
import * as GroupCommit from "../../src/layers/fs/groupCommit.js"
import { makeMemoryHttp } from "./memoryHttp.js"
import { preloadPlatforms } from "./platforms.js"

// the platforms' calls are loaded on first use; loaded here, a run under TestClock does not
// spend its first simulated seconds waiting for a module
await preloadPlatforms

export interface MemoryWorld {
  readonly keychain: Map<string, string>
  readonly edits: Array<ConfigEdit>
  readonly journal: Map<string, JournalEntry>
  readonly notified: Array<Report>
  /** what each notified run told (parallel to `notified`; undefined when told without memory) */
  readonly notices: Array<AlertNotice | undefined>
  readonly seen: ReturnType<typeof makeMemoryHttp>["seen"]
  readonly files: { configWritable: boolean; applyFails: boolean; journalWritable: boolean; notifyFails: boolean }
  /**
   * a keychain that fails these calls, with this reason (a hiccup, a locked item); `check`
   * is one that is there but stops answering (a locked collection, a timeout)
   */
  readonly keychainFaults: { get?: string; set?: string; remove?: string; check?: string }
  /** what the keychain holds now: the seeded entries and every change since */
  readonly keychainNow: () => ReadonlyMap<string, string>
}

export interface WorldOptions {
  readonly config: HeraldConfig
  readonly http: Handler
  readonly env?: Record<string, string>
  readonly keychain?: Record<string, string>
  /** makes the keychain unusable, with this reason */
  readonly keychainUnavailable?: string
  /** with keychainUnavailable: the keychain is there but does not answer (locked), rather than absent */
  readonly keychainPresent?: boolean
  /**
   * the config store stages edits for shared commits (ConfigStore.stage, as the file store
   * does); each commit is told to `onCommit` first, with the edits it holds
   */
  readonly sharedCommits?: { readonly onCommit?: (edits: ReadonlyArray<ConfigEdit>) => void }
}

export const makeWorld = (options: WorldOptions) => {
  const http = makeMemoryHttp(options.http)
  const world: MemoryWorld = {
    keychain: new Map(),
    edits: [],
    journal: new Map(),
    notified: [],
    notices: [],
    seen: http.seen,
    files: { configWritable: true, applyFails: false, journalWritable: true, notifyFails: false },
    keychainFaults: {},
    keychainNow: () => new Map()
  }
  const file = "/memory/herald.yaml"

  const keychainLayer = Layer.effect(
    Keychain,
    Effect.gen(function*() {
      const m = yield* KeychainMemory.make(
        options.keychain ?? {},
        options.keychainUnavailable === undefined
          ? {}
          : { unavailable: options.keychainUnavailable, ...(options.keychainPresent === true ? { present: true } : {}) }
      )
      ;(world as { keychainNow: () => ReadonlyMap<string, string> }).keychainNow = () => Effect.runSync(Ref.get(m.store))
      const fault = (which: keyof MemoryWorld["keychainFaults"]) =>
        Effect.suspend(() => {
          const reason = world.keychainFaults[which]
          return reason === undefined
            ? Effect.void
            : Effect.fail(new KeychainUnavailable({ reason, ...(which === "check" ? { present: true } : {}) }))
        })
      // mirror the Ref into the world so tests can read what was stored
      return {
        ...m.service,
        check: fault("check").pipe(Effect.zipRight(m.service.check)),
        get: (account: string) => fault("get").pipe(Effect.zipRight(m.service.get(account))),
        set: (account: string, value: Redacted.Redacted<string>) =>
          fault("set").pipe(
            Effect.zipRight(m.service.set(account, value)),
            Effect.tap(() => Effect.sync(() => world.keychain.set(account, Redacted.value(value))))
          ),
        remove: (account: string) =>
          fault("remove").pipe(
            Effect.zipRight(m.service.remove(account)),
            Effect.tap(() => Effect.sync(() => world.keychain.delete(account)))
          )
      }
    })
  )

  const applyNow = (edits: ReadonlyArray<ConfigEdit>) =>
    Effect.suspend(() =>
      world.files.configWritable && !world.files.applyFails
        ? Effect.sync(() => void world.edits.push(...edits))
        : Effect.fail(new ConfigWriteError({ file, reason: "EACCES" }))
    )
  const shared = options.sharedCommits
  const store = shared === undefined
    ? Layer.succeed(ConfigStore, {
      file,
      check: Effect.suspend(() =>
        world.files.configWritable ? Effect.void : Effect.fail(new ConfigWriteError({ file, reason: "EACCES" }))
      ),
      apply: applyNow
    })
    : Layer.effect(
      ConfigStore,
      Effect.map(
        GroupCommit.make((batch: ReadonlyArray<ReadonlyArray<ConfigEdit>>) =>
          Effect.suspend(() => {
            shared.onCommit?.(batch.flat())
            return Effect.as(applyNow(batch.flat()), batch.map(() => undefined))
          })
        ),
        (writer) => ({
          file,
          check: Effect.suspend(() =>
            world.files.configWritable ? Effect.void : Effect.fail(new ConfigWriteError({ file, reason: "EACCES" }))
          ),
          apply: (edits: ReadonlyArray<ConfigEdit>) => writer.submit(edits),
          stage: (edits: ReadonlyArray<ConfigEdit>) => writer.stage(edits)
        })
      )
    )

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
    notify: (report: Report, notice?: AlertNotice) =>
      Effect.suspend(() =>
        world.files.notifyFails
          ? Effect.fail(new NotifyFailed({ backend: "memory", reason: "HTTP 404 from the webhook" }))
          : Effect.sync(() => {
            world.notified.push(report)
            world.notices.push(notice)
          })
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
