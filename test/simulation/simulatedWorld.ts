/**
 * herald's whole pipeline over in-memory ports that outlive a run, the way a machine's
 * keychain and config file do: each run reads what the previous one stored (keychain →
 * config), and the expiry metadata it wrote reaches the next run's policy because every
 * run builds its AppConfig from the accumulated config. The keychain keeps a timeline of
 * every value it held, so what a posting tool would have read at any instant is known.
 */
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import { Scrubber } from "../../src/services/Scrubber.js"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { HeraldConfig } from "../../src/domain/Config.js"
import type { Connection } from "../../src/domain/Connection.js"
import { connectionLabel, keychainAccount, type SecretKey } from "../../src/domain/Platform.js"
import type { Report } from "../../src/domain/Status.js"
import { validateConfig } from "../../src/programs/configCatalog.js"
import * as ConfigFile from "../../src/layers/config/ConfigFile.js"
import * as SecretsLive from "../../src/layers/secrets/SecretsLive.js"
import * as LocalWriteBack from "../../src/layers/writeback/Local.js"
import { formatInstant } from "../../src/platforms/policy.js"
import { RefreshersLive } from "../../src/platforms/refreshers.js"
import { DEFAULT_CONCURRENCY, refreshAll } from "../../src/programs/refreshAll.js"
import { AppConfig } from "../../src/services/AppConfig.js"
import { type ConfigEdit, ConfigStore } from "../../src/services/ConfigStore.js"
import { Journal, type JournalEntry } from "../../src/services/Journal.js"
import { Keychain } from "../../src/services/Keychain.js"
import { Notifier } from "../../src/services/Notifier.js"
import { RunLock } from "../../src/services/RunLock.js"
import { Secrets } from "../../src/services/Secrets.js"
import { makeMemoryHttp } from "../support/memoryHttp.js"
import type { SimulatedPlatforms } from "./simulatedPlatforms.js"
import { drive, type VirtualClock } from "./virtualClock.js"

const FILE = "/sim/herald.yaml"

/** The scheduled job's environment holds no secrets: everything comes from the stores. */
const noEnvironment = ConfigProvider.fromMap(new Map())

/** Every value a keychain account held, in time order. */
export class Timeline {
  private readonly entries = new Map<string, Array<{ readonly at: number; readonly value: string }>>()

  record(account: string, at: number, value: string): void {
    const list = this.entries.get(account) ?? []
    list.push({ at, value })
    this.entries.set(account, list)
  }

