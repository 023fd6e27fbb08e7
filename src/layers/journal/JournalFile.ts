/**
 * The journal as one JSON file per token store, beside the config (./storeFiles.ts), 0600,
 * written atomically. Records are group-committed (../fs/groupCommit.ts): many connections
 * rotating at once share one write, and each still returns only once its entry is on disk.
 * A clear does not wait for a write of its own: it goes out with the next record's write,
 * or with `flush` (a run calls it before releasing its lock; the scope's end calls it too,
 * for callers that do not). Losing one in a crash is harmless — the next run's replay
 * writes back the value the store already holds.
 *
 * Room for the answer (DESIGN §2 rule 1): before a rotation is sent, `preflight` makes
 * sure the journal's folder takes a new file and a rename, and grows a ballast file
 * (`<journal>.room`) by enough for the journal to be rewritten with one more entry. The
 * ballast is released just before each journal write (as much of it as the write takes), so
 * a disk that filled up meanwhile still has room for the token; a disk already full fails
 * the preflight, nothing sent.
 *
 * Journals older versions kept in the state dir are merged in by the first write or read
 * (and then removed): an entry an older run left there is replayed, never stranded.
 */
import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { PreflightFailed } from "../../domain/errors.js"
import { connectionLabel } from "../../domain/Platform.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Journal, type JournalEntry, JournalError } from "../../services/Journal.js"
import { atomicWrite, fsReason, isNotWritable, probeFolderSync } from "../fs/atomicWrite.js"
import * as GroupCommit from "../fs/groupCommit.js"
import { storeFilesFor } from "./storeFiles.js"

type Entries = Record<string, JournalEntry>

/** Room kept for one more entry: tokens are at most a few KiB, with their metadata. */
export const ENTRY_ROOM = 16 * 1024
/** Room for the file system's own bookkeeping of the new journal (a block, an inode). */
export const BASE_ROOM = 16 * 1024
/** The room grows in steps of this many bytes (eight entries). */
export const ROOM_STEP = 8 * ENTRY_ROOM

export interface JournalOptions {
  /** journals older versions left for this store, merged in and removed */
  readonly legacy?: ReadonlyArray<string>
}

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_WRONLY } = fsSync.constants

const sizeOf = (file: string): number => {
  try {
    return fsSync.lstatSync(file).size
  } catch {
    return 0
  }
}

/** Grow `file` to at least `size` bytes of real, allocated data (not a sparse hole). */
const growTo = (file: string, size: number): void => {
  const have = sizeOf(file)
  if (have >= size) return
  const fd = fsSync.openSync(file, O_WRONLY | O_CREAT | O_APPEND | (O_NOFOLLOW ?? 0), 0o600)
  try {
    fsSync.writeFileSync(fd, Buffer.alloc(size - have))
    fsSync.fsyncSync(fd)
  } finally {
    fsSync.closeSync(fd)
  }
}

const readEntries = (file: string): Effect.Effect<Entries | undefined, unknown> =>
  Effect.tryPromise({
    try: async () => JSON.parse(await fs.readFile(file, "utf8")) as Entries,
    catch: (e) => e
  }).pipe(
    Effect.catchAll((e) => ((e as NodeJS.ErrnoException).code === "ENOENT" ? Effect.succeed(undefined) : Effect.fail(e)))
  )

