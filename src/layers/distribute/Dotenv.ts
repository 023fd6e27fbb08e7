/**
 * `dotenv` distribution targets: the run's new secrets are written into a .env file in
 * place (atomically; comments, unrelated keys and the file's mode kept; 0600 when herald
 * creates it), then the target's `then` command runs once if the file changed.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { DistributeTarget } from "../../domain/Config.js"
import { commandLine, type Delivery, type Distribution, entriesFor, readableBy, thenEnvNames } from "../../domain/Distribution.js"
import { Distributor } from "../../services/Distributor.js"
import { Scrubber } from "../../services/Scrubber.js"
import * as ScrubberRegistry from "../scrubber/Registry.js"
import { envVar } from "../config/envVar.js"
import { atomicWrite, fsReason } from "../fs/atomicWrite.js"
import { resolveForWrite, UntrustedSymlink } from "../fs/safePath.js"
import { lastLine, runProcess } from "../process/runProcess.js"
import { rewriteDotenv } from "./dotenvText.js"

const CREATED_MODE = 0o600
export const DEFAULT_THEN_TIMEOUT_SECONDS = 60

/** `~/x` and paths relative to the config file's folder, so cron and CI read the same file. */
export const resolvePath = (file: string, baseDir: string): string =>
  file === "~" || file.startsWith("~/") ? path.join(os.homedir(), file.slice(1)) : path.resolve(baseDir, file)

interface Current {
  /** the file written: a symlinked .env is updated where it points, and stays a symlink */
  readonly real: string
  readonly text: string
  readonly mode: number
  readonly exists: boolean
  readonly owner?: { readonly uid: number; readonly gid: number }
}

const readCurrent = (file: string): Effect.Effect<Current, string> =>
  Effect.tryPromise({
    try: async (): Promise<Current> => {
      // a symlink is followed only where another user could not have planted it (../fs/safePath.ts)
      const { real, stat } = resolveForWrite(file)
      if (stat === undefined) return { real, text: "", mode: CREATED_MODE, exists: false }
      const text = await fs.readFile(real, "utf8")
      return { real, text, mode: stat.mode & 0o777, exists: true, owner: { uid: stat.uid, gid: stat.gid } }
    },
    catch: (e) => (e instanceof UntrustedSymlink ? e.message : fsReason(e as Error))
  })

/** A root run must not hand a user's .env to root: the rename made a new, root-owned file. */
const keepOwner = (current: Current) =>
  current.owner !== undefined && process.getuid?.() === 0
    ? Effect.tryPromise(() => fs.chown(current.real, current.owner!.uid, current.owner!.gid)).pipe(Effect.ignore)
    : Effect.void

/** The `then` command's whole environment, read from herald's (see thenEnvNames). */
const thenEnvironment = (target: DistributeTarget) =>
  Effect.map(
    Effect.forEach(thenEnvNames(target), (name) => Effect.map(envVar(name), (value) => [name, Option.getOrUndefined(value)] as const)),
    (pairs) => Object.fromEntries(pairs.filter((p): p is readonly [string, string] => p[1] !== undefined))
  )