  /** the value held at `at` (the last write at or before it) */
  valueAt(account: string, at: number): string | undefined {
    const list = this.entries.get(account)
    if (list === undefined) return undefined
    let lo = 0
    let hi = list.length - 1
    let found: string | undefined
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (list[mid]!.at <= at) {
        found = list[mid]!.value
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return found
  }

  /** instants in (from, to) at which the account changed */
  changesBetween(account: string, from: number, to: number): ReadonlyArray<number> {
    return (this.entries.get(account) ?? []).filter((e) => e.at > from && e.at < to).map((e) => e.at)
  }

  values(account: string): ReadonlyArray<{ readonly at: number; readonly value: string }> {
    return this.entries.get(account) ?? []
  }
}

/** `{a: {b: 1}}` with `path` set to `value`, sharing nothing the caller may still hold. */
const setIn = (node: unknown, path: ReadonlyArray<string>, value: ConfigEdit["value"]): Record<string, unknown> => {
  const base = typeof node === "object" && node !== null ? (node as Record<string, unknown>) : {}
  const [head, ...rest] = path
  if (head === undefined) return base
  return { ...base, [head]: rest.length === 0 ? value : setIn(base[head], rest, value) }
}

export interface RunRecord {
  readonly index: number
  readonly at: number
  readonly end: number
  readonly report: Report
  /** the one alert message of the run, if any */
  readonly notified: boolean
}

export interface SimWorldOptions {
  readonly clock: VirtualClock
  readonly platforms: SimulatedPlatforms
  readonly config: HeraldConfig
}

export const makeSimWorld = (options: SimWorldOptions) =>
  Effect.gen(function*() {
    const { clock, platforms } = options
    const keychain = new Map<string, string>()
    const timeline = new Timeline()
    const journal = new Map<string, JournalEntry>()
    const runs: Array<RunRecord> = []
    let config: HeraldConfig = options.config
    let pendingAlert: Report | undefined

    const setSecret = (account: string, value: string) => {
      keychain.set(account, value)
      timeline.record(account, clock.now, value)
    }

    const keychainService: Keychain["Type"] = {
      check: Effect.void,
      get: (account) => Effect.sync(() => Option.map(Option.fromNullable(keychain.get(account)), Redacted.make)),
      set: (account, value) => Effect.sync(() => setSecret(account, Redacted.value(value))),
      remove: (account) => Effect.sync(() => keychain.delete(account))
    }

    const applyEdits = (edits: ReadonlyArray<ConfigEdit>) => {
      for (const edit of edits) config = setIn(config, edit.path, edit.value) as HeraldConfig
    }

    const store: ConfigStore["Type"] = {
      file: FILE,
      check: Effect.void,
      apply: (edits) => Effect.sync(() => applyEdits(edits))
    }

    const journalService: Journal["Type"] = {
      file: "/sim/state/journal.json",
      record: (connection, update) =>
        Effect.sync(() =>
          void journal.set(connectionLabel(connection), {
            platform: connection.platform,
            account: connection.account,
            at: formatInstant(DateTime.unsafeMake(clock.now)),
            secrets: Object.fromEntries(Object.entries(update.secrets).map(([k, v]) => [k, Redacted.value(v!)])),
            metadata: { ...update.metadata }
          })
        ),
      clear: (connection) => Effect.sync(() => void journal.delete(connectionLabel(connection))),
      pending: Effect.sync(() => [...journal.values()])
    }

    const notifier: Notifier["Type"] = {
      name: "memory",
      notify: (report) => Effect.sync(() => void (pendingAlert = report))
    }

    const http = makeMemoryHttp(platforms.handler)
    // built once: nothing in them depends on a run (Secrets does: it is built per run)
    const shared = yield* Layer.build(
      Layer.mergeAll(RefreshersLive, LocalWriteBack.layer).pipe(
        Layer.provideMerge(
          Layer.mergeAll(
            Layer.succeed(Keychain, keychainService),
            Layer.succeed(ConfigStore, store),
            Layer.succeed(Journal, journalService),
            Layer.succeed(Notifier, notifier),
            Layer.succeed(RunLock, { acquire: Effect.void }),
            http.layer
          )
        )
      )
    )

    /** One `herald auth refresh` on the schedule: a fresh process reading the stores. */
    const runHerald = Effect.gen(function*() {
      // loaded and validated as the CLI loads its config file: what herald wrote must still be valid
      config = Either.getOrThrowWith(
        validateConfig(config),
        (issues) => new Error(`herald wrote an invalid config: ${issues.join("; ")}`)
      )
      const app = ConfigFile.appConfigFrom({ file: FILE, exists: true, config })
      // a fresh process: a fresh registry of the secrets it knows
      const perRun = Context.add(Context.add(shared, AppConfig, app), Scrubber, ScrubberRegistry.make())
      const secrets = yield* SecretsLive.make.pipe(Effect.provide(perRun))
      const at = clock.now
      pendingAlert = undefined
      const driven = yield* drive(
        clock,
        refreshAll(undefined, { dryRun: false, concurrency: DEFAULT_CONCURRENCY }).pipe(
          Effect.provide(Context.add(perRun, Secrets, secrets))
        ).pipe(Effect.withConfigProvider(noEnvironment))
      )
      const report = yield* driven.exit
      const record: RunRecord = { index: runs.length, at, end: clock.now, report, notified: pendingAlert !== undefined }
      runs.push(record)
      // the platforms keep their own account; a year of recorded requests would only load the GC
      http.seen.length = 0
      return record
    })

    /** What `herald auth login` leaves behind: the secrets in the keychain, their expiry in config. */
    const login = (
      connection: Pick<Connection, "platform" | "account" | "configPath">,
      secrets: Partial<Record<SecretKey, string>>,
      metadata: Partial<Record<"access_token_expires_at" | "refresh_token_expires_at", number>> = {}
    ) => {
      for (const [key, value] of Object.entries(secrets) as Array<[SecretKey, string]>) {
        setSecret(keychainAccount(connection, key), value)
      }
      applyEdits(
        Object.entries(metadata).map(([key, at]) => ({
          path: [...connection.configPath, key],
          value: formatInstant(DateTime.unsafeMake(at))
        }))
      )
    }

    /** What a posting tool reads for a secret at `at`: keychain, else the config file. */
    const storedAt = (connection: Pick<Connection, "platform" | "account" | "configPath">, key: SecretKey, at: number) =>
      timeline.valueAt(keychainAccount(connection, key), at) ?? configValue(connection.configPath, key)

    const configValue = (path: ReadonlyArray<string>, key: string): string | undefined => {
      let node: unknown = config
      for (const p of [...path, key]) node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[p] : undefined
      return typeof node === "string" ? node : undefined
    }

    return {
      runHerald,
      login,
      storedAt,
      timeline,
      runs,
      journal,
      config: () => config,
      setSecret
    }
  })

export type SimWorld = Effect.Effect.Success<ReturnType<typeof makeSimWorld>>
