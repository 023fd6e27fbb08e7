/**
 * The journal as one JSON file per token store under the state dir, 0600, written atomically.
 * Records are group-committed (../fs/groupCommit.ts): many connections rotating at once
 * share one write, and each still returns only once its entry is on disk. A clear does not
 * wait for a write of its own: it goes out with the next record's write, or with `flush`
 * (a run calls it before releasing its lock; the scope's end calls it too, for callers
 * that do not). Losing one in a crash is harmless — the next run's replay writes back the
 * value the store already holds.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { connectionLabel } from "../../domain/Platform.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Journal, type JournalEntry, JournalError } from "../../services/Journal.js"
import { atomicWrite, fsReason } from "../fs/atomicWrite.js"
import * as GroupCommit from "../fs/groupCommit.js"
import { stateDir, storeKey } from "./stateDir.js"

type Entries = Record<string, JournalEntry>

/** The journal at `file`; clears still queued are written when the scope closes. */
export const make = (file: string) =>
  Effect.gen(function*() {
    const fail = (e: unknown) => new JournalError({ file, reason: fsReason(e as Error) })

    const read: Effect.Effect<Entries, JournalError> = Effect.tryPromise({
      try: async () => JSON.parse(await fs.readFile(file, "utf8")) as Entries,
      catch: (e) => e
    }).pipe(
      Effect.catchAll((e) =>
        (e as NodeJS.ErrnoException).code === "ENOENT" ? Effect.succeed({} as Entries) : Effect.fail(fail(e))
      )
    )

    const write = (entries: Entries) =>
      Object.keys(entries).length === 0
        ? Effect.tryPromise({ try: () => fs.rm(file, { force: true }), catch: fail })
        : Effect.tryPromise({ try: () => fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 }), catch: fail }).pipe(
          Effect.zipRight(atomicWrite(file, JSON.stringify(entries, null, 2) + "\n", 0o600).pipe(Effect.mapError(fail)))
        )

    type Change = (entries: Entries) => void
    const writer = yield* GroupCommit.make((batch: ReadonlyArray<Change>) =>
      Effect.gen(function*() {
        const entries = yield* read
        for (const change of batch) change(entries)
        yield* write(entries)
        return batch.map(() => undefined)
      })
    )
    const modify = (f: Change) => writer.submit(f)
    yield* Effect.addFinalizer(() =>
      writer.flush.pipe(Effect.catchAll((e) => Effect.logWarning(`journal ${e.file} could not be cleared: ${e.reason}`)))
    )

    const service: Journal["Type"] = {
      file,
      record: (connection, update) =>
        Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (now) =>
          modify((entries) => {
            entries[connectionLabel(connection)] = {
              platform: connection.platform,
              account: connection.account,
              at: new Date(now).toISOString(),
              secrets: Object.fromEntries(
                Object.entries(update.secrets).map(([k, v]) => [k, Redacted.value(v as Redacted.Redacted<string>)])
              ),
              metadata: { ...update.metadata }
            }
          })),
      clear: (connection) =>
        writer.defer((entries) => {
          delete entries[connectionLabel(connection)]
        }),
      settle: (connection, job) =>
        writer.defer((entries) => {
          const entry = entries[connectionLabel(connection)]
          if (entry !== undefined) entries[connectionLabel(connection)] = { ...entry, writtenIn: job }
        }),
      pending: Effect.zipRight(writer.flush, Effect.map(read, (entries) => Object.values(entries))),
      flush: writer.flush
    }
    return service
  })

/** One journal per config file, so two configs never replay each other's tokens. */
export const layer: Layer.Layer<Journal, never, AppConfig> = Layer.scoped(
  Journal,
  Effect.gen(function*() {
    const app = yield* AppConfig
    const dir = yield* stateDir
    return yield* make(path.join(dir, `journal-${storeKey(app.file)}.json`))
  })
)