export const distributeOne = (
  target: DistributeTarget,
  baseDir: string,
  deliveries: ReadonlyArray<Delivery>,
  scrubber: Scrubber["Type"] = ScrubberRegistry.make()
) =>
  Effect.gen(function*() {
    const { connections, entries } = entriesFor(target, deliveries)
    if (entries.length === 0) return undefined
    yield* scrubber.register(entries.map((e) => e.value))
    const file = resolvePath(target.dotenv, baseDir)
    const keys = entries.map((e) => e.key)
    const then = target.then !== undefined ? commandLine(target.then) : undefined
    const base = {
      target: `dotenv ${file}`,
      connections,
      keys,
      ...(then !== undefined ? { then } : {})
    }
    const again = `herald auth refresh${connections.length === 1 ? ` ${connections[0]}` : ""}`
    // set once the file's mode is known
    let seen: { readonly readableBy?: string } = {}
    const failed = (detail: string, remedy: string, changed: boolean, ran?: boolean): Distribution => ({
      ...base,
      ...seen,
      changed,
      ...(ran !== undefined ? { ran } : {}),
      alert: true,
      detail,
      remedy
    })

    const current = yield* readCurrent(file).pipe(Effect.either)
    if (current._tag === "Left") {
      return failed(`could not read the file (${current.left}); the stored tokens are unchanged`, again, false)
    }
    const next = rewriteDotenv(current.right.text, entries.map((e) => ({ key: e.key, value: Redacted.value(e.value) })))
    const changed = !current.right.exists || next !== current.right.text
    // the file's mode is kept (its owner chose it), but a secret others can read is said, with the fix
    const exposed = current.right.exists ? readableBy(current.right.mode) : undefined
    const exposure = exposed === undefined ? "" : `; ${file} is readable by ${exposed}: run chmod 600 ${file}`
    if (exposed !== undefined) seen = { readableBy: exposed }
    if (!changed) {
      return {
        ...base,
        ...seen,
        changed: false,
        ...(then !== undefined ? { ran: false } : {}),
        alert: false,
        detail: "the file already holds the new values" + (then !== undefined ? `; ${then} not run` : "") + exposure
      } satisfies Distribution
    }
    const written = yield* atomicWrite(current.right.real, next, current.right.mode).pipe(
      Effect.zipRight(keepOwner(current.right)),
      Effect.either
    )
    if (written._tag === "Left") {
      return failed(
        `could not write the file (${written.left instanceof UntrustedSymlink ? written.left.message : fsReason(written.left)}); ` +
          `the stored tokens are unchanged`,
        again,
        false
      )
    }
    const wrote = `wrote ${keys.join(", ")}${exposure}`
    if (target.then === undefined) return { ...base, ...seen, changed: true, alert: false, detail: wrote } satisfies Distribution

    const timeout = Duration.seconds(target.timeout_seconds ?? DEFAULT_THEN_TIMEOUT_SECONDS)
    // what the command prints is relayed: cleaned of every secret this run knows, not only the new ones
    const scrub = yield* scrubber.current
    const env = yield* thenEnvironment(target)
    const result = yield* runProcess(target.then, { timeout, cwd: path.dirname(file), env }).pipe(Effect.either)
    // the file is up to date: running the command by hand finishes the job
    const byHand = commandLine(target.then)
    if (result._tag === "Left") {
      return failed(`${wrote}; ${then} ${result.left.timedOut ? "" : "could not start: "}${result.left.reason}`, byHand, true, result.left.timedOut)
    }
    const { code, signal, stderr, stdout } = result.right
    if (code !== 0) {
      const said = lastLine(scrub(stderr)) ?? lastLine(scrub(stdout))
      const how = code === null ? `was killed by ${signal ?? "a signal"}` : `exited with code ${code}`
      return failed(`${wrote}; ${then} ${how}${said !== undefined ? `: ${said}` : ""}`, byHand, true, true)
    }
    return { ...base, ...seen, changed: true, ran: true, alert: false, detail: `${wrote}; ran ${then}` } satisfies Distribution
  }).pipe(Effect.withSpan("Distributor.dotenv"))

/** `scrubber` is the run's (the layer takes it); without one, only the delivered values are scrubbed. */
export const make = (
  targets: ReadonlyArray<DistributeTarget>,
  baseDir: string,
  scrubber: Scrubber["Type"] = ScrubberRegistry.make()
): Distributor["Type"] => ({
  distribute: Effect.fn("Distributor.distribute")(function*(deliveries: ReadonlyArray<Delivery>) {
    if (deliveries.length === 0) return []
    // one target at a time: two targets may share a file or a restart
    const results = yield* Effect.forEach(targets, (t) => distributeOne(t, baseDir, deliveries, scrubber))
    return results.filter((r): r is Distribution => r !== undefined)
  })
})

export const layer = (targets: ReadonlyArray<DistributeTarget>, baseDir: string): Layer.Layer<Distributor, never, Scrubber> =>
  Layer.effect(Distributor, Effect.map(Scrubber, (scrubber) => make(targets, baseDir, scrubber)))
