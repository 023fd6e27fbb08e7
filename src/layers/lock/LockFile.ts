/**
 * The run lock as a file beside the config (../journal/storeFiles.ts; DESIGN §2 rule 3).
 *
 * - The lock appears whole or not at all: its record is written to a private temp file
 *   (unpredictable name, `O_EXCL|O_NOFOLLOW`) and hard-linked into place, which fails if a
 *   lock exists. (`open(O_EXCL)` then `write` would leave an empty file that a second run
 *   could read as garbage.)
 * - A holder touches the lock's mtime every minute (a heartbeat), so a lock from another
 *   host can be judged by when its holder last showed life.
 * - Which locks are taken over, which are respected, and which alert: `judgeHolder`.
 * - A lock judged stale is taken over under a short-lived takeover marker, and only if the
 *   file still holds the very record judged stale: two runs that find the same dead lock
 *   never both end up holding it.
 * - Two fibers of one process exclude each other too (herald embedded as a library): a
 *   lock with our pid is live when this process issued its id, and stale otherwise (a
 *   container restarted with the same pid, typically 1).
 */
import { randomUUID } from "node:crypto"
import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import { AppConfig } from "../../services/AppConfig.js"
import { LockHeld, LockUnavailable, RunLock } from "../../services/RunLock.js"
import { createExclusiveSync, fsReason, isNoSpace, isNotWritable, tempNameFor } from "../fs/atomicWrite.js"
import { storeFilesFor } from "../journal/storeFiles.js"

/** How often a holder touches its lock. */
export const HEARTBEAT = Duration.minutes(1)
/** A lock from another host whose holder has not touched it for this long is abandoned. */
export const ABANDONED_AFTER = Duration.minutes(15)
/** A live holder older than this is stuck: a run takes minutes, never hours. Alert. */
export const STUCK_AFTER = Duration.hours(6)

interface Holder {
  readonly pid: number
  readonly startedAt: string
  /** unique per acquisition, so a release never removes someone else's lock */
  readonly id?: string
  /** a pid means nothing on another machine (a state dir on a shared home) */
  readonly host?: string
  /** the holder's start time in clock ticks since boot (/proc/<pid>/stat), where known */
  readonly procStart?: string
  /** the kernel's boot id when the lock was taken, where known: a reboot frees every pid */
  readonly bootId?: string
}

type Mine = Holder & { readonly id: string; readonly host: string }

/** What is in a lock file: its exact text (for compare-before-remove), the record, and its mtime. */
interface Found {
  readonly raw: string
  readonly holder: Holder | undefined
  readonly touchedAt: number | undefined
}

/** What this process knows about the machine, for judging a lock. */
export interface Facts {
  readonly now: number
  readonly host: string
  readonly pid: number
  readonly bootId: string | undefined
  readonly ownIds: ReadonlySet<string>
  readonly alive: (pid: number) => boolean
  readonly procStart: (pid: number) => string | undefined
}

export type Judgement = "live" | "stale" | "stuck"

/**
 * Pure: is the holder of a lock still running (respect it), provably gone (take it over),
 * or running for implausibly long (respect it, but alert)?
 *
 * - unreadable, or a pid no process can have → stale
 * - this host (or no host recorded): another boot → stale; pid gone → stale; pid alive but
 *   started at another moment than the holder did (a reused pid) → stale; our own pid →
 *   live only while this process holds that id
 * - another host: no heartbeat for `ABANDONED_AFTER` → stale (the holder would have
 *   touched it); else live
 * - live, but started more than `STUCK_AFTER` ago → stuck
 */
