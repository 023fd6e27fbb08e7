/**
 * The dotenv target on real files and real child processes: the file is updated in place,
 * and the `then` command (a script that records its argv) runs once, or alerts.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { DistributeTarget } from "../../../src/domain/Config.js"
import type { Delivery } from "../../../src/domain/Distribution.js"
import * as Dotenv from "../../../src/layers/distribute/Dotenv.js"

let dir: string
let record: string
let recorder: string

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-dotenv-"))
  record = path.join(dir, "calls.jsonl")
  recorder = path.join(dir, "recorder.mjs")
  // records argv and cwd; fails with the exit code in $RECORDER_EXIT after printing to stderr
  fs.writeFileSync(
    recorder,
    `#!/usr/bin/env node
import { appendFileSync } from "node:fs"
appendFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd() }) + "\\n")
if (process.argv[2] === "fail") { console.error("poster: cannot restart with token sentinel-access-NEW"); process.exit(3) }
if (process.argv[2] === "hang") setTimeout(() => {}, 60_000)
`,
    { mode: 0o755 }
  )
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const calls = (): Array<{ argv: Array<string>; cwd: string }> =>
  fs.existsSync(record) ? fs.readFileSync(record, "utf8").trim().split("\n").map((l) => JSON.parse(l)) : []

const rotated: ReadonlyArray<Delivery> = [{
  connection: { platform: "x", account: "default" },
  secrets: { access_token: Redacted.make("sentinel-access-NEW"), refresh_token: Redacted.make("sentinel-refresh-NEW") }
}]

const run = (targets: ReadonlyArray<DistributeTarget>, deliveries = rotated) =>
  Effect.runPromise(Dotenv.make(targets, dir).distribute(deliveries))

const original = "# poster\nPOSTER_NAME=brand\nX_ACCESS_TOKEN=sentinel-access-OLD # herald keeps this\n\nLOG=1\n"

describe("dotenv distribution", () => {
  it("updates an existing file in place, keeps its other lines and mode, and runs the command once with its argv", async () => {
    const env = path.join(dir, "poster.env")
    fs.writeFileSync(env, original)
    fs.chmodSync(env, 0o640)
    const results = await run([{ dotenv: "poster.env", then: [recorder, "restart", "poster"] }])
    expect(fs.readFileSync(env, "utf8")).toBe(
      "# poster\nPOSTER_NAME=brand\nX_ACCESS_TOKEN=sentinel-access-NEW # herald keeps this\n\nLOG=1\n"
    )
    expect(fs.statSync(env).mode & 0o777).toBe(0o640)
    expect(calls()).toEqual([{ argv: ["restart", "poster"], cwd: fs.realpathSync(dir) }])
    expect(results).toEqual([{
      target: `dotenv ${env}`,
      connections: ["x"],
      keys: ["X_ACCESS_TOKEN"],
      changed: true,
      then: `${recorder} restart poster`,
      ran: true,
      alert: false,
      readableBy: "group (mode 0640)",
      detail: `wrote X_ACCESS_TOKEN; ${path.join(dir, "poster.env")} is readable by group (mode 0640): run chmod 600 ${path.join(dir, "poster.env")}; ran ${recorder} restart poster`
    }])
    expect(JSON.stringify(results)).not.toContain("sentinel")
  })

  it("creates a missing file 0600", async () => {
    const env = path.join(dir, "new.env")
    await run([{ dotenv: env }])
    expect(fs.statSync(env).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(env, "utf8")).toBe("X_ACCESS_TOKEN=sentinel-access-NEW\n")
  })

  it("does not run the command when the file already held the values, nor when nothing was delivered", async () => {
    const env = path.join(dir, ".env")
    fs.writeFileSync(env, "X_ACCESS_TOKEN=sentinel-access-NEW\nX_REFRESH_TOKEN=sentinel-refresh-NEW\n")
    const [result] = await run([{ dotenv: env, then: [recorder, "restart"] }])
    expect(result).toMatchObject({ changed: false, ran: false, alert: false })
    expect(await run([{ dotenv: env, then: [recorder, "restart"] }], [])).toEqual([])
    expect(await run([{ dotenv: env, then: [recorder, "restart"], connections: ["tiktok"] }])).toEqual([])
    expect(calls()).toEqual([])
  })

  it("a failing command alerts, says how it failed without the secret, and leaves the file written", async () => {
    const env = path.join(dir, ".env")
    const [result] = await run([{ dotenv: env, then: [recorder, "fail"] }])
    expect(result).toMatchObject({ alert: true, changed: true, ran: true, remedy: `${recorder} fail` })
    expect(result!.detail).toBe(`wrote X_ACCESS_TOKEN; ${recorder} fail exited with code 3: poster: cannot restart with token <redacted>`)
    expect(fs.readFileSync(env, "utf8")).toContain("sentinel-access-NEW")
    expect(calls()).toHaveLength(1)
  })

  it("a command that cannot start, or does not finish in time, alerts", async () => {
    const [missing] = await run([{ dotenv: ".env", then: ["herald-no-such-program", "x"] }])
    expect(missing).toMatchObject({ alert: true, ran: false })
    expect(missing!.detail).toContain("herald-no-such-program x could not start: not found")
    fs.rmSync(path.join(dir, ".env"))
    const started = Date.now()
    const [slow] = await run([{ dotenv: ".env", then: [recorder, "hang"], timeout_seconds: 0.5 }])
    expect(slow).toMatchObject({ alert: true, ran: true })
    expect(slow!.detail).toMatch(/hang did not finish within 500ms and was stopped/)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it("a file that cannot be written alerts, and the command does not run", async () => {
    const [result] = await run([{ dotenv: "no/such/dir/.env", then: [recorder, "restart"] }])
    expect(result).toMatchObject({ alert: true, changed: false, remedy: "herald auth refresh x" })
    expect(result!.detail).toBe("could not write the file (ENOENT); the stored tokens are unchanged")
    expect(calls()).toEqual([])
  })

  it("updates a symlinked file where it points, and it stays a symlink", async () => {
    const real = path.join(dir, "real.env")
    fs.writeFileSync(real, "A=1\n")
    fs.symlinkSync(real, path.join(dir, "link.env"))
    await run([{ dotenv: "link.env", keys: { "x/access_token": "TOKEN" } }])
    expect(fs.lstatSync(path.join(dir, "link.env")).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(real, "utf8")).toBe("A=1\nTOKEN=sentinel-access-NEW\n")
  })
})

describe("dotenv distribution: hostile files", () => {
  it("a .env with an unclosed quote on a key herald writes keeps every other line byte for byte", async () => {
    const env = path.join(dir, ".env")
    const others = ["DB_PASSWORD=sentinel-db-password", "API_URL=\"https://api.example/v1\"", "# compose reads these", ""]
    fs.writeFileSync(env, ["X_ACCESS_TOKEN=\"sentinel-access-OLD", ...others].join("\n"), { mode: 0o600 })
    const [result] = await run([{ dotenv: ".env" }])
    expect(fs.readFileSync(env, "utf8")).toBe(["X_ACCESS_TOKEN=sentinel-access-NEW", ...others].join("\n"))
    expect(result).toMatchObject({ alert: false, changed: true, detail: "wrote X_ACCESS_TOKEN" })
    expect(result!.readableBy).toBeUndefined()
  })

  it("an existing .env others can read is named in the report, with the fix; its mode is kept", async () => {
    const env = path.join(dir, ".env")
    fs.writeFileSync(env, "X_ACCESS_TOKEN=sentinel-access-OLD\n")
    fs.chmodSync(env, 0o644)
    const [result] = await run([{ dotenv: ".env" }])
    expect(result!.readableBy).toBe("group and others (mode 0644)")
    expect(result!.detail).toBe(`wrote X_ACCESS_TOKEN; ${env} is readable by group and others (mode 0644): run chmod 600 ${env}`)
    expect(fs.statSync(env).mode & 0o777).toBe(0o644)
    expect(JSON.stringify(result)).not.toContain("sentinel")
  })
})
