/**
 * Issue 9: the benchmark is a script, not a timed test. CI runs its smoke version
 * (N = 10, few runs) only to prove the script still works end to end against the built
 * bin: it exits 0 and prints every section of the table. No figure is asserted.
 */
import { spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const tsx = join(root, "node_modules", ".bin", "tsx")

const runBench = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(tsx, [join(root, "scripts", "bench.ts"), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] })
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

describe("npm run bench --smoke", () => {
  it("runs the built CLI against the fakes and prints the table", async () => {
    expect(existsSync(join(root, "dist", "herald.cjs")), "dist/herald.cjs is missing: run npm run build first").toBe(true)
    const doc = join(root, "docs", "performance.md")
    const committed = existsSync(doc) ? readFileSync(doc, "utf8") : undefined
    const r = await runBench(["--smoke", "--no-write"])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain("### Cold start")
    expect(r.stdout).toMatch(/\| `herald --help` \| \d+ ms \|/)
    // the stack's own floors beside `auth status` (scripts/stack-floor/): Effect alone, then
    // Effect with @effect/cli; both in the goal's row
    expect(r.stdout).toMatch(/\| Effect alone: its runtime printing the empty report \(scripts\/stack-floor\/effect-only\.ts\) \| \d+ ms \| [\d.]+× \|/)
    expect(r.stdout).toMatch(/\| stack floor: Effect \+ @effect\/cli parsing `auth status`, nothing else \(scripts\/stack-floor\/\) \| \d+ ms \| [\d.]+× \|/)
    expect(r.stdout).toMatch(
      /\| `herald auth status`, empty config \/ `node -e 0` \| ≤ 2\.5× \| [^|]*the stack's floor alone \(scripts\/stack-floor\/\): [\d.]+×[^|]*; Effect alone: [\d.]+×/
    )
    expect(r.stdout).toContain("### Five platforms, each answering in 700 ms")
    expect(r.stdout).toContain(
      "| N | concurrency | wall | ideal | wall / ideal | floor (plain Node) | floor / ideal | wall / floor | CPU | floor CPU | CPU / floor | peak RSS | first / last call at | calls / connection |"
    )
    // each row: wall, ideal, ratio, then the floor script's wall and ratio
    for (const c of [8, 32, 64]) {
      expect(r.stdout).toMatch(new RegExp(`\\| 10 \\| ${c} \\| \\d+ ms \\| \\d+ ms \\| [\\d.]+× \\| \\d+ ms \\| [\\d.]+× \\|`))
    }
    expect(r.stdout).toContain("### Targets")
    // issue 20: one account refreshed in a bigger config, and the Effect operations per connection
    expect(r.stdout).toContain("### One account used in a big config")
    expect(r.stdout).toMatch(/\| 100 \| \d+ KB \| \d+ ms \| \d+ ms \| \d+ MB \| [\d.]+× \|/)
    expect(r.stdout).toContain("### Effect operations per connection")
    expect(r.stdout).toMatch(/\| 10 \| \d+ \| \d+ \| (met|\*\*missed\*\*) \|/)
    // every goal of issue 20's table (and the operations figure), each with a verdict: one the smoke run does not measure says so
    expect(r.stdout).toContain("### Goals (issue 20)")
    const goals = r.stdout.slice(r.stdout.indexOf("### Goals (issue 20)")).split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| figure"))
    for (
      const figure of [
        "bytes written to config + journal per run, 5,000 connections, c = 8",
        "fsyncs per run",
        "CPU per connection at N = 5,000 vs N = 1,000 (c = 8)",
        "one-account refresh in a 5,000-account config vs a 10-account one",
        "peak RSS, 5,000 connections",
        "1,000 connections, c = 64, 50 ms: wall / floor, CPU / floor",
        "`herald --help` / `node -e 0`",
        "`herald --version` / `node -e 0`",
        "`herald auth status`, empty config / `node -e 0`",
        "Effect operations per connection"
      ]
    ) {
      const row = goals.find((l) => l.startsWith(`| ${figure}`))
      expect(row, figure).toBeDefined()
      expect(row).toMatch(/\| (met|\*\*missed\*\*|n\/a) \|$/)
    }
    expect(goals).toHaveLength(10)
    // the smoke run measures 10 connections only and leaves the committed figures alone
    expect(r.stdout).not.toMatch(/\| 1000 \|/)
    expect(existsSync(doc) ? readFileSync(doc, "utf8") : undefined).toBe(committed)
  }, 60_000)
})