export const judgeHolder = (holder: Holder | undefined, touchedAt: number | undefined, facts: Facts): Judgement => {
  if (holder === undefined || !Number.isInteger(holder.pid) || holder.pid <= 0) return "stale"
  const started = Date.parse(holder.startedAt)
  const stuck = (): Judgement =>
    Number.isFinite(started) && facts.now - started > Duration.toMillis(STUCK_AFTER) ? "stuck" : "live"
  if (holder.host !== undefined && holder.host !== facts.host) {
    const lastSign = touchedAt ?? started
    if (Number.isFinite(lastSign) && facts.now - lastSign > Duration.toMillis(ABANDONED_AFTER)) return "stale"
    return stuck()
  }
  if (holder.bootId !== undefined && facts.bootId !== undefined && holder.bootId !== facts.bootId) return "stale"
  if (holder.pid === facts.pid) return holder.id !== undefined && facts.ownIds.has(holder.id) ? stuck() : "stale"
  if (!facts.alive(holder.pid)) return "stale"
  if (holder.procStart !== undefined) {
    const now = facts.procStart(holder.pid)
    if (now !== undefined && now !== holder.procStart) return "stale"
  }
  return stuck()
}


const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/** Ids of the locks this process holds or is acquiring. */
const ownIds = new Set<string>()

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
export const procStartOf = (pid: number): string | undefined => {
  try {
    const stat = fsSync.readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return fields[19]
  } catch {
    return undefined
  }
}

const readBootId = (): string | undefined => {
  try {
    return fsSync.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || undefined
  } catch {
    return undefined
  }
}

const factsNow = (): Facts => ({
  now: Date.now(),
  host: os.hostname(),
  pid: process.pid,
  bootId: readBootId(),
  ownIds,
  alive,
  procStart: procStartOf
})

const parseHolder = (raw: string): Holder | undefined => {
  try {
    const v = JSON.parse(raw) as Partial<Holder>
    return typeof v.pid === "number" && typeof v.startedAt === "string" ? (v as Holder) : undefined
  } catch {
    return undefined
  }
}

const { O_NOFOLLOW, O_RDONLY } = fsSync.constants

/** The lock's text and mtime, never through a symlink. */
const readSync = (file: string): Found | undefined => {
  let fd: number
  try {
    fd = fsSync.openSync(file, O_RDONLY | (O_NOFOLLOW ?? 0))
  } catch {
    return undefined
  }
  try {
    const raw = fsSync.readFileSync(fd, "utf8")
    return { raw, holder: parseHolder(raw), touchedAt: fsSync.fstatSync(fd).mtimeMs }
  } catch {
    return undefined
  } finally {
    fsSync.closeSync(fd)
  }
}

const read = (file: string): Effect.Effect<Found | undefined> => Effect.sync(() => readSync(file))

/** Create `file` holding `text`, atomically and only if it does not exist. */
const createExclusive = (file: string, text: string): Effect.Effect<boolean, Error> =>
  Effect.try({
    try: () => {
      const tmp = tempNameFor(file)
      const fd = createExclusiveSync(tmp, 0o600)
      try {
        try {
          fsSync.writeFileSync(fd, text)
        } finally {
          fsSync.closeSync(fd)
        }
        fsSync.linkSync(tmp, file)
        return true
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
        throw e
      } finally {
        fsSync.rmSync(tmp, { force: true })
      }
    },
    catch: asError
  })

/** Remove `file` only if it still holds exactly `raw`. */
const removeIfUnchanged = (file: string, raw: string): Effect.Effect<void> =>
  Effect.sync(() => {
    if (readSync(file)?.raw === raw) fsSync.rmSync(file, { force: true })
  })

