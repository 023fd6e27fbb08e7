/**
 * A real Secret Service for end-to-end tests: a private D-Bus session (`dbus-run-session`)
 * with gnome-keyring's secrets component, its login keyring created and unlocked in a
 * throw-away HOME, so the developer's own keyring is never touched. Children that get
 * `session.env` talk to it as herald does on a Linux desktop.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))

const onPath = (tool: string): boolean => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0

/**
 * Why a real Secret Service cannot be had here, or undefined when it can. keytar is
 * loaded in a child, as herald loads it: a module that installed without its native
 * build must count as missing.
 */
export const secretServiceMissing = (): string | undefined => {
  const tools = ["dbus-run-session", "dbus-send", "gnome-keyring-daemon", "secret-tool"].filter((t) => !onPath(t))
  if (tools.length > 0) {
    return `${tools.join(", ")} not installed (Debian: apt-get install libsecret-1-dev gnome-keyring dbus libsecret-tools)`
  }
  try {
    createRequire(path.join(repoRoot, "package.json")).resolve("keytar")
  } catch {
    return "keytar is not installed (it needs libsecret-1-dev at npm install time)"
  }
  const load = spawnSync(process.execPath, ["-e", "require('keytar')"], { cwd: repoRoot, encoding: "utf8" })
  if (load.status !== 0) return `keytar does not load: ${(load.stderr.split("\n").find((l) => l.startsWith("Error")) ?? "error").trim()}`
  return undefined
}

export interface ProcessResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Run a command to the end, with its output; killed after `timeoutMs`. */
export const runProcess = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env: Readonly<Record<string, string>>; readonly cwd?: string; readonly input?: string; readonly timeoutMs?: number }
): Promise<ProcessResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd ?? repoRoot, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000)
    child.on("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? "")
  })

export interface KeychainSession {
  /** what a child needs to reach this session's Secret Service (merge into its env) */
  readonly env: Readonly<Record<string, string>>
  /** `secret-tool lookup service herald account <account>`: the stored value, or undefined */
  readonly lookup: (account: string) => Promise<string | undefined>
  /** `secret-tool store`: seed a value the way the README tells a user to by hand */
  readonly store: (account: string, value: string) => Promise<void>
  readonly stop: () => Promise<void>
}

const KEYRING_PASSWORD = "herald-e2e"

// The daemon forks and registers on the bus a moment later; a client that comes first would
// have D-Bus activate a second daemon with a locked keyring and a prompt no one can answer.
const SESSION_SCRIPT = `
printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 3
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  i=$((i+1)); [ "$i" -gt 100 ] && exit 4
  sleep 0.05
done
echo "READY $DBUS_SESSION_BUS_ADDRESS"
exec cat >/dev/null
`

/** Start a session; `stop()` closes it (the bus, and with it the keyring daemon). */
export const startKeychainSession = async (): Promise<KeychainSession> => {
  const home = await fs.mkdtemp(path.join(tmpdir(), "herald-keyring-"))
  const runtime = path.join(home, "run")
  await fs.mkdir(runtime, { mode: 0o700 })
  const base: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: home,
    XDG_DATA_HOME: path.join(home, "data"),
    XDG_RUNTIME_DIR: runtime,
    XDG_CONFIG_HOME: path.join(home, "config"),
    XDG_CACHE_HOME: path.join(home, "cache")
  }
  const child: ChildProcess = spawn("dbus-run-session", ["--", "sh", "-c", SESSION_SCRIPT], {
    env: { ...base, KEYRING_PASSWORD },
    stdio: ["pipe", "pipe", "pipe"]
  })
  let stderr = ""
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  const address = await new Promise<string>((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error(`the keyring session did not start within 15 s: ${stderr}`)), 15_000)
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d
      const m = /READY (\S+)/.exec(out)
      if (m !== null) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    })
    child.on("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the keyring session ended (exit ${code}) before it was ready: ${stderr}`))
    })
  })
  const env = { ...base, DBUS_SESSION_BUS_ADDRESS: address }
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))

  return {
    env,
    lookup: async (account) => {
      const r = await runProcess("secret-tool", ["lookup", "service", "herald", "account", account], { env })
      return r.code === 0 && r.stdout !== "" ? r.stdout.replace(/\n$/, "") : undefined
    },
    store: async (account, value) => {
      const r = await runProcess(
        "secret-tool",
        // keytar's lookup matches xdg:schema; gnome-keyring matches an item stored without it
        // only some of the time (not in the first moments of a new keyring), so say it
        ["store", `--label=herald ${account}`, "xdg:schema", "org.freedesktop.Secret.Generic", "service", "herald", "account", account],
        { env, input: value }
      )
      if (r.code !== 0) throw new Error(`secret-tool store failed: ${r.stderr}`)
    },
    stop: async () => {
      child.stdin!.end()
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000)
      await exited
      clearTimeout(killer)
      await fs.rm(home, { recursive: true, force: true })
    }
  }
}
