/**
 * The journal as one append-only file per token store, beside the config (./storeFiles.ts),
 * 0600. Each change is a line (./journalLog.ts) appended with `O_APPEND` and fsync'd
 * (../fs/appendFile.ts); the file is never rewritten for a record. Changes are
 * group-committed (../fs/groupCommit.ts): the records that arrive while an fsync is in
 * flight share the next one, and each still returns only once its line is on disk. A
 * commit lingers a few ms for the answers to calls sent with its own (GroupCommit.Linger,
 * LINGER_SHARE): a wave's answers, spread over their latency, share a few fsyncs instead of
 * one per turn of the event loop that brought some; a lone answer does not wait. A
 * clear does not wait for a write of its own: it goes out with the next record's append,
 * or with `flush` (a run calls it before releasing its lock; the scope's end calls it too,
 * for callers that do not). Losing one in a crash is harmless — the next run's replay
 * writes back the value the store already holds.
 *
 * The entries are kept in memory, read from the file once (under the run lock, by the
 * first call that needs them) and again only if the file is not what herald last left
 * (its inode or size changed). A commit that leaves no entry removes the file. The file is
 * compacted — rewritten atomically with only its live entries — by `flush` (the end of a
 * run), and when it is first read if it is an older version's format, has unreadable
 * (torn) lines, or is large: never per record.
 *
 * Room for the answer (DESIGN §2 rule 1): before a rotation is sent, `preflight` makes
 * sure the journal's folder takes a new file and a rename, and grows a ballast file
 * (`<journal>.room`) to hold one more entry for every connection waiting for its answer.
 * An append the disk cannot take gives back as much of the ballast as it needs and is
 * tried again, so a disk that filled up meanwhile still takes the token; a disk already
 * full fails the preflight, nothing sent.
 *
 * Journals older versions kept in the state dir are merged in when the journal is first
 * read (and removed once the merged file is on disk): an entry an older run left there is
 * replayed, never stranded.
 */
import * as fsSync from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { PreflightFailed } from "../../domain/errors.js"
import type { Connection } from "../../domain/Connection.js"
import type { Outcome } from "../../domain/Plan.js"
import { connectionLabel } from "../../domain/Platform.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Journal, type JournalEntry, JournalError } from "../../services/Journal.js"
import { appendDurable } from "../fs/appendFile.js"
import { atomicWriteSync, fsReason, fsyncDirSync, isNoSpace, isNotWritable, probeFolderSync } from "../fs/atomicWrite.js"
import * as GroupCommit from "../fs/groupCommit.js"
import { applyOp, compacted, encode, type Entries, type Op, replay } from "./journalLog.js"
import { storeFilesFor } from "./storeFiles.js"

/**
 * Room kept for the lines of one more answer (its refresh token first, then the whole
 * outcome): tokens are at most a few KiB, with their metadata.
 */
export const ENTRY_ROOM = 8 * 1024
/** Room for the file system's own bookkeeping of the journal (a block, an inode). */
export const BASE_ROOM = 16 * 1024
/** The room grows in steps of this many bytes (four entries): it only shrinks on a full disk. */
export const ROOM_STEP = 4 * ENTRY_ROOM
/** A journal found larger than this when first read is compacted then, not only at the run's end. */
export const COMPACT_AT = 256 * 1024
/**
 * A record's commit waits for the answers to calls sent with its own (no later than
 * LINGER_AT_MOST_MS after) until it holds at least 1/LINGER_SHARE of them, with those it
 * holds: a wave's answers in about that many fsyncs, however the latency spreads them…
 */
export const LINGER_SHARE = 3
/**
 * …and never longer than this: a slow answer holds up the others' fsync only so long. A
 * wave's answers stay within it of each other (docs/performance.md, issue 20's fifth pass):
 * with 5 ms, a run whose answers drift by a few ms each wave (test/programs/writeCost.test.ts)
 * split into more and more groups, each with fsyncs of its own.
 */
export const LINGER_AT_MOST_MS = 8

export interface JournalOptions {
  /** journals older versions left for this store, merged in and removed */
  readonly legacy?: ReadonlyArray<string>
}

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_WRONLY } = fsSync.constants
const MODE = 0o600

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
  const fd = fsSync.openSync(file, O_WRONLY | O_CREAT | O_APPEND | (O_NOFOLLOW ?? 0), MODE)
  try {
    fsSync.writeFileSync(fd, Buffer.alloc(size - have))
    fsSync.fsyncSync(fd)
  } finally {
    fsSync.closeSync(fd)
  }
}

