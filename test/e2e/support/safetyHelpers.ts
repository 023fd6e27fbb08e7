/**
 * What test/e2e/safety.test.ts needs beyond a plain run: the child's pid while it runs
 * (to name the lock holder, or to SIGKILL it mid-run), a clean environment, and one temp
 * workspace per test with its own config and state dirs.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeAll } from "vitest"
import { startTikTokFake, type TikTokFake } from "../../../sandbox/fakes/tiktok.js"

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))
export const heraldBin = process.env["HERALD_E2E_BIN"] ?? path.join(repoRoot, "dist", "herald.cjs")

/**
 * For a test file that runs the built CLI: it fails at once when the bin is not built, and
 * whatever a test pushes onto `cleanups` (fakes, workspaces) is ended after it, newest first.
 */
export const e2eFile = () => {
  beforeAll(() => {
    if (!fs.existsSync(heraldBin)) throw new Error(`${heraldBin} is missing: run \`npm run build\` first`)
  })
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })
  /** A workspace ended after the test. */
  const workspace = (): Workspace => {
    const ws = makeWorkspace()
    cleanups.push(() => ws.cleanup())
    return ws
  }
  /** The TikTok fake for TIKTOK_CLIENT, every token a sentinel, closed after the test. */
  const tiktokFake = async (latencyMs = 0): Promise<TikTokFake> => {
    const fake = await startTikTokFake({
      clientKey: TIKTOK_CLIENT.TIKTOK_CLIENT_KEY,
      clientSecret: TIKTOK_CLIENT.TIKTOK_CLIENT_SECRET,
      tokenPrefix: "SENTINEL-tiktok",
      latencyMs
    })
    cleanups.push(() => fake.close())
    return fake
  }
  return { cleanups, workspace, tiktokFake }
}

/** TikTok app credentials for the environment of a run (sentinels: none may be printed). */
export const TIKTOK_CLIENT = { TIKTOK_CLIENT_KEY: "SENTINEL-client-key", TIKTOK_CLIENT_SECRET: "SENTINEL-client-secret" }

export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Started {
  readonly pid: number
  readonly child: ChildProcess
  readonly done: Promise<Finished>
  /** what it has printed so far */
  readonly output: () => { readonly stdout: string; readonly stderr: string }
}

export interface Workspace {
  readonly dir: string
  readonly configFile: string
  /** $XDG_STATE_HOME/herald */
  readonly stateDir: string
  /** a clean environment: nothing from the developer's machine, no keychain */
  env(extra?: Readonly<Record<string, string>>): Record<string, string>
  writeConfig(text: string): void
  readConfig(): string
  start(args: ReadonlyArray<string>, env?: Readonly<Record<string, string>>): Started
  run(args: ReadonlyArray<string>, env?: Readonly<Record<string, string>>): Promise<Finished>
  cleanup(): void
}

const BASICS = ["PATH", "LANG", "TZ", "SYSTEMROOT"]

export const makeWorkspace = (): Workspace => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-safety-"))
  const configFile = path.join(dir, "herald.yaml")
  const children: Array<ChildProcess> = []
  const env = (extra: Readonly<Record<string, string>> = {}) => {
    const base: Record<string, string> = {}
    for (const name of BASICS) if (process.env[name] !== undefined) base[name] = process.env[name]!
    return {
      ...base,
      HOME: dir,
      HERALD_KEYCHAIN: "off",
      XDG_STATE_HOME: path.join(dir, "state"),
      XDG_CONFIG_HOME: path.join(dir, "config"),
      ...extra
    }
  }
  const start = (args: ReadonlyArray<string>, extra: Readonly<Record<string, string>> = {}): Started => {
    const child = spawn(process.execPath, [heraldBin, ...args, "--config", configFile], {
      cwd: dir,
      env: env(extra),
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.push(child)
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()))
    const done = new Promise<Finished>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
    )
    return { pid: child.pid!, child, done, output: () => ({ stdout, stderr }) }
  }
  return {
    dir,
    configFile,
    stateDir: path.join(dir, "state", "herald"),
    env,
    writeConfig: (text) => fs.writeFileSync(configFile, text, { mode: 0o600 }),
    readConfig: () => fs.readFileSync(configFile, "utf8"),
    start,
    run: (args, extra) => start(args, extra).done,
    cleanup: () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls until `condition` holds; fails naming `what` after `timeoutMs`. */
export const waitFor = async (what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

export const describeRun = (r: Finished): string =>
  `exit ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

export const modeOf = (file: string): number => fs.statSync(file).mode & 0o777

/** Every secret in these tests starts with SENTINEL; none may ever be printed. */
export const sentinelsIn = (...texts: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...new Set(texts.join("\n").match(/SENTINEL[\w.-]*/g) ?? [])
]
