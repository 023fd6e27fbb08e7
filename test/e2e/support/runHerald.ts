/**
 * Running the built `herald` bin the way a user (or CI) does: a child process with a clean
 * environment, its own temp dir for config and state, and nothing read from the developer's
 * machine — no keychain, no INSTAGRAM_/TIKTOK_/… variables, no ~/.config/herald.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import { availableParallelism, tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { onTestFinished } from "vitest"
import * as YAML from "yaml"

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))
/** `HERALD_E2E_BIN` runs the suite against another build (an installed package, a mutant). */
export const heraldBin = process.env["HERALD_E2E_BIN"] ?? path.join(repoRoot, "dist", "herald.cjs")

/** `npm test` builds first; a bare `npx vitest` after a clean checkout says what to do. */
export const assertBuilt = (): void => {
  if (!existsSync(heraldBin)) throw new Error(`${heraldBin} is missing: run \`npm run build\` first`)
}

export interface HeraldRun {
  readonly args: ReadonlyArray<string>
  /** null when the process was killed by a signal */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** wall time from spawn to exit, ms */
  readonly durationMs: number
}

/** Only what a process needs to run at all; everything herald could read a secret from is left out. */
const BASICS = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "SystemRoot"]

export const cleanEnv = (dir: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const name of BASICS) {
    const v = process.env[name]
    if (v !== undefined) env[name] = v
  }
  return {
    ...env,
    HERALD_KEYCHAIN: "off",
    XDG_STATE_HOME: path.join(dir, "state"),
    XDG_CONFIG_HOME: path.join(dir, "config"),
    // the bin's code cache (src/cli/codeCache.ts): the run's own, not the developer's
    XDG_CACHE_HOME: path.join(dir, "cache"),
    ...extra
  }
}

export interface RunOptions {
  /** working directory (herald looks for ./herald.yaml there); default: the workspace dir */
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  /** kill the child after this long (default 20 s) */
  readonly timeoutMs?: number
  /** the executable and leading arguments; default `node dist/herald.cjs` */
  readonly command?: ReadonlyArray<string>
  /** written to herald's stdin, which is then closed (default: an empty stdin, closed at once) */
  readonly stdin?: string
}

/**
 * Concurrent tests share the machine: more herald processes than cores at once only makes
 * each slower (and the timings meaningless), so runs queue for a slot first.
 */
const slots = { free: Math.max(2, availableParallelism()), waiting: [] as Array<() => void> }

const withSlot = async <A>(f: () => Promise<A>): Promise<A> => {
  if (slots.free > 0) slots.free--
  else await new Promise<void>((resolve) => slots.waiting.push(resolve))
  try {
    return await f()
  } finally {
    const next = slots.waiting.shift()
    if (next !== undefined) next()
    else slots.free++
  }
}

export const runHerald = (args: ReadonlyArray<string>, options: RunOptions): Promise<HeraldRun> =>
  withSlot(() => spawnHerald(args, options))

const spawnHerald = (args: ReadonlyArray<string>, options: RunOptions): Promise<HeraldRun> =>
  new Promise((resolve, reject) => {
    const command = options.command ?? [process.execPath, heraldBin]
    const started = performance.now()
    const child = spawn(command[0]!, [...command.slice(1), ...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["pipe", "pipe", "pipe"]
    })
    // no input: stdin is closed at once (an empty file), as `< /dev/null` would give
    child.stdin.end(options.stdin ?? "")
    let stdout = ""
    let stderr = ""
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      stdout += d
    })
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000)
    child.on("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ args, code, signal, stdout, stderr, durationMs: performance.now() - started })
    })
  })

// ---- a per-test workspace ---------------------------------------------------------------

export interface Workspace {
  readonly dir: string
  /** `<dir>/herald.yaml`, passed to herald with --config by `herald()` unless told otherwise */
  readonly configPath: string
  readonly env: Record<string, string>
  /** Run herald in the workspace; `--config <configPath>` is appended unless `config: false`. */
  herald(
    args: ReadonlyArray<string>,
    options?: { readonly config?: boolean; readonly env?: Readonly<Record<string, string>>; readonly stdin?: string }
  ): Promise<HeraldRun>
  /** Write the config file (mode 0644 by default, as an editor would); returns its path. */
  writeConfig(text: string, mode?: number): Promise<string>
  readConfigText(): Promise<string>
  /** The config file parsed with `yaml`. */
  readConfig(): Promise<ConfigOnDisk>
  /** permission bits of the config file */
  configMode(): Promise<number>
}

