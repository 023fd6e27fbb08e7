/**
 * Issue 20 (start-up): a command loads only the platforms it needs — `auth status` on an
 * empty config evaluates no platform's calls, a config loads those it names, and `auth set`
 * still works for a platform the config does not list yet. Counted from the debug log's
 * "calls loaded" lines (counts, not timings).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { assertBuilt, describeRun, makeWorkspace } from "./support/runHerald.js"

assertBuilt()

const loadedPlatforms = (stderr: string): ReadonlyArray<string> =>
  stderr.split("\n").flatMap((l) => {
    const m = /DEBUG .*platform (\S+): calls loaded/.exec(l)
    return m?.[1] !== undefined ? [m[1]] : []
  }).sort()

describe("platforms load on first use", { timeout: 60_000 }, () => {
  it("auth status on an empty config loads no platform", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("")
    const run = await ws.herald(["auth", "status", "--log-level", "debug"])
    expect(run.code, describeRun(run)).toBe(0)
    expect(run.stdout).toContain("no connections configured")
    expect(loadedPlatforms(run.stderr), run.stderr).toEqual([])
  })

  it("auth status on an empty config loads neither node:http nor node:https (no call is made)", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("")
    // node's own list of the builtin modules it loaded, written as the process exits
    const preload = path.join(ws.dir, "modules.cjs")
    const loaded = path.join(ws.dir, "modules.txt")
    fs.writeFileSync(
      preload,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(loaded)}, process.moduleLoadList.join("\\n")))\n`
    )
    const run = await ws.herald(["auth", "status"], { env: { NODE_OPTIONS: `--require ${preload}` } })
    expect(run.code, describeRun(run)).toBe(0)
    const builtins = fs.readFileSync(loaded, "utf8").split("\n")
    expect(builtins, "the preload ran").toContain("NativeModule fs")
    // (node:net is there anyway: node writes to a piped stdout through a net.Socket)
    expect(builtins.filter((m) => /^NativeModule (http|https|_http_client|_http_agent|tls)$/.test(m))).toEqual([])
  })

  it("auth status loads exactly the platforms the config names", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("platforms:\n  tiktok: {}\n  x: {}\n")
    const run = await ws.herald(["auth", "status", "--log-level", "debug"])
    expect(run.stdout).toContain("tiktok")
    expect(loadedPlatforms(run.stderr), run.stderr).toEqual(["tiktok", "x"])
  })

  it("auth set stores a platform the config does not list yet", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("platforms:\n  x: {}\n")
    const secret = "rt-lazy-sentinel"
    const set = await ws.herald(["auth", "set", "tiktok"], { stdin: `refresh_token=${secret}\nclient_key=ck\nclient_secret=cs\n` })
    expect(set.code, describeRun(set)).toBe(0)
    expect(set.stdout + set.stderr).not.toContain(secret)
    const status = await ws.herald(["auth", "status", "tiktok", "--json"])
    expect(status.stdout + status.stderr).not.toContain(secret)
    expect(status.stdout, describeRun(status)).toContain("\"tiktok\"")
  })
})
