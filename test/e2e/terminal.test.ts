/**
 * Issue 19, part 5: what a person sees in a terminal. `auth status` in a pseudo-terminal
 * (util-linux `script`) at 80 and 200 columns, "would rotate" in a dry run, one date style,
 * (a clause every row shares is said once: test/cli/render.test.ts); and no escape sequence under NO_COLOR or in a pipe,
 * help included.
 */
import { spawn } from "node:child_process"
import { describe, expect, it } from "vitest"
import { assertBuilt, describeRun, heraldBin, makeWorkspace, type Workspace } from "./support/runHerald.js"
import { answerOnTerminal, shellQuote } from "./support/pty.js"

assertBuilt()

const ESC = "\u001b"

/** herald in a pseudo-terminal of `columns` columns; the screen's text, CRs dropped. */
const inTerminal = (ws: Workspace, columns: number, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<string>((resolve, reject) => {
    const command = `stty cols ${columns} rows 60; ${[process.execPath, heraldBin, ...args].map(shellQuote).join(" ")}`
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      cwd: ws.dir,
      env: { ...ws.env, TERM: "xterm-256color", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d))
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.on("error", reject)
    child.on("close", () => {
      clearTimeout(timer)
      resolve(out.replace(/\r/g, ""))
    })
  })

const CONFIG = [
  "platforms:",
  "  x: {}",
  "  tiktok: {}",
  "  linkedin:",
  "    access_token_expires_at: 2099-12-20T09:00:00Z",
  ""
].join("\n")
const SECRETS = {
  X_CLIENT_ID: "cid",
  X_REFRESH_TOKEN: "xr-sentinel",
  TIKTOK_CLIENT_KEY: "ck",
  TIKTOK_CLIENT_SECRET: "cs-sentinel",
  TIKTOK_REFRESH_TOKEN: "tr-sentinel",
  LINKEDIN_ACCESS_TOKEN: "la-sentinel"
}

describe.concurrent("in a terminal", { timeout: 60_000 }, () => {
  it("auth status fits 80 columns, uses 200 when it has them, says 'would rotate' and one date style", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(CONFIG)
    const args = ["auth", "status", "--config", ws.configPath]
    const narrow = await inTerminal(ws, 80, args, SECRETS)
    const lines = narrow.split("\n")
    expect(lines.find((l) => l.startsWith("CONNECTION")), narrow).toBeDefined()
    for (const l of lines) expect(l.length, `${JSON.stringify(l)} in\n${narrow}`).toBeLessThanOrEqual(80)
    expect(narrow).toMatch(/^x +would rotate +-/m)
    expect(narrow).toMatch(/^tiktok +would rotate/m)
    expect(narrow).not.toMatch(/\brotated\b/)
    expect(narrow).toMatch(/^linkedin +healthy +2099-12-20 09:00 UTC/m)
    expect(narrow).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/)
    const wide = await inTerminal(ws, 200, args, SECRETS)
    // the same report, each connection on one line
    expect(wide.split("\n").filter((l) => /^(x|tiktok|linkedin) /.test(l))).toHaveLength(3)
    expect(Math.max(...wide.split("\n").map((l) => l.length))).toBeGreaterThan(80)
    for (const secret of Object.values(SECRETS).filter((v) => v.includes("sentinel"))) {
      expect(narrow + wide).not.toContain(secret)
    }
  })

  it("help has colour in a terminal, none with NO_COLOR, none in a pipe; the report has none in a pipe either", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(CONFIG)
    const coloured = await inTerminal(ws, 100, ["auth", "status", "--help"])
    // the check can fail: in a terminal, without NO_COLOR, help is coloured
    expect(coloured).toContain(ESC)
    const noColor = await inTerminal(ws, 100, ["auth", "status", "--help"], { NO_COLOR: "1" })
    expect(noColor).toContain("USAGE")
    expect(noColor).not.toContain(ESC)
    for (const args of [["--help"], ["auth", "status", "--help"], ["auth", "bogus"], ["auth", "status"]]) {
      const piped = await ws.herald(args, { env: SECRETS })
      expect(piped.stdout + piped.stderr, describeRun(piped)).not.toContain(ESC)
    }
  })

  it("Ctrl-C in --wizard is an interruption: exit 130, not 0", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    // the first prompt is up: press Ctrl-C
    const { code } = await answerOnTerminal(ws, ["--wizard"], { prompt: "wizard", key: "\u0003", afterMs: 300 })
    expect(code).toBe(130)
  })
})
