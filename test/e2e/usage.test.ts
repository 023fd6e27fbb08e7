/**
 * Issue 2's acceptance, part 7: usage errors exit 2 and do nothing; help exits 0; `config
 * validate` says 0 for a good file and 2 for a bad one.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { startSandbox } from "../../sandbox/index.js"
import { assertBuilt, describeRun, makeWorkspace, type OnFinished, stripAnsi, startFailureOf } from "./support/runHerald.js"
import { configYaml, platforms } from "./support/world.js"

beforeAll(assertBuilt)

/** generous: concurrent tests queue for a process slot, and CI machines are busy */
const E2E_TIMEOUT = 90_000

/** A workspace whose config points at live fakes, so a usage error that slipped through would show as requests. */
const armed = async (onTestFinished: OnFinished) => {
  const sb = await startSandbox({ linkedinDaysLeft: 40 })
  onTestFinished(() => sb.close())
  const ws = await makeWorkspace(onTestFinished)
  const text = configYaml(sb, platforms)
  await ws.writeConfig(text)
  const untouched = async () => {
    for (const fake of Object.values(sb.fakes)) expect(fake.counters.calls, fake.name).toBe(0)
    expect(await ws.readConfigText()).toBe(text)
  }
  return { sb, ws, untouched }
}

describe.concurrent("usage errors: exit 2, nothing done", { timeout: E2E_TIMEOUT }, () => {
  it("auth refresh --bogus is an unknown option, not a target", async ({ onTestFinished }) => {
    const { ws, untouched } = await armed(onTestFinished)
    // config through the environment, so --bogus is the last word on the line
    const run = await ws.herald(["auth", "refresh", "--bogus"], { config: false, env: { HERALD_CONFIG: ws.configPath } })
    expect(run.code, describeRun(run)).toBe(2)
    const err = stripAnsi(run.stderr)
    expect(err).toContain("--bogus")
    expect(err).toMatch(/unknown option/i)
    expect(err).not.toMatch(/unknown target/i)
    expect(run.stdout).toBe("")
    await untouched()
  })

  it("auth refresh --bogus followed by real options: still exit 2, nothing done", async ({ onTestFinished }) => {
    const { ws, untouched } = await armed(onTestFinished)
    for (const args of [["auth", "refresh", "--bogus", "--json"], ["auth", "refresh", "--json", "--bogus"], ["auth", "refresh", "tiktok", "--bogus"]]) {
      const run = await ws.herald(args)
      expect(run.code, describeRun(run)).toBe(2)
      expect(run.stderr.trim(), describeRun(run)).not.toBe("")
      expect(startFailureOf(run)).toContain("--bogus")
    }
    await untouched()
  })

  it("auth refresh myspace: unknown platform", async ({ onTestFinished }) => {
    const { ws, untouched } = await armed(onTestFinished)
    const run = await ws.herald(["auth", "refresh", "myspace", "--json"])
    expect(run.code, describeRun(run)).toBe(2)
    expect(stripAnsi(run.stderr)).toContain("myspace")
    expect(startFailureOf(run)).toContain("myspace")
    await untouched()
  })

  it("auth refresh x:nobody: an account that is not configured", async ({ onTestFinished }) => {
    const { ws, untouched } = await armed(onTestFinished)
    const run = await ws.herald(["auth", "refresh", "x:nobody", "--json"])
    expect(run.code, describeRun(run)).toBe(2)
    expect(stripAnsi(run.stderr)).toContain("x:nobody")
    expect(startFailureOf(run)).toContain("x:nobody")
    await untouched()
  })

  it("an unknown subcommand", async ({ onTestFinished }) => {
    const { ws, untouched } = await armed(onTestFinished)
    const run = await ws.herald(["auth", "frobnicate"], { config: false })
    expect(run.code, describeRun(run)).toBe(2)
    await untouched()
  })
})

describe.concurrent("help", { timeout: E2E_TIMEOUT }, () => {
  it("herald --help exits 0 and lists auth refresh, reading no config", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    // a config that would fail to load: --help must not read it
    await ws.writeConfig("platforms: [broken\n")
    const run = await ws.herald(["--help"], { config: false, env: { HERALD_CONFIG: ws.configPath } })
    expect(run.code, describeRun(run)).toBe(0)
    const out = stripAnsi(run.stdout)
    expect(out).toContain("auth refresh")
    expect(out).toContain("config validate")
    expect(out).not.toMatch(/\u001b\[/)
  })

  it("herald auth refresh --help exits 0 and describes TARGET and --dry-run", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const run = await ws.herald(["auth", "refresh", "--help"], { config: false })
    expect(run.code, describeRun(run)).toBe(0)
    const out = stripAnsi(run.stdout)
    expect(out).toContain("--dry-run")
    expect(out).toMatch(/target/i)
  })
})

describe.concurrent("config validate", { timeout: E2E_TIMEOUT }, () => {
  it("a good config: exit 0, names what it configures", async ({ onTestFinished }) => {
    const { ws, untouched } = await armed(onTestFinished)
    const run = await ws.herald(["config", "validate"])
    expect(run.code, describeRun(run)).toBe(0)
    expect(run.stdout).toContain(ws.configPath)
    for (const p of platforms) expect(run.stdout).toContain(p)
    await untouched()
  })

  it("no config file anywhere is a valid, empty config: exit 0", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const run = await ws.herald(["config", "validate"], { config: false })
    expect(run.code, describeRun(run)).toBe(0)
  })

  it("a bad config: exit 2, the key named", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("platforms:\n  tiktok:\n    reauth_warn_days: soon\n")
    const run = await ws.herald(["config", "validate"])
    expect(run.code, describeRun(run)).toBe(2)
    expect(run.stderr).toContain("platforms.tiktok.reauth_warn_days")
    expect(run.stderr).toContain(ws.configPath)
  })

  it("finds the config through HERALD_CONFIG and XDG_CONFIG_HOME", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("platforms:\n  tiktok:\n    reauth_warn_days: soon\n")
    const viaEnv = await ws.herald(["config", "validate"], { config: false, env: { HERALD_CONFIG: ws.configPath } })
    expect(viaEnv.code, describeRun(viaEnv)).toBe(2)
    expect(viaEnv.stderr).toContain(ws.configPath)

    const { mkdir, writeFile } = await import("node:fs/promises")
    const xdgFile = `${ws.env["XDG_CONFIG_HOME"]}/herald/config.yaml`
    await mkdir(`${ws.env["XDG_CONFIG_HOME"]}/herald`, { recursive: true })
    await writeFile(xdgFile, "platforms:\n  x:\n    reauth_warn_days: soon\n")
    // herald.yaml in the working directory comes first: move it out of the way
    const { rm } = await import("node:fs/promises")
    await rm(ws.configPath)
    const viaXdg = await ws.herald(["config", "validate"], { config: false })
    expect(viaXdg.code, describeRun(viaXdg)).toBe(2)
    expect(viaXdg.stderr).toContain(xdgFile)
    expect(viaXdg.stderr).toContain("platforms.x.reauth_warn_days")
  })
})
