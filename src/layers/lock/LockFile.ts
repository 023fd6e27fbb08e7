/**
 * The run lock as a file created with O_EXCL under the state dir, one per config file.
 * A lock whose process is gone is taken over; a live one makes the second run fail fast.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AppConfig } from "../../services/AppConfig.js"
import { LockHeld, RunLock } from "../../services/RunLock.js"
import { stateDir, storeKey } from "../journal/stateDir.js"

interface Holder {
  readonly pid: number
  readonly startedAt: string
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const tryCreate = (file: string, holder: Holder) =>
  Effect.promise(() =>
    fs.writeFile(file, JSON.stringify(holder), { flag: "wx", mode: 0o600 }).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === "EEXIST") return false
        throw e
      }
    )
  )

const readHolder = (file: string) =>
  Effect.promise(() =>
    fs.readFile(file, "utf8").then(
      (t) => JSON.parse(t) as Holder,
      () => undefined
    )
  )

export const make = (file: string) => {
  const acquire = Effect.gen(function*() {
    yield* Effect.promise(() => fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 }))
    const holder: Holder = { pid: process.pid, startedAt: new Date().toISOString() }
    for (let attempt = 0; attempt < 3; attempt++) {
      if (yield* tryCreate(file, holder)) return
      const current = yield* readHolder(file)
      if (current !== undefined && current.pid !== process.pid && alive(current.pid)) {
        return yield* Effect.fail(new LockHeld({ file, pid: current.pid, startedAt: current.startedAt }))
      }
      // stale (its process died) or half-written: take it over
      yield* Effect.promise(() => fs.rm(file, { force: true }))
    }
    const current = yield* readHolder(file)
    return yield* Effect.fail(new LockHeld({ file, pid: current?.pid ?? 0, startedAt: current?.startedAt ?? "unknown" }))
  })
  const release = Effect.promise(async () => {
    const current = await fs.readFile(file, "utf8").then((t) => JSON.parse(t) as Holder, () => undefined)
    if (current?.pid === process.pid) await fs.rm(file, { force: true })
  })
  return { acquire: Effect.acquireRelease(acquire, () => release) } satisfies RunLock["Type"]
}

export const layer: Layer.Layer<RunLock, never, AppConfig> = Layer.effect(
  RunLock,
  Effect.gen(function*() {
    const app = yield* AppConfig
    const dir = yield* stateDir
    return make(path.join(dir, `lock-${storeKey(app.file)}.lock`))
  })
)
