/**
 * The `then` command of a dotenv target, run as a real child process (issue 16 item 5): a
 * minimal environment, output scrubbed of every secret the run knows, the whole process
 * group stopped at the timeout, and a report that says what really happened.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { Delivery } from "../../../src/domain/Distribution.js"
import type { DistributeTarget } from "../../../src/domain/Config.js"
import * as Dotenv from "../../../src/layers/distribute/Dotenv.js"
import * as ScrubberRegistry from "../../../src/layers/scrubber/Registry.js"

const GITLAB_TOKEN = "glpat-SENTINEL-then-env-0001"
const SMTP_PASSWORD = "SENTINEL-smtp-password-0002"
const CLIENT_SECRET = "SENTINEL-x-client-secret-0003"
const NEW_ACCESS = "SENTINEL-x-new-access-0004"

let dir: string
const saved: Record<string, string | undefined> = {}
const setEnv = (vars: Record<string, string>) => {
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k]
    process.env[k] = v
  }
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-then-"))
  setEnv({ GITLAB_TOKEN, ALERT_SMTP_PASSWORD: SMTP_PASSWORD, X_CLIENT_SECRET: CLIENT_SECRET, POSTER_NAME: "brand", LANG: "C.UTF-8" })
})
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  fs.rmSync(dir, { recursive: true, force: true })
})

const delivery: ReadonlyArray<Delivery> = [{
  connection: { platform: "x", account: "default" },
  secrets: { access_token: Redacted.make(NEW_ACCESS) }
}]

const script = (name: string, body: string): string => {
  const file = path.join(dir, name)
  fs.writeFileSync(file, `#!${process.execPath}\n${body}\n`, { mode: 0o755 })
  return file
}

/** Running (a zombie left for a PID 1 that does not reap is dead for this purpose). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return true
  }
}

/** A run whose scrubber knows the backend secrets, as the app's does. */
const run = async (target: Omit<DistributeTarget, "dotenv">) => {
  const scrubber = ScrubberRegistry.make()
  await Effect.runPromise(scrubber.register([GITLAB_TOKEN, SMTP_PASSWORD, CLIENT_SECRET]))
  const [result] = await Effect.runPromise(Dotenv.make([{ dotenv: ".env", ...target }], dir, scrubber).distribute(delivery))
  return result!
}

describe("then", () => {
  it("gets PATH, HOME, LANG and the then_env names only: no GITLAB_TOKEN, SMTP password or client secret", async () => {
    const dump = path.join(dir, "env.json")
    const cmd = script("dump-env.cjs", `require("node:fs").writeFileSync(${JSON.stringify(dump)}, JSON.stringify(process.env))`)
    const result = await run({ then: [cmd], then_env: ["POSTER_NAME"] })
    expect(result).toMatchObject({ ran: true, alert: false })
    const env = JSON.parse(fs.readFileSync(dump, "utf8")) as Record<string, string>
    expect(Object.keys(env).sort()).toEqual(["HOME", "LANG", "PATH", "POSTER_NAME"])
    expect(env["POSTER_NAME"]).toBe("brand")
    expect(JSON.stringify(env)).not.toContain("SENTINEL")
  })

  it("its output is scrubbed of every secret the run knows, not only the values just written", async () => {
    const cmd = script(
      "leak.cjs",
      `console.error("auth failed: token ${GITLAB_TOKEN} pass ${SMTP_PASSWORD} secret ${CLIENT_SECRET} new ${NEW_ACCESS}"); process.exit(2)`
    )
    const result = await run({ then: [cmd] })
    expect(result.alert).toBe(true)
    expect(result.detail).toContain("exited with code 2: auth failed: token <redacted> pass <redacted> secret <redacted> new <redacted>")
    expect(JSON.stringify(result)).not.toContain("SENTINEL")
  })

  it("exit 0 with a background child still holding stdout is finished, not 'did not finish'", async () => {
    const pidFile = path.join(dir, "bg.pid")
    const cmd = script(
      "daemon.cjs",
      `const { spawn } = require("node:child_process")
const bg = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: ["ignore", "inherit", "inherit"] })
require("node:fs").writeFileSync(${JSON.stringify(pidFile)}, String(bg.pid))
process.exit(0)`
    )
    const started = Date.now()
    const result = await run({ then: [cmd], timeout_seconds: 10 })
    const bg = Number(fs.readFileSync(pidFile, "utf8"))
    try {
      expect(result).toMatchObject({ ran: true, alert: false })
      expect(result.detail).toMatch(/; ran /)
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      if (alive(bg)) process.kill(bg, "SIGKILL")
    }
  })

  it("at the timeout the whole process group is stopped: a child that ignores SIGTERM is killed, and the report says so", async () => {
    const pids = path.join(dir, "pids.json")
    const cmd = script(
      "stubborn.cjs",
      `const { spawn } = require("node:child_process")
process.on("SIGTERM", () => {})
const child = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" })
require("node:fs").writeFileSync(${JSON.stringify(pids)}, JSON.stringify([process.pid, child.pid]))
setInterval(() => {}, 1000)`
    )
    const result = await run({ then: [cmd], timeout_seconds: 1 })
    const [leader, child] = JSON.parse(fs.readFileSync(pids, "utf8")) as [number, number]
    try {
      expect(result.alert).toBe(true)
      expect(result.detail).toContain("did not finish within 1s and was killed with SIGKILL (it ignored SIGTERM for 2s)")
      // SIGKILL was sent before the run returned: give the kernel a moment to reap
      await new Promise((r) => setTimeout(r, 200))
      expect(alive(leader)).toBe(false)
      expect(alive(child)).toBe(false)
    } finally {
      for (const pid of [leader, child]) if (alive(pid)) process.kill(pid, "SIGKILL")
    }
  }, 15_000)

  it("a group that obeys SIGTERM at the timeout is reported as stopped with SIGTERM, children included", async () => {
    const pids = path.join(dir, "pids.json")
    const cmd = script(
      "slow.cjs",
      `const { spawn } = require("node:child_process")
const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" })
require("node:fs").writeFileSync(${JSON.stringify(pids)}, JSON.stringify([process.pid, child.pid]))
setInterval(() => {}, 1000)`
    )
    const started = Date.now()
    const result = await run({ then: [cmd], timeout_seconds: 1 })
    const [leader, child] = JSON.parse(fs.readFileSync(pids, "utf8")) as [number, number]
    try {
      expect(result.detail).toContain("did not finish within 1s and was stopped with SIGTERM")
      expect(Date.now() - started).toBeLessThan(2500)
      expect(alive(leader)).toBe(false)
      expect(alive(child)).toBe(false)
    } finally {
      for (const pid of [leader, child]) if (alive(pid)) process.kill(pid, "SIGKILL")
    }
  }, 15_000)
})
