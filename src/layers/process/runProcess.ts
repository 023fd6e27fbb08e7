/**
 * Running a program: an argv (never a shell, so no value is ever parsed as shell syntax),
 * optional stdin (how secrets reach a child: never through argv, which `ps` shows), a
 * time limit after which the child is stopped, and bounded captured output.
 *
 * node:child_process wrapped in Effect rather than @effect/platform's CommandExecutor:
 * the ports' methods require nothing (STYLE), and an executor would become a requirement
 * of every layer that runs a program, of the CLI's layer type and of every test world.
 */
import type * as ChildProcess from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

export class ProcessFailed extends Schema.TaggedError<ProcessFailed>()("ProcessFailed", {
  /** the program, as named in argv[0] */
  program: Schema.String,
  reason: Schema.String,
  timedOut: Schema.Boolean
}) {}

export interface ProcessResult {
  /** the exit code, or null when a signal ended it */
  readonly code: number | null
  readonly signal: string | null
  readonly stdout: string
  readonly stderr: string
}

export interface ProcessOptions {
  readonly timeout: Duration.DurationInput
  /** written to stdin, which is then closed; without it stdin is /dev/null */
  readonly input?: string
  /** the child's whole environment (default: this process's) */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly cwd?: string
}

const MAX_OUTPUT = 1 << 20

/**
 * node:child_process, loaded when a program is first run rather than when this module is
 * evaluated: every command's layers import this module (the pass keychain and write-back),
 * and most never start a program.
 */
const spawn: typeof ChildProcess.spawn = ((...args: Parameters<typeof ChildProcess.spawn>) =>
  process.getBuiltinModule("node:child_process").spawn(...args)) as typeof ChildProcess.spawn
const KILL_GRACE_MS = 2000
/**
 * How long the output pipes may stay open after the program exited: a program that
 * started a background child (a daemon, `cmd &`) has finished, but that child may hold
 * stdout open for as long as it lives.
 */
const DRAIN_MS = 200

const spawnReason = (e: NodeJS.ErrnoException): string =>
  e.code === "ENOENT" ? "not found (is it installed and on PATH?)" : e.code === "EACCES" ? "not executable (EACCES)" : e.code ?? e.message

/**
 * Is any process of the group still running? Where /proc can tell, a zombie does not count:
 * a container whose PID 1 does not reap leaves exited grandchildren as zombies, and they
 * would make a group that obeyed SIGTERM look as if it ignored it.
 */
const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false
  }
  let pids: Array<string>
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name))
  } catch {
    return true
  }
  return pids.some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
      // after the command name (which may hold spaces and parentheses): state, ppid, pgrp
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return Number(pgrp) === pgid && state !== "Z"
    } catch {
      return false
    }
  })
}

const signalGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal)
  } catch {
    // the group is gone already
  }
}

/**
 * Stops the whole process group the program leads (it may have children of its own):
 * SIGTERM, and SIGKILL to whatever is left after the grace period. Completes once the
 * group is gone or SIGKILL was sent, and says which.
 */
const stopGroup = (pgid: number, graceMs: number): Effect.Effect<string> =>
  Effect.async<string>((resume) => {
    signalGroup(pgid, "SIGTERM")
    const started = Date.now()
    // kept referenced: herald must not exit (or be let exit) before the group is gone
    const poll = setInterval(() => {
      if (!groupAlive(pgid)) {
        clearInterval(poll)
        resume(Effect.succeed("stopped with SIGTERM"))
      } else if (Date.now() - started >= graceMs) {
        clearInterval(poll)
        signalGroup(pgid, "SIGKILL")
        resume(Effect.succeed(`killed with SIGKILL (it ignored SIGTERM for ${Duration.format(Duration.millis(graceMs))})`))
      }
    }, 50)
  })

/**
 * Runs argv to completion; a non-zero exit is a result, not a failure. The program leads
 * a process group of its own, and at the timeout (or when herald is interrupted) the
 * whole group is stopped, so no child outlives herald.
 */
export const runProcess = (argv: readonly [string, ...Array<string>], options: ProcessOptions): Effect.Effect<ProcessResult, ProcessFailed> => {
  const program = argv[0]
  const timeout = Duration.decode(options.timeout)
  // how the program was stopped, for the timeout's message (set by the interruption, read after it)
  let stopped: string | undefined = undefined
  return Effect.async<ProcessResult, ProcessFailed>((resume) => {
    let done = false
    const finish = (effect: Effect.Effect<ProcessResult, ProcessFailed>) => {
      if (done) return
      done = true
      resume(effect)
    }
    const child = spawn(program, argv.slice(1), {
      shell: false,
      env: options.env ?? process.env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      detached: process.platform !== "win32",
      windowsHide: true
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk
    })
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk
    })
    child.on("error", (e: NodeJS.ErrnoException) =>
      finish(Effect.fail(new ProcessFailed({ program, reason: spawnReason(e), timedOut: false }))))
    const result = (code: number | null, signal: string | null) => Effect.succeed({ code, signal, stdout, stderr })
    child.on("close", (code, signal) => finish(result(code, signal)))
    child.on("exit", (code, signal) => {
      // the program is done; what a background child of it still writes is not waited for
      const drained = setTimeout(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
        finish(result(code, signal))
      }, DRAIN_MS)
      child.once("close", () => clearTimeout(drained))
    })
    if (options.input !== undefined && child.stdin !== null) {
      // a child that exits without reading stdin must not crash herald with EPIPE
      child.stdin.on("error", () => {})
      child.stdin.end(options.input)
    }
    return Effect.suspend(() => {
      const pid = child.pid
      if (pid === undefined || done) return Effect.void
      if (process.platform === "win32") return Effect.sync(() => void child.kill("SIGTERM"))
      return Effect.map(stopGroup(pid, KILL_GRACE_MS), (how) => void (stopped = how))
    })
  }).pipe(
    Effect.timeoutFail({
      duration: timeout,
      onTimeout: () =>
        new ProcessFailed({
          program,
          reason: `did not finish within ${Duration.format(timeout)} and was ${stopped ?? "stopped"}`,
          timedOut: true
        })
    })
  )
}

/** The last non-empty line of a program's output, one line, at most 200 characters. */
export const lastLine = (output: string): string | undefined => {
  const line = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "").at(-1)
  if (line === undefined) return undefined
  return line.length > 200 ? `${line.slice(0, 197)}...` : line
}
