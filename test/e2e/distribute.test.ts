/**
 * The acceptance of pass storage + dotenv distribution, end to end: the built CLI, the X
 * loopback fake, a real password store (throwaway GPG key), a .env file, and a `docker` on
 * PATH that records its arguments. Then `herald auth verify` on the same setup.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as YAML from "yaml"
import { startXFake, X_ME_PATH, X_TOKEN_PATH, type XFake } from "../../sandbox/fakes/x.js"
import { makePassStore, passMissing, type PassStore } from "../support/passStore.js"

const bin = process.env["HERALD_E2E_BIN"] ?? fileURLToPath(new URL("../../dist/herald.cjs", import.meta.url))
const missing = passMissing()
if (missing !== undefined) console.warn(`skipping the pass + dotenv acceptance test: ${missing}`)

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The built bin as a child process; async, because the fake answers from this process. */
const herald = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>>, cwd: string): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c))
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const ENV_BEFORE = [
  "# the poster container's environment",
  "POSTER_NAME=brand",
  "",
  "# herald keeps the next two current",
  "X_ACCESS_TOKEN=sentinel-stale-access",
  "LOG_LEVEL=info # verbose when debugging",
  ""
].join("\n")

describe.skipIf(missing !== undefined)("X with pass storage and a dotenv target", () => {
  let store: PassStore
  let x: XFake
  let dir: string
  let env: Record<string, string>
  const calls = () => {
    const file = path.join(dir, "docker-calls.jsonl")
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Array<string>) : []
  }
  const run = (...args: Array<string>) => herald([...args, "--config", path.join(dir, "herald.yaml")], env, dir)

  beforeAll(async () => {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first`)
    store = makePassStore()
    x = await startXFake({ clientId: "sandbox-x-client", clientSecret: "sentinel-x-client-secret" })
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-e2e-distribute-"))
    fs.mkdirSync(path.join(dir, "bin"))
    // a `docker` that records its argv; fails when the run's environment says so
    fs.writeFileSync(
      path.join(dir, "bin", "docker"),
      `#!${process.execPath}
require("node:fs").appendFileSync(${JSON.stringify(path.join(dir, "docker-calls.jsonl"))}, JSON.stringify(process.argv.slice(2)) + "\\n")
require("node:fs").writeFileSync(${JSON.stringify(path.join(dir, "docker-env.json"))}, JSON.stringify(process.env))
if (process.env.POSTER_BROKEN === "1") { console.error("Error response from daemon: No such container: poster"); process.exit(1) }
`,
      { mode: 0o755 }
    )
    fs.writeFileSync(path.join(dir, ".env"), ENV_BEFORE, { mode: 0o640 })
    fs.writeFileSync(
      path.join(dir, "herald.yaml"),
      [
        "# herald for the poster",
        "platforms:",
        "  x:",
        "    client_id: sandbox-x-client",
        "    endpoints:",
        `      token: ${x.url(X_TOKEN_PATH)}`,
        `      health: ${x.url(X_ME_PATH)}`,
        "auth:",
        "  writeback:",
        "    backend: pass",
        "  distribute:",
        "    - dotenv: .env",
        "      connections: [x]",
        "      then: [docker, restart, poster]",
        "      then_env: [POSTER_BROKEN]",
        ""
      ].join("\n")
    )
    store.insert("herald/x/refresh_token", x.issueRefreshToken("sentinel-x-refresh-0"))
    env = {
      PATH: `${path.join(dir, "bin")}${path.delimiter}${process.env["PATH"] ?? ""}`,
      HOME: dir,
      XDG_STATE_HOME: path.join(dir, "state"),
      XDG_CONFIG_HOME: path.join(dir, "config"),
      X_CLIENT_SECRET: "sentinel-x-client-secret",
      ...store.env
    }
  })

  afterAll(async () => {
    await x?.close()
    store?.close()
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true })
  })

  it("herald auth refresh x: the new refresh token is in pass (and not in .env), the new access token in .env, other lines intact, the restart ran once", async () => {
    const ran = await run("auth", "refresh", "x", "--json")
    expect(ran.code, ran.stderr).toBe(0)
    const report = JSON.parse(ran.stdout)
    expect(report.statuses[0]).toMatchObject({ platform: "x", action: "rotated", alert: false })
    expect(report.distribution).toEqual([expect.objectContaining({
      target: `dotenv ${path.join(dir, ".env")}`,
      connections: ["x"],
      keys: ["X_ACCESS_TOKEN"],
      changed: true,
      then: "docker restart poster",
      ran: true,
      alert: false
    })])

    const refresh = x.currentRefreshToken()!
    const access = x.liveAccessTokens().at(-1)!
    expect(refresh).not.toBe("sentinel-x-refresh-0")
    expect(store.show("herald/x/refresh_token")).toBe(refresh)
    expect(store.show("herald/x/access_token")).toBe(access)
    expect(fs.readFileSync(path.join(dir, ".env"), "utf8")).toBe(
      ENV_BEFORE.replace("X_ACCESS_TOKEN=sentinel-stale-access", `X_ACCESS_TOKEN=${access}`)
    )
    // the refresh token stays herald's: a poster holding it could spend it and lock herald out
    expect(fs.readFileSync(path.join(dir, ".env"), "utf8")).not.toContain(refresh)
    expect(fs.statSync(path.join(dir, ".env")).mode & 0o777).toBe(0o640)
    expect(calls()).toEqual([["restart", "poster"]])
    // the restart gets a minimal environment: no client secret, no pass store, nothing of herald's
    const seenEnv = JSON.parse(fs.readFileSync(path.join(dir, "docker-env.json"), "utf8")) as Record<string, string>
    expect(Object.keys(seenEnv).filter((k) => !["PATH", "HOME", "LANG"].includes(k))).toEqual([])
    expect(JSON.stringify(seenEnv)).not.toContain("sentinel")
    // the config file gets the expiry, never a token
    const yaml = fs.readFileSync(path.join(dir, "herald.yaml"), "utf8")
    expect(yaml).toMatch(/^# herald for the poster/)
    expect(YAML.parse(yaml).platforms.x.access_token_expires_at).toMatch(/^\d{4}-\d\d-\d\dT/)
    for (const secret of [refresh, access, "sentinel-x-client-secret"]) {
      expect(ran.stdout + ran.stderr + yaml).not.toContain(secret)
    }
  })

  it("the next run reads the rotated token back from pass and rotates again", async () => {
    const before = store.show("herald/x/refresh_token")
    const ran = await run("auth", "refresh", "x")
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    expect(store.show("herald/x/refresh_token")).toBe(x.currentRefreshToken())
    expect(store.show("herald/x/refresh_token")).not.toBe(before)
    expect(ran.stdout).toContain("DISTRIBUTION")
    expect(calls()).toHaveLength(2)
  })

  it("a failing restart exits 1 with the failure in the report, and the stored tokens are the platform's current ones", async () => {
    const ran = await herald(["auth", "refresh", "x", "--config", path.join(dir, "herald.yaml")], { ...env, POSTER_BROKEN: "1" }, dir)
    expect(ran.code).toBe(1)
    expect(ran.stdout).toContain("docker restart poster exited with code 1: Error response from daemon: No such container: poster")
    expect(ran.stdout).toContain("1 distribution target failed (marked !)")
    expect(store.show("herald/x/refresh_token")).toBe(x.currentRefreshToken())
    expect(fs.readFileSync(path.join(dir, ".env"), "utf8")).toContain(`X_ACCESS_TOKEN=${store.show("herald/x/access_token")}`)
    expect(calls()).toHaveLength(3)
  })

  it("herald auth verify x: ok while the stored access token works, invalid (exit 1) once X refuses it", async () => {
    const ok = await run("auth", "verify", "x", "--json")
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ attention: 0, statuses: [{ platform: "x", health: "ok" }] })
    x.revoke(store.show("herald/x/access_token")!)
    const refused = await run("auth", "verify", "x")
    expect(refused.code).toBe(1)
    expect(refused.stdout).toMatch(/^x\s+invalid !\s+the access token was refused \(HTTP 401: Unauthorized\); run herald auth refresh x$/m)
  })

  it("an unusable pass store fails with an alert that says why, nothing is rotated and nothing distributed", async () => {
    const rotationsBefore = x.counters.rotations
    const ran = await herald(
      ["auth", "refresh", "x", "--json", "--config", path.join(dir, "herald.yaml")],
      { ...env, PASSWORD_STORE_DIR: path.join(dir, "no-store") },
      dir
    )
    expect(ran.code).toBe(1)
    const report = JSON.parse(ran.stdout)
    // the refresh token lives in pass, so it cannot even be read: the alert names the store and why
    expect(report.statuses[0]).toMatchObject({ action: "failed", alert: true })
    expect(report.statuses[0].detail).toContain(
      `pass herald/x/refresh_token (unusable: the password store ${path.join(dir, "no-store")} is not initialised: run pass init <gpg-key-id>)`
    )
    expect(report.distribution).toBeUndefined()
    expect(x.counters.rotations).toBe(rotationsBefore)
    expect(calls()).toHaveLength(3)
  })

  it("a .env whose X_ACCESS_TOKEN has an unclosed quote: that line is replaced, every other line kept byte for byte; a 0644 file is named", async () => {
    const others = ["DB_PASSWORD=sentinel-db-password", "API_URL=\"https://api.example/v1\" # compose reads it", "", "# end", ""]
    fs.writeFileSync(path.join(dir, ".env"), ["X_ACCESS_TOKEN=\"sentinel-stale-access", ...others].join("\n"))
    fs.chmodSync(path.join(dir, ".env"), 0o644)
    const ran = await run("auth", "refresh", "x", "--json")
    expect(ran.code, ran.stdout + ran.stderr).toBe(0)
    const access = store.show("herald/x/access_token")!
    expect(fs.readFileSync(path.join(dir, ".env"), "utf8")).toBe([`X_ACCESS_TOKEN=${access}`, ...others].join("\n"))
    const [target] = JSON.parse(ran.stdout).distribution
    expect(target).toMatchObject({ readableBy: "group and others (mode 0644)", alert: false })
    expect(target.detail).toContain(`${path.join(dir, ".env")} is readable by group and others (mode 0644): run chmod 600`)
    expect(ran.stdout + ran.stderr).not.toContain(access)
  })
})
