/**
 * The run lock as a file under the state dir, one per config file (DESIGN §2 rule 3).
 *
 * - The lock appears whole or not at all: its record is written to a private temp file
 *   and hard-linked into place, which fails if a lock exists. (`open(O_EXCL)` then
 *   `write` would leave an empty file that a second run could read as garbage.)
 * - A lock whose process is gone is taken over, under a short-lived takeover marker, and
 *   only if the file still holds the very record judged stale: two runs that find the
 *   same dead lock never both end up holding it.
 * - Two fibers of one process exclude each other too (herald embedded as a library): a
 *   lock with our pid is live when this process issued its id, and stale otherwise (a
 *   container restarted with the same pid, typically 1).
 */
import { randomUUID } from "node:crypto"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AppConfig } from "../../services/AppConfig.js"
import { LockHeld, LockUnavailable, RunLock } from "../../services/RunLock.js"
import { fsReason } from "../fs/atomicWrite.js"
import { stateDir, storeKey } from "../journal/stateDir.js"

interface Holder {
  readonly pid: number
  readonly startedAt: string
  /** unique per acquisition, so a release never removes someone else's lock */
  readonly id?: string
  /** a pid means nothing on another machine (a state dir on a shared home) */
  readonly host?: string
}

type Mine = Required<Holder>

/** What is in a lock file: its exact text (for compare-before-remove) and the record, if readable. */
interface Found {
  readonly raw: string
  readonly holder: Holder | undefined
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

const parseHolder = (raw: string): Holder | undefined => {
  try {
    const v = JSON.parse(raw) as Partial<Holder>
    return typeof v.pid === "number" && typeof v.startedAt === "string" ? (v as Holder) : undefined
  } catch {
    return undefined
  }
}

/** Could the holder still be running? Unknown (another host) counts as yes. */
const isLive = (holder: Holder | undefined): boolean => {
  // unreadable, or a pid no process can have (0 and negatives signal process groups)
  if (holder === undefined || !Number.isInteger(holder.pid) || holder.pid <= 0) return false
  if (holder.host !== undefined && holder.host !== os.hostname()) return true
  if (holder.pid === process.pid) return holder.id !== undefined && ownIds.has(holder.id)
  return alive(holder.pid)
}

const read = (file: string): Effect.Effect<Found | undefined> =>
  Effect.promise(() =>
    fs.readFile(file, "utf8").then(
      (raw): Found => ({ raw, holder: parseHolder(raw) }),
      () => undefined
    )
  )

/** Create `file` holding `text`, atomically and only if it does not exist. */
const createExclusive = (file: string, text: string, tag: string): Effect.Effect<boolean, Error> =>
  Effect.tryPromise({
    try: async () => {
      const tmp = `${file}.${tag}.tmp`
      await fs.writeFile(tmp, text, { mode: 0o600 })
      try {
        await fs.link(tmp, file)
        return true
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
        throw e
      } finally {
        await fs.rm(tmp, { force: true })
      }
    },
    catch: asError
  })

/** Remove `file` only if it still holds exactly `raw`. */
const removeIfUnchanged = (file: string, raw: string): Effect.Effect<void> =>
  Effect.promise(async () => {
    const now = await fs.readFile(file, "utf8").catch(() => undefined)
    if (now === raw) await fs.rm(file, { force: true }).catch(() => undefined)
  })

export const make = (file: string) => {
  const marker = `${file}.takeover`

  /** Remove a stale lock unless another run is taking it over right now. */
  const takeOver = (stale: Found, me: Mine, text: string) =>
    Effect.gen(function*() {
      if (!(yield* createExclusive(marker, text, `${me.id}.m`))) {
        const other = yield* read(marker)
        // the taker-over was killed inside its few-millisecond window: clear its marker
        if (other === undefined || !isLive(other.holder)) {
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
      for (let i = 0; i < 5; i++) {
        if (yield* createExclusive(file, text, me.id)) return
        last = yield* read(file)
        if (last === undefined) continue // released in between: try again
        if (isLive(last.holder)) break
        yield* takeOver(last, me, text)
      }
      return yield* Effect.fail(
        new LockHeld({ file, pid: last?.holder?.pid ?? 0, startedAt: last?.holder?.startedAt ?? "at an unknown time" })
      )
    }).pipe(
      Effect.mapError((e) => (e instanceof LockHeld ? e : new LockUnavailable({ file, reason: fsReason(e) })))
    )

  const acquire = Effect.suspend(() => {
    const me: Mine = { pid: process.pid, startedAt: new Date().toISOString(), id: randomUUID(), host: os.hostname() }
    ownIds.add(me.id)
    return take(me).pipe(
      Effect.onError(() => Effect.sync(() => ownIds.delete(me.id))),
      Effect.as(me)
    )
  })

  const release = (me: Mine) =>
    Effect.promise(async () => {
      const now = await fs.readFile(file, "utf8").catch(() => undefined)
      if (now !== undefined && parseHolder(now)?.id === me.id) await fs.rm(file, { force: true })
    }).pipe(Effect.ensuring(Effect.sync(() => ownIds.delete(me.id))))

  const service: RunLock["Type"] = { acquire: Effect.asVoid(Effect.acquireRelease(acquire, release)) }
  return service
}

/** Where the lock for a config file lives (for messages, tests and tooling). */
export const lockFileFor = (configFile: string): Effect.Effect<string> =>
  Effect.map(stateDir, (dir) => path.join(dir, `lock-${storeKey(configFile)}.lock`))

export const layer: Layer.Layer<RunLock, never, AppConfig> = Layer.effect(
  RunLock,
  Effect.gen(function*() {
    const app = yield* AppConfig
    return make(yield* lockFileFor(app.file))
  })
)
