/**
 * The registry seen from the built CLI (issue 15, item 3): every entry is in the help that
 * names platforms, in `config init`'s starter, in `config validate`, in `doctor` (its
 * secrets by their env names, the missing one with its remedy) and in `auth refresh`'s
 * TARGET parsing. Driven by the registry, so a new entry is covered without edits here.
 */
import { describe, expect, it } from "vitest"
import { envName } from "../../src/domain/Platform.js"
import { registry } from "../../src/platforms/registry.js"
import { assertBuilt, describeRun, makeWorkspace, stripAnsi } from "./support/runHerald.js"

assertBuilt()

const ids = registry.map((e) => e.descriptor.id)

describe.concurrent("every registry entry, through the built CLI", { timeout: 120_000 }, () => {
  it("the help of every command that takes a platform lists each one", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    for (const args of [["auth", "refresh", "--help"], ["auth", "login", "--help"], ["auth", "set", "--help"], ["config", "init", "--help"]]) {
      const run = await ws.herald(args, { config: false })
      expect(run.code, describeRun(run)).toBe(0)
      const help = stripAnsi(run.stdout)
      for (const id of ids) expect(help, `${args.join(" ")} lists ${id}`).toMatch(new RegExp(`\\b${id}\\b`))
    }
  })

  it("config init writes each one (listed or as a comment), and validate accepts them all", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const init = await ws.herald(["config", "init", "--platform", ids[0]!])
    expect(init.code, describeRun(init)).toBe(0)
    const text = await ws.readConfigText()
    for (const { descriptor } of registry) expect(text).toContain(descriptor.summary)
    // every entry enabled at once, each with an account
    await ws.writeConfig(["platforms:", ...ids.map((id) => `  ${id}: { accounts: { brand: {} } }`), ""].join("\n"))
    const validate = await ws.herald(["config", "validate", "--json"])
    const report = JSON.parse(validate.stdout) as { valid: boolean; connections: ReadonlyArray<string> }
    expect(report.valid, describeRun(validate)).toBe(true)
    expect(report.connections).toEqual(ids.flatMap((id) => [id, `${id}:brand`]))
  })

  it("doctor reports each one's secrets by their env names, and a refresh target names each one", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(["platforms:", ...ids.map((id) => `  ${id}: {}`), ""].join("\n"))
    const run = await ws.herald(["doctor", "--json"])
    const report = JSON.parse(run.stdout) as {
      connections: ReadonlyArray<{ platform: string; secrets: ReadonlyArray<{ key: string; name: string; source: string }> }>
    }
    expect(report.connections.map((c) => c.platform), describeRun(run)).toEqual(ids)
    for (const { descriptor } of registry) {
      const found = report.connections.find((c) => c.platform === descriptor.id)!
      expect(found.secrets.map((s) => s.key)).toEqual(descriptor.secretKeys)
      expect(found.secrets.map((s) => s.name)).toEqual(descriptor.secretKeys.map((k) => envName({ platform: descriptor.id, account: "default" }, k)))
    }
    const unknown = await ws.herald(["auth", "refresh", "no_such:x:y"])
    expect(unknown.code, describeRun(unknown)).toBe(2)
    for (const id of ids) expect(unknown.stderr).toContain(id)
  })
})