/** The parts of a config file the tests read back. */
export interface ConfigOnDisk {
  readonly platforms?: Record<string, Record<string, unknown> | null>
  readonly auth?: Record<string, unknown>
}

/** Registers cleanup for the running test; concurrent tests must pass their context's `onTestFinished`. */
export type OnFinished = (fn: () => Promise<void> | void) => void

/** A fresh temp dir for this test, removed when it finishes. */
export const makeWorkspace = async (onFinished: OnFinished = onTestFinished): Promise<Workspace> => {
  const dir = await fs.mkdtemp(path.join(tmpdir(), "herald-e2e-"))
  onFinished(() => fs.rm(dir, { recursive: true, force: true }))
  const configPath = path.join(dir, "herald.yaml")
  const env = cleanEnv(dir)
  return {
    dir,
    configPath,
    env,
    herald: (args, options = {}) =>
      runHerald(options.config === false ? args : [...args, "--config", configPath], {
        cwd: dir,
        env: { ...env, ...options.env },
        ...(options.stdin === undefined ? {} : { stdin: options.stdin })
      }),
    writeConfig: async (text, mode = 0o644) => {
      await fs.writeFile(configPath, text, { mode })
      await fs.chmod(configPath, mode)
      return configPath
    },
    readConfigText: () => fs.readFile(configPath, "utf8"),
    readConfig: async () => YAML.parse(await fs.readFile(configPath, "utf8")) as ConfigOnDisk,
    configMode: async () => (await fs.stat(configPath)).mode & 0o777
  }
}

// ---- reading the output -------------------------------------------------------------------

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007/g
export const stripAnsi = (text: string): string => text.replace(ANSI, "")

export interface JsonStatus {
  readonly platform: string
  readonly account: string
  readonly action: string
  readonly expiresAt?: string
  readonly reauthBy?: string
  readonly alert: boolean
  readonly detail: string
}

export interface JsonReport {
  readonly dryRun: boolean
  readonly attention: number
  readonly statuses: ReadonlyArray<JsonStatus>
  readonly notification?: {
    readonly backend: string
    readonly notified: boolean
    readonly sent: ReadonlyArray<string>
    readonly held: ReadonlyArray<string>
    readonly detail: string
  }
}

/** stdout of a `--json` run must be exactly one JSON document. */
export const reportOf = (run: HeraldRun): JsonReport => {
  try {
    return JSON.parse(run.stdout) as JsonReport
  } catch {
    throw new Error(`stdout of herald ${run.args.join(" ")} (exit ${run.code}) is not JSON:\n${run.stdout}\n-- stderr\n${run.stderr}`)
  }
}

export const statusOf = (report: JsonReport, platform: string, account = "default"): JsonStatus => {
  const s = report.statuses.find((x) => x.platform === platform && x.account === account)
  if (s === undefined) throw new Error(`no status for ${platform}:${account} in ${JSON.stringify(report)}`)
  return s
}

/** A readable dump for assertion messages. */
export const describeRun = (run: HeraldRun): string =>
  `herald ${run.args.join(" ")} → exit ${run.code}${run.signal ? ` (${run.signal})` : ""} in ${Math.round(run.durationMs)} ms\n` +
  `-- stdout\n${run.stdout}\n-- stderr\n${run.stderr}`

/** The secret values (of `secrets`) that appear anywhere in a run's output. */
export const leakedSecrets = (run: HeraldRun, secrets: Iterable<string>): Array<string> => {
  const out = `${run.stdout}\n${run.stderr}`
  return [...new Set(secrets)].filter((s) => s.length > 0 && out.includes(s))
}

/**
 * What stdout holds when herald could not start (exit 2): nothing, or under `--json` one JSON
 * error object (DESIGN §1) — never half a report for a CI step to misread. Returns the error text.
 */
export const startFailureOf = (run: HeraldRun): string => {
  if (!run.args.includes("--json")) {
    if (run.stdout !== "") throw new Error(`expected no stdout from a run that could not start:\n${describeRun(run)}`)
    return run.stderr
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(run.stdout)
  } catch {
    throw new Error(`stdout of a --json run that could not start is not one JSON object:\n${describeRun(run)}`)
  }
  const object = parsed as { error?: unknown; exitCode?: unknown; statuses?: unknown }
  if (typeof object.error !== "string" || object.error === "" || object.exitCode !== 2 || object.statuses !== undefined) {
    throw new Error(`not a start-up error object: ${run.stdout}`)
  }
  return object.error
}
