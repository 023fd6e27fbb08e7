/**
 * Issue 19, part 3: the first run of a new user, with the built CLI — `config path` says
 * which file and why, `config init` writes a commented starter there (folders 0700, file
 * 0600, never over an existing one), and `config validate` says "valid, but …" (exit 1) when
 * a selected backend lacks what it needs from the environment.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { platformIds } from "../../src/platforms/registry.js"
import { assertBuilt, describeRun, makeWorkspace } from "./support/runHerald.js"

assertBuilt()

describe.concurrent("first run", { timeout: 60_000 }, () => {
  it("config path names the default file and why; ./herald.yaml and --config win, in that order", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const xdgFile = path.join(ws.dir, "config", "herald", "config.yaml")
    const first = await ws.herald(["config", "path"], { config: false })
    expect(first.code, describeRun(first)).toBe(0)
    expect(first.stdout).toBe(`${xdgFile}\n`)
    expect(first.stderr).toMatch(/the default: no --config, no \$HERALD_CONFIG and no \.\/herald\.yaml.*does not exist yet/)

    await ws.writeConfig("platforms: {}\n")
    const local = await ws.herald(["config", "path"], { config: false })
    expect(local.stdout).toBe(`${ws.configPath}\n`)
    expect(local.stderr).toContain("./herald.yaml is in the current folder")

    const viaEnv = await ws.herald(["config", "path", "--json"], { config: false, env: { HERALD_CONFIG: "/elsewhere/h.yaml" } })
    expect(JSON.parse(viaEnv.stdout)).toMatchObject({ file: "/elsewhere/h.yaml", exists: false, source: "env" })
  })

  it("config init writes a commented, valid starter at the discovered path (0700 folders, 0600 file) and refuses to overwrite it", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const file = path.join(ws.dir, "config", "herald", "config.yaml")
    const init = await ws.herald(["config", "init", "--platform", "x"], { config: false })
    expect(init.code, describeRun(init)).toBe(0)
    expect(init.stdout).toContain(`wrote ${file} (0600)`)
    expect(init.stdout).toContain("herald auth set x")
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600)
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700)
    expect((await fs.stat(path.join(ws.dir, "config"))).mode & 0o777).toBe(0o700)
    const text = await fs.readFile(file, "utf8")
    expect(text).toMatch(/^# herald's config/)
    expect(text).toMatch(/^ {2}x: +# single-use rotating refresh token/m)
    expect(text).toMatch(/^ {2}# tiktok: \{\}/m)

    const valid = await ws.herald(["config", "validate"], { config: false })
    expect(valid.code, describeRun(valid)).toBe(0)
    expect(valid.stdout).toContain(`${file} is valid: 1 connection (x)`)

    await fs.writeFile(file, "platforms: { tiktok: {} }\n")
    const again = await ws.herald(["config", "init"], { config: false })
    expect(again.code, describeRun(again)).toBe(2)
    expect(again.stderr).toContain(`${file} exists already; herald config init never overwrites a config`)
    expect(await fs.readFile(file, "utf8")).toBe("platforms: { tiktok: {} }\n")

    const bad = await ws.herald(["config", "init", "--platform", "myspace", "--config", path.join(ws.dir, "other.yaml")], { config: false })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(`--platform myspace: expected one of ${platformIds.join(", ")}`)
  })

  it("config validate: a backend missing its environment is 'valid, but …' (exit 1), named; --json says the same", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(
      "auth:\n  writeback:\n    backend: gitlab\n    gitlab: { project: group/blog, api_url: \"http://127.0.0.1:9/api/v4\" }\n"
    )
    const run = await ws.herald(["config", "validate"])
    expect(run.code, describeRun(run)).toBe(1)
    expect(run.stdout).toContain(`${ws.configPath} is valid`)
    expect(run.stdout).toContain("valid, but not ready to run here:")
    expect(run.stdout).toContain("write-back gitlab: GITLAB_TOKEN is not set")
    const json = await ws.herald(["config", "validate", "--json"])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, ready: false, writeBack: { backend: "gitlab", ok: false } })

    // and the run it warned about says the same, not "invalid config"
    const refresh = await ws.herald(["auth", "refresh"])
    expect(refresh.code, describeRun(refresh)).toBe(2)
    expect(refresh.stderr).toContain(`herald: ${ws.configPath} is valid, but what it selects cannot work here:`)
    expect(refresh.stderr).toContain("GITLAB_TOKEN is not set")
    expect(refresh.stderr).not.toContain("invalid config")

    const withToken = await ws.herald(["config", "validate"], { env: { GITLAB_TOKEN: "glpat-sentinel-validate" } })
    expect(withToken.code, describeRun(withToken)).toBe(0)
    expect(withToken.stdout + withToken.stderr).not.toContain("glpat-sentinel-validate")
  })
})

describe.concurrent("a new user's first steps", { timeout: 90_000 }, () => {
  it("config init, auth set x from stdin, doctor, auth status: no step needs a workaround, no secret printed", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const refresh = "xr-first-run-sentinel"
    const steps = [
      await ws.herald(["config", "init", "--platform", "x"], { config: false }),
      await ws.herald(["auth", "set", "x"], { config: false, stdin: `client_id=first-run-client\nrefresh_token=${refresh}\n` }),
      await ws.herald(["doctor"], { config: false }),
      await ws.herald(["auth", "status"], { config: false })
    ]
    for (const run of steps) {
      expect(run.code, describeRun(run)).toBe(0)
      expect(run.stdout + run.stderr).not.toContain(refresh)
    }
    expect(steps[2]!.stdout).toContain("everything herald needs is in place")
    expect(steps[3]!.stdout).toMatch(/^x +would rotate/m)
  })

  it("auth set linkedin without an expiry stores the token and warns that herald cannot alert in time", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("platforms:\n  linkedin: {}\n")
    const bare = await ws.herald(["auth", "set", "linkedin"], { stdin: "access_token=li-first-run-sentinel\n" })
    expect(bare.code, describeRun(bare)).toBe(0)
    expect(bare.stdout).toContain("warning: no expiry for the LinkedIn access token")
    expect(bare.stdout).toContain("--expires-at")
    const dated = await ws.herald(["auth", "set", "linkedin", "--expires-at", "60d"], { stdin: "access_token=li-first-run-sentinel\n" })
    expect(dated.code, describeRun(dated)).toBe(0)
    expect(dated.stdout).not.toContain("no expiry")
    for (const run of [bare, dated]) expect(run.stdout + run.stderr).not.toContain("li-first-run-sentinel")
  })
})