export const make = (file: string, facts: () => Facts = factsNow) => {
  const marker = `${file}.takeover`

  /** Remove a stale lock unless another run is taking it over right now. */
  const takeOver = (stale: Found, text: string) =>
    Effect.gen(function*() {
      if (!(yield* createExclusive(marker, text))) {
        const other = yield* read(marker)
        // the taker-over was killed inside its few-millisecond window: clear its marker
        if (other === undefined || judgeHolder(other.holder, other.touchedAt, facts()) === "stale") {
          if (other !== undefined) yield* removeIfUnchanged(marker, other.raw)
        } else {
          yield* Effect.sleep("25 millis")
        }
        return
      }
      yield* removeIfUnchanged(file, stale.raw).pipe(Effect.ensuring(removeIfUnchanged(marker, text)))
    })

  const take = (me: Mine) =>
    Effect.gen(function*() {
      const text = JSON.stringify(me)
      yield* Effect.tryPromise({ try: () => fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 }), catch: asError })
      let last: Found | undefined
      let judged: Judgement = "live"
      for (let i = 0; i < 5; i++) {
        if (yield* createExclusive(file, text)) return
        last = yield* read(file)
        if (last === undefined) continue // released in between: try again
        judged = judgeHolder(last.holder, last.touchedAt, facts())
        if (judged !== "stale") break
        yield* takeOver(last, text)
      }
      return yield* Effect.fail(
        new LockHeld({
          file,
          pid: last?.holder?.pid ?? 0,
          startedAt: last?.holder?.startedAt ?? "at an unknown time",
          ...(last?.holder?.host !== undefined ? { host: last.holder.host } : {}),
          ...(judged === "stuck" ? { stuck: true } : {})
        })
      )
    }).pipe(
      Effect.mapError((e) =>
        e instanceof LockHeld ? e : new LockUnavailable({
          file,
          reason: isNoSpace(e)
            ? `no room on the disk (${fsReason(e)}): free some space in ${path.dirname(file)}`
            : `${isNotWritable(e) ? `not writable (${fsReason(e)})` : fsReason(e)}; herald keeps the lock beside the ` +
              `config file: check that ${path.dirname(file)} is a folder herald can write`
        })
      )
    )

  const acquire = Effect.suspend(() => {
    const procStart = procStartOf(process.pid)
    const bootId = readBootId()
    const me: Mine = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      id: randomUUID(),
      host: os.hostname(),
      ...(procStart !== undefined ? { procStart } : {}),
      ...(bootId !== undefined ? { bootId } : {})
    }
    ownIds.add(me.id)
    return take(me).pipe(
      Effect.onError(() => Effect.sync(() => ownIds.delete(me.id))),
      Effect.as(me)
    )
  })

  const release = (me: Mine) =>
    Effect.sync(() => {
      if (parseHolder(readSync(file)?.raw ?? "")?.id === me.id) fsSync.rmSync(file, { force: true })
    }).pipe(Effect.ensuring(Effect.sync(() => ownIds.delete(me.id))))

  /** Show life: touch the lock (never through a symlink) while this run holds it. */
  const heartbeat = (me: Mine) =>
    Effect.sync(() => {
      if (parseHolder(readSync(file)?.raw ?? "")?.id !== me.id) return
      const now = new Date()
      try {
        fsSync.lutimesSync(file, now, now)
      } catch {
        // a lock that cannot be touched is judged by its start time instead
      }
    }).pipe(Effect.repeat(Schedule.spaced(HEARTBEAT)), Effect.asVoid)

  const service: RunLock["Type"] = {
    acquire: Effect.acquireRelease(acquire, release).pipe(
      Effect.tap((me) => Effect.forkScoped(Effect.delay(heartbeat(me), HEARTBEAT))),
      Effect.asVoid
    )
  }
  return service
}

/** Where the lock for a config file lives (for messages, tests and tooling). */
export const lockFileFor = (configFile: string): Effect.Effect<string> => Effect.map(storeFilesFor(configFile), (f) => f.lock)

/**
 * A config with more than one hard link cannot be kept current: every write replaces the
 * file (atomically, by rename), and the other names would keep the spent token. Refused
 * for a writing run before anything is sent; a symlink does the same job safely.
 */
const hardLinked = (file: string, real: string, extra: number) =>
  new LockUnavailable({
    file,
    reason: `the config ${real} has ${extra} other hard link${extra === 1 ? "" : "s"}: herald replaces the file on every ` +
      `write, which would leave the other names holding spent tokens; keep one name and make the others symlinks`
  })

export const layer: Layer.Layer<RunLock, never, AppConfig> = Layer.effect(
  RunLock,
  Effect.gen(function*() {
    const app = yield* AppConfig
    const files = yield* storeFilesFor(app.file)
    const lock = make(files.lock)
    if (files.extraLinks === 0) return lock
    return { acquire: Effect.fail(hardLinked(files.lock, files.real, files.extraLinks)) } satisfies RunLock["Type"]
  })
)
