/**
 * Found by the benchmark (issue 9): the JSON report of many connections is larger than a
 * pipe holds, and exiting at once cut it off. A CI job piping `--json` into a parser must
 * get the whole report, also when the run exits 1.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const bin = join(root, "dist", "herald.cjs")

const dirs: Array<string> = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe("a large --json report", () => {
  it("reaches a pipe whole, with exit 1", async () => {
    expect(existsSync(bin), "dist/herald.cjs is missing: run npm run build first").toBe(true)
    const dir = await mkdtemp(join(tmpdir(), "herald-large-report-"))
    dirs.push(dir)
    // 600 TikTok accounts whose refresh tokens run out in 3 days: each needs attention; a
    // dry run plans them without calling anyone
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z")
    const accounts = Array.from({ length: 600 }, (_, i) =>
      `      a${i}: { refresh_token: "sentinel-rt-${i}", refresh_token_expires_at: ${soon} }`)
    const config = join(dir, "herald.yaml")
    await writeFile(
      config,
      ["platforms:", "  tiktok:", "    client_key: ck", "    client_secret: cs", `    refresh_token: "sentinel-rt"`, "    accounts:", ...accounts, ""].join("\n"),
      { mode: 0o600 }
    )
    const env: NodeJS.ProcessEnv = { HERALD_KEYCHAIN: "off", XDG_STATE_HOME: join(dir, "state"), NO_COLOR: "1", PATH: process.env["PATH"] ?? "" }
    // a busy reader (a CI step, the benchmark's own process): the pipe is full while herald finishes
    const script = `"$0" "$1" auth status --json --config "$2" | (sleep 1.5; cat); exit \${PIPESTATUS[0]}`
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
      const child = spawn("bash", ["-c", script, process.execPath, bin, config], { env, stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      let stderr = ""
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d
      })
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d
      })
      child.on("error", fail)
      child.on("close", (code) => done({ code, stdout, stderr }))
    })
    expect(run.code, run.stderr).toBe(1)
    expect(run.stdout.length).toBeGreaterThan(128 * 1024)
    const report = JSON.parse(run.stdout) as { attention: number; statuses: Array<unknown> }
    expect(report.statuses).toHaveLength(601)
    expect(report.attention).toBe(600)
  }, 30_000)
})