/** The text of `file`, or undefined where there is none. Throws any other error. */
const readText = (file: string): string | undefined => {
  try {
    return fsSync.readFileSync(file, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
}

/** What says the file is still the one herald last left: its inode and size. */
const identityOf = (file: string): string | undefined => {
  try {
    const st = fsSync.statSync(file)
    return `${st.ino}:${st.size}`
  } catch {
    return undefined
  }
}

/** The journal's entries, as herald last left the file. */
interface State {
  readonly entries: Entries
  /** how many there are */
  count: number
  /** the last line number in the file */
  last: number
  /** changes in the file (its lines that count): more than the entries means compaction saves */
  lines: number
  /** the file ends without a newline (a torn append): the next append starts a new line */
  openLine: boolean
  /** the file's identity after herald's last write; undefined: there is no file */
  identity: string | undefined
}

/** Apply `op` to the state's entries, keeping their count. */
const applyTo = (s: State, op: Op): void => {
  const key = "put" in op ? op.put : op.del
  const had = key in s.entries
  applyOp(s.entries, op)
  s.count += (key in s.entries ? 1 : 0) - (had ? 1 : 0)
}

/** A change to the entries: the lines it appends (none: nothing changed). */
type Change = (entries: Readonly<Entries>) => ReadonlyArray<Op>
/**
 * What the journal's writer is handed: a change (`sent`: when the call it answers went out,
 * for its commit's Linger), or "compact the file now".
 */
type Item = { readonly change: Change; readonly sent?: number } | { readonly compact: true }

const entryOf = (connection: Connection, update: Pick<Outcome, "secrets" | "metadata">, now: number): JournalEntry => ({
  platform: connection.platform,
  account: connection.account,
  at: new Date(now).toISOString(),
  secrets: Object.fromEntries(Object.entries(update.secrets).map(([k, v]) => [k, Redacted.value(v as Redacted.Redacted<string>)])),
  metadata: { ...update.metadata }
})

/** The journal at `file`; clears still queued are written when the scope closes. */
export const make = (file: string, options: JournalOptions = {}) =>
  Effect.gen(function*() {
    const fail = (e: unknown) => new JournalError({ file, reason: fsReason(e as Error) })
    const ballast = `${file}.room`
    /** connections that passed the preflight and have not recorded since */
    const reserved = new Set<string>()
    /**
     * those of them whose record has not been handed to the writer yet (their answer is on
     * its way), with when their call went out (the preflight's time): what a commit lingers for
     */
    const answering = new Map<string, number>()
    const clock = yield* Effect.clock
    let legacyLeft = [...(options.legacy ?? [])]
    let folderTakesRenames = false
    let state: State | undefined

    /**
     * The ballast's size as herald last left it (undefined: not known, ask the disk): a run's
     * preflights look at it once per connection, and only herald writes it
     */
    let ballastSize: number | undefined
    const removeBallast = () => {
      ballastSize = undefined
      fsSync.rmSync(ballast, { force: true })
      ballastSize = 0
    }
    /** what the connections waiting for their answer need kept free */
    const roomNeeded = () => BASE_ROOM + ENTRY_ROOM * reserved.size
    // grown by half again (at least a ROOM_STEP) each time it is short: a wave of preflights
    // grows (and fsyncs) the room a few times, not once per connection or per step; where the
    // disk cannot take that much, by what is needed alone
    const keepRoom = () => {
      const have = ballastSize ?? (ballastSize = sizeOf(ballast))
      const need = roomNeeded()
      if (have >= need) return
      ballastSize = undefined
      const exact = Math.ceil(need / ROOM_STEP) * ROOM_STEP
      const ahead = Math.max(exact, Math.ceil((have + Math.max(ROOM_STEP, have / 2)) / ROOM_STEP) * ROOM_STEP)
      try {
        growTo(ballast, ahead)
        ballastSize = ahead
      } catch (e) {
        if (ahead === exact || !isNoSpace(e)) throw e
        growTo(ballast, exact)
        ballastSize = exact
      }
    }

    /**
     * The disk is full while a line is appended: give back as much of the room as the line
     * takes, keeping no more than the connections still waiting need (then all of it). False
     * when there is none left to give.
     */
    const freeRoomFor = (bytes: number) => (attempt: number): boolean => {
      ballastSize = undefined
      const have = sizeOf(ballast)
      if (have === 0) return false
      // on a full disk the room's rounding up goes too: a later preflight asks the disk again
      const keep = attempt === 0 && reserved.size > 0 ? Math.min(have - bytes - BASE_ROOM, roomNeeded()) : 0
      try {
        if (keep <= 0) {
          removeBallast()
        } else {
          // never through a symlink planted in its place
          const fd = fsSync.openSync(ballast, O_WRONLY | (O_NOFOLLOW ?? 0))
          try {
            fsSync.ftruncateSync(fd, keep)
          } finally {
            fsSync.closeSync(fd)
          }
        }
      } catch {
        removeBallast()
      }
      return true
    }

    /** Replace the file by its live entries alone (none: the file goes). */
    const rewrite = (s: State) => {
      if (s.count === 0) {
        if (s.identity !== undefined || fsSync.existsSync(file)) {
          fsSync.rmSync(file, { force: true })
          fsyncDirSync(path.dirname(file))
        }
        s.identity = undefined
        s.last = 0
        s.lines = 0
      } else {
        fsSync.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
        atomicWriteSync(file, compacted(s.entries), MODE)
        s.identity = identityOf(file)
        s.last = s.count
        s.lines = s.last
      }
      s.openLine = false
    }

    /** Entries older versions left in the state dir, merged into `entries` (the newer of two wins). */
    const mergeLegacy = (entries: Entries) =>
      Effect.forEach(legacyLeft, (old) =>
        Effect.try({ try: () => readText(old), catch: (e) => e }).pipe(
          Effect.map((text) => {
            for (const entry of Object.values(replay(text ?? "").entries)) {
              const label = connectionLabel(entry)
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

    /** The entries: from memory while the file is what herald last left, else read from it. */
    const load: Effect.Effect<State, JournalError> = Effect.gen(function*() {
      if (state !== undefined && identityOf(file) === state.identity) return state
      state = undefined
      const text = yield* Effect.try({ try: () => readText(file), catch: fail })
      const found = replay(text ?? "")
      // by what each entry says it is: a clear (by the connection's label) must find it
      const entries: Entries = {}
      let rekeyed = false
      for (const [key, entry] of Object.entries(found.entries)) {
        const label = connectionLabel(entry)
        if (label !== key) rekeyed = true
        entries[label] = entry
      }
      const s: State = {
        entries,
        count: Object.keys(entries).length,
        last: found.last,
        lines: found.lines,
        openLine: found.openLine,
        identity: text === undefined ? undefined : identityOf(file)
      }
      if (found.skipped > 0) {
        // the torn end of an append a crash cut short: every whole line before and after it counts
        yield* Effect.logWarning(`journal ${file}: ${found.skipped} unreadable line(s) skipped (a write cut short, most likely by a crash)`)
      }
      const merged = legacyLeft.length > 0 ? (yield* mergeLegacy(s.entries)).filter((f) => f !== undefined) : []
      s.count = Object.keys(s.entries).length
      const large = (text?.length ?? 0) > COMPACT_AT && found.lines > 2 * Object.keys(found.entries).length
      if (found.legacy || found.skipped > 0 || found.duplicates > 0 || rekeyed || large || merged.length > 0) {
        yield* Effect.try({ try: () => rewrite(s), catch: fail })
      }
      // only once their entries are in this journal
      for (const old of merged) fsSync.rmSync(old, { force: true })
      legacyLeft = legacyLeft.filter((f) => !merged.includes(f))
      state = s
      return s
    })

    const commit = (batch: ReadonlyArray<Item>) =>
      Effect.gen(function*() {
        const s = yield* load
        // applied as they are made (each change sees the ones before it); should the write
        // fail, the state is dropped and read from the file again
        const ops: Array<Op> = []
        for (const item of batch) {
          if (!("change" in item)) continue
          for (const op of item.change(s.entries)) {
            applyTo(s, op)
            ops.push(op)
          }
        }
        if (ops.length > 0) {
          // what is on disk is no longer known after a failure: read it again next time
          const failed = (e: unknown) => {
            state = undefined
            return fail(e)
          }
          if (s.count === 0) {
            // nothing left to keep: the file goes instead of growing by the clears
            yield* Effect.try({ try: () => rewrite(s), catch: failed })
          } else {
            const text = (s.openLine ? "\n" : "") + encode(ops, s.last + 1)
            yield* Effect.try({ try: () => fsSync.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 }), catch: failed })
            const done = yield* appendDurable(file, text, MODE, freeRoomFor(Buffer.byteLength(text))).pipe(Effect.mapError(failed))
            s.last += ops.length
            s.lines += ops.length
            s.openLine = false
            s.identity = `${done.ino}:${done.size}`
          }
        }
        if (batch.some((item) => "compact" in item) && s.lines > s.count) {
          yield* Effect.try({
            try: () => rewrite(s),
            catch: (e) => {
              state = undefined
              return fail(e)
            }
          })
        }
        // the room an append took, back for those still waiting (best effort: their preflight had it)
        if (reserved.size > 0) {
          try {
            keepRoom()
          } catch {
            // the space freed by the write stays free for them
          }
        }
        return batch.map(() => undefined)
      })

    /** the answers on their way to calls sent no later than `until` */
    const expected = (until: number) => {
      let n = 0
      for (const sent of answering.values()) if (sent <= until) n++
      return n
    }
    const writer = yield* GroupCommit.make(commit, {
      sentAt: (item) => ("change" in item ? item.sent : undefined),
      expected,
      share: LINGER_SHARE,
      atMost: LINGER_AT_MOST_MS
    })
    const submit = (change: Change) => writer.submit({ change })
    yield* Effect.addFinalizer(() =>
      writer.flush.pipe(
        Effect.catchAll((e) => Effect.logWarning(`journal ${e.file} could not be cleared: ${e.reason}`)),
        Effect.ensuring(Effect.sync(removeBallast))
      )
    )

    const preflight = (connection: Parameters<Journal["Type"]["record"]>[0]) =>
      Effect.try({
        try: () => {
          // once per run: a commit makes the folder again should it go meanwhile
          if (!folderTakesRenames) {
            fsSync.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
            probeFolderSync(path.dirname(file))
            folderTakesRenames = true
          }
          reserved.add(connectionLabel(connection))
          keepRoom()
          answering.set(connectionLabel(connection), clock.unsafeCurrentTimeMillis())
        },
        catch: (e) => {
          reserved.delete(connectionLabel(connection))
          const err = e as NodeJS.ErrnoException
          const why = isNoSpace(err)
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
      // a call that failed records nothing: its room must not stay reserved for the rest of the run
      release: (connection) =>
        Effect.sync(() => {
          reserved.delete(connectionLabel(connection))
          // a commit lingering for its answer need not wait for it
          if (answering.delete(connectionLabel(connection))) writer.nudge()
        }),
      record: (connection, update) =>
        Effect.clockWith((clock) => {
          const now = clock.unsafeCurrentTimeMillis()
          const label = connectionLabel(connection)
          const sent = answering.get(label)
          answering.delete(label)
          const change: Change = () => {
            reserved.delete(label)
            return [{ put: label, entry: entryOf(connection, update, now) }]
          }
          return writer.submit(sent === undefined ? { change } : { change, sent })
        }),
      amend: (connection, update) =>
        Effect.clockWith((clock) => {
          const now = clock.unsafeCurrentTimeMillis()
          return writer.defer({
            change: (entries) =>
              connectionLabel(connection) in entries ? [{ put: connectionLabel(connection), entry: entryOf(connection, update, now) }] : []
          })
        }),
      clear: (connection) =>
        writer.defer({
          change: (entries) => (connectionLabel(connection) in entries ? [{ del: connectionLabel(connection) }] : [])
        }),
      supersede: (connection, keys) =>
        Effect.suspend(() => {
          let before: JournalEntry | undefined
          return Effect.map(
            submit((entries) => {
              const ops: Array<Op> = []
              // by what the entry says it is (as replay finds it), whatever its key
              for (const [label, entry] of Object.entries(entries)) {
                if (entry.platform !== connection.platform || entry.account !== connection.account) continue
                if (!keys.some((k) => k in entry.secrets)) continue
                before = entry
                const secrets = Object.fromEntries(Object.entries(entry.secrets).filter(([k]) => !keys.includes(k)))
                ops.push(Object.keys(secrets).length === 0 ? { del: label } : { put: label, entry: { ...entry, secrets } })
              }
              return ops
            }),
            () => before
          )
        }),
      // a change of nothing: whatever waits is written first, and the file read if it must be
      pending: submit(() => []).pipe(Effect.zipRight(load), Effect.map((s) => Object.values(s.entries))),
      settle: (connection, job) =>
        writer.defer({
          change: (entries) => {
            const entry = entries[connectionLabel(connection)]
            return entry === undefined ? [] : [{ put: connectionLabel(connection), entry: { ...entry, writtenIn: job } }]
          }
        }),
      // the end of a run (before it lets go of the lock): what waits is written, the file compacted
      flush: writer.submit({ compact: true }).pipe(
        Effect.zipRight(Effect.sync(() => {
          if (reserved.size === 0) removeBallast()
        }))
      )
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
