/**
 * What test/e2e/faultsFiles.test.ts needs beyond ./safetyHelpers.ts: running the built CLI
 * with another `--config` path (a symlink, a hard link), another HOME, or as a throwaway
 * unprivileged user (root only, through `setpriv`).
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { type Finished, heraldBin, type Workspace } from "./safetyHelpers.js"

export const NOBODY = { uid: 65534, gid: 65534 }

/** Why the unprivileged-user cases cannot run here, or undefined when they can. */
export const whyNoOtherUser = (): string | undefined => {
  if (process.geteuid?.() !== 0) return "not running as root: cannot switch to a throwaway user"
  const probe = spawnSync("setpriv", [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, "--clear-groups", process.execPath, "-e", ""])
  if (probe.status !== 0) return `setpriv cannot switch to uid ${NOBODY.uid} here (${probe.error?.message ?? `exit ${probe.status}`})`
  try {
    fs.accessSync(heraldBin, fs.constants.R_OK)
  } catch {
    return `${heraldBin} is not readable`
  }
  return undefined
}

export interface Start {
  /** the `--config` path (default: the workspace's); null: no `--config` at all */
  readonly config?: string | null
  readonly env?: Readonly<Record<string, string>>
  readonly asNobody?: boolean
  /** text on stdin (for `auth set`) */
  readonly stdin?: string
}

export const runHerald = (ws: Workspace, args: ReadonlyArray<string>, options: Start = {}): Promise<Finished> => {
  const argv = [heraldBin, ...args, ...(options.config === null ? [] : ["--config", options.config ?? ws.configFile])]
  const [command, ...rest] = options.asNobody === true
    ? ["setpriv", `--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, "--clear-groups", process.execPath, ...argv]
    : [process.execPath, ...argv]
  const child = spawn(command!, rest, { cwd: ws.dir, env: ws.env(options.env), stdio: ["pipe", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
  child.stdin.end(options.stdin ?? "")
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
  return new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  )
}

/** Give a tree to the throwaway user. */
export const chownTree = (dir: string): void => {
  spawnSync("chown", ["-R", `${NOBODY.uid}:${NOBODY.gid}`, dir])
}