/** The journal at `file`; clears still queued are written when the scope closes. */
export const make = (file: string, options: JournalOptions = {}) =>
  Effect.gen(function*() {
    const fail = (e: unknown) => new JournalError({ file, reason: fsReason(e as Error) })
    const ballast = `${file}.room`
    /** connections that passed the preflight and have not recorded since */
    const reserved = new Set<string>()
    let legacyLeft = [...(options.legacy ?? [])]
    let folderTakesRenames = false

    const read: Effect.Effect<Entries, JournalError> = Effect.map(
      Effect.mapError(readEntries(file), fail),
      (entries) => entries ?? {}
    )

    /** Entries older versions left, merged into `entries` (the newer of two wins). */
    const mergeLegacy = (entries: Entries) =>
      Effect.forEach(legacyLeft, (old) =>
        readEntries(old).pipe(
          Effect.map((found) => {
            for (const [label, entry] of Object.entries(found ?? {})) {
              const mine = entries[label]
              if (mine === undefined || Date.parse(mine.at) < Date.parse(entry.at)) entries[label] = entry
            }
            return old
          }),
          // an unreadable old journal is left where it is, and said
          Effect.catchAll((e) =>
            Effect.logError(`old journal ${old} cannot be read (${fsReason(e as Error)}); left there`).pipe(Effect.as(undefined))
          )
        ))

    const removeBallast = () => fsSync.rmSync(ballast, { force: true })
    // rounded up to ROOM_STEP: a run's preflights grow (and fsync) the room once per step,
    // not once per connection
    const roomNeeded = () => Math.ceil((sizeOf(file) + BASE_ROOM + ENTRY_ROOM * reserved.size) / ROOM_STEP) * ROOM_STEP

    /**
     * Give back as much of the room as a write of `bytes` takes (all of it when it holds no
     * more): the rest stays reserved, so that regrowing it afterwards writes only what this
     * write used, not the whole room again.
     */
    const releaseFor = (bytes: number) => {
      const keep = sizeOf(ballast) - bytes - BASE_ROOM
      if (keep <= 0) return removeBallast()
      try {
        // never through a symlink planted in its place
        const fd = fsSync.openSync(ballast, O_WRONLY | (O_NOFOLLOW ?? 0))
        try {
          fsSync.ftruncateSync(fd, keep)
        } finally {
          fsSync.closeSync(fd)
        }
      } catch {
        removeBallast()
      }
    }

    const write = (entries: Entries) =>
      Object.keys(entries).length === 0
        ? Effect.tryPromise({ try: () => fs.rm(file, { force: true }), catch: fail })
        : Effect.suspend(() => {
          const text = JSON.stringify(entries, null, 2) + "\n"
          return Effect.tryPromise({ try: () => fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 }), catch: fail }).pipe(
            // the room kept for this write is given back just before it
            Effect.zipRight(Effect.sync(() => releaseFor(Buffer.byteLength(text)))),
            Effect.zipRight(atomicWrite(file, text, 0o600).pipe(Effect.mapError(fail)))
          )
        })

    /** After a write, keep room for those still to record (best effort: their preflight had it). */
    const regrow = Effect.sync(() => {
      if (reserved.size === 0) return removeBallast()
      try {
        growTo(ballast, roomNeeded())
      } catch {
        // the space freed by the write stays free for them
      }
    })

    type Change = (entries: Entries) => void
    const writer = yield* GroupCommit.make((batch: ReadonlyArray<Change>) =>
      Effect.gen(function*() {
        const entries = yield* read
        const merged = legacyLeft.length > 0 ? yield* mergeLegacy(entries) : []
        for (const change of batch) change(entries)
        yield* write(entries)
        // only once their entries are in this journal
        for (const old of merged) if (old !== undefined) fsSync.rmSync(old, { force: true })
        legacyLeft = legacyLeft.filter((f) => !merged.includes(f))
        yield* regrow
        return batch.map(() => undefined)
      })
    )
    const modify = (f: Change) => writer.submit(f)
    yield* Effect.addFinalizer(() =>
      writer.flush.pipe(
        Effect.catchAll((e) => Effect.logWarning(`journal ${e.file} could not be cleared: ${e.reason}`)),
        Effect.ensuring(Effect.sync(removeBallast))
      )
    )

    const legacyExists = Effect.sync(() => legacyLeft.some((f) => fsSync.existsSync(f)))

    const preflight = (connection: Parameters<Journal["Type"]["record"]>[0]) =>
      Effect.try({
        try: () => {
          fsSync.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
          if (!folderTakesRenames) {
            probeFolderSync(path.dirname(file))
            folderTakesRenames = true
          }
          reserved.add(connectionLabel(connection))
          growTo(ballast, roomNeeded())
        },
        catch: (e) => {
          reserved.delete(connectionLabel(connection))
          const err = e as NodeJS.ErrnoException
          const why = err.code === "ENOSPC" || err.code === "EDQUOT"
            ? `no room for the journal in ${path.dirname(file)} (${err.code}): free some space there`
            : isNotWritable(err)
            ? `the journal's folder ${path.dirname(file)} is not writable (${fsReason(err)})`
            : `the journal ${file} cannot be written (${fsReason(err)})`
          return new PreflightFailed({ platform: connection.platform, account: connection.account, reason: why })
        }
      })

    const service: Journal["Type"] = {
      file,
      preflight,
      record: (connection, update) =>
        Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (now) =>
          modify((entries) => {
            reserved.delete(connectionLabel(connection))
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
      supersede: (connection, keys) =>
        Effect.suspend(() => {
          let before: JournalEntry | undefined
          return Effect.map(
            modify((entries) => {
              // by what the entry says it is (as replay finds it), whatever its key
              for (const [label, entry] of Object.entries(entries)) {
                if (entry.platform !== connection.platform || entry.account !== connection.account) continue
                if (!keys.some((k) => k in entry.secrets)) continue
                before = entry
                const secrets = Object.fromEntries(Object.entries(entry.secrets).filter(([k]) => !keys.includes(k)))
                if (Object.keys(secrets).length === 0) delete entries[label]
                else entries[label] = { ...entry, secrets }
              }
            }),
            () => before
          )
        }),
      pending: Effect.gen(function*() {
        // an old journal is merged by a write: make one if nothing else would
        if (yield* legacyExists) yield* modify(() => undefined)
        yield* writer.flush
        return Object.values(yield* read)
      }),
      settle: (connection, job) =>
        writer.defer((entries) => {
          const entry = entries[connectionLabel(connection)]
          if (entry !== undefined) entries[connectionLabel(connection)] = { ...entry, writtenIn: job }
        }),
      flush: writer.flush
    }
    return service
  })

/** One journal per config file, beside it, so two configs never replay each other's tokens. */
export const layer: Layer.Layer<Journal, never, AppConfig> = Layer.scoped(
  Journal,
  Effect.gen(function*() {
    const app = yield* AppConfig
    const files = yield* storeFilesFor(app.file)
    return yield* make(files.journal, { legacy: files.legacyJournals })
  })
)
