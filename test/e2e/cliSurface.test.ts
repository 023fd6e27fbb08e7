/**
 * Issue 19, parts 4 and 5, with the built CLI: `auth token`, and the small things a user hits
 * first — `herald help`, `-v`, `--version`, "did you mean", one unknown-option style, whole
 * numbers said properly, and the front door's option table kept in step with every command.
 */
import { describe, expect, it } from "vitest"
import { BUILT_IN, COMMANDS, OPTIONS } from "../../src/cli/frontDoor.js"
import { assertBuilt, describeRun, makeWorkspace, startFailureOf, stripAnsi } from "./support/runHerald.js"

assertBuilt()

const TOKEN = "x-access-sentinel-7f3a"

describe.concurrent("auth token", { timeout: 60_000 }, () => {
  it("prints the access token, newline-terminated, and nothing else", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig("platforms:\n  x:\n    access_token_expires_at: 2099-01-01T00:00:00Z\n")
    const run = await ws.herald(["auth", "token", "x"], { env: { X_ACCESS_TOKEN: TOKEN } })
    expect(run.code, describeRun(run)).toBe(0)
    expect(run.stdout).toBe(`${TOKEN}\n`)
    expect(run.stderr).toBe("")
    const json = await ws.herald(["auth", "token", "x", "--json"], { env: { X_ACCESS_TOKEN: TOKEN } })
    expect(JSON.parse(json.stdout)).toEqual({ platform: "x", account: "default", accessToken: TOKEN, expiresAt: "2099-01-01T00:00:00Z" })
  })

  it("refuses all and a platform with several accounts (exit 2); absent or expired is exit 1 with what to run", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(
      "platforms:\n  x:\n    access_token_expires_at: 2099-01-01T00:00:00Z\n    accounts: { brand: {} }\n" +
        "  tiktok:\n    access_token_expires_at: 2001-01-01T00:00:00Z\n"
    )
    const env = { X_ACCESS_TOKEN: TOKEN, TIKTOK_ACCESS_TOKEN: TOKEN }
    const all = await ws.herald(["auth", "token", "all"], { env })
    expect(all.code, describeRun(all)).toBe(2)
    expect(all.stderr).toContain("name a platform (x) or an account (x:brand), not all")
    const several = await ws.herald(["auth", "token", "x"], { env })
    expect(several.code, describeRun(several)).toBe(2)
    expect(several.stderr).toContain("x has 2 accounts (x, x:brand): name one")
    const absent = await ws.herald(["auth", "token", "x:brand"], { env })
    expect(absent.code, describeRun(absent)).toBe(1)
    expect(absent.stderr).toContain("x:brand has no access token")
    expect(absent.stderr).toContain("run herald auth refresh x:brand")
    const expired = await ws.herald(["auth", "token", "tiktok"], { env })
    expect(expired.code, describeRun(expired)).toBe(1)
    expect(expired.stderr).toContain("tiktok's access token expired at 2001-01-01T00:00:00Z")
    for (const run of [all, several, absent, expired]) {
      expect(run.stdout).toBe("")
      expect(run.stderr).not.toContain(TOKEN)
    }
  })
})

describe.concurrent("the front door", { timeout: 60_000 }, () => {
  it("herald -v, --version and version print the version alone; herald help is --help", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    for (const args of [["-v"], ["--version"], ["version"]]) {
      const run = await ws.herald(args, { config: false })
      expect(run.code, describeRun(run)).toBe(0)
      expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
    }
    const help = await ws.herald(["help"], { config: false })
    expect(help.code, describeRun(help)).toBe(0)
    expect(help.stdout).toContain("USAGE")
    const sub = await ws.herald(["help", "auth", "token"], { config: false })
    expect(sub.code, describeRun(sub)).toBe(0)
    expect(sub.stdout).toContain("print one connection's current access token")
  })

  it("an unknown command or option gets one style, the right level and a did-you-mean (exit 2)", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [["auth", "sett", "x"], "herald: unknown command 'auth sett'; did you mean 'herald auth set'? See 'herald auth --help'."],
      [["set", "x"], "herald: unknown command 'set'; did you mean 'herald auth set'? See 'herald --help'."],
      [["doctr"], "herald: unknown command 'doctr'; did you mean 'herald doctor'? See 'herald --help'."],
      [["auth", "refresh", "--dry-rn"], "herald: unknown option '--dry-rn' for 'herald auth refresh'; did you mean '--dry-run'? See 'herald auth refresh --help'."],
      [["auth", "status", "--bogus", "--json"], "herald: unknown option '--bogus' for 'herald auth status'. See 'herald auth status --help'."],
      [["doctor", "--bogus"], "herald: unknown option '--bogus' for 'herald doctor'. See 'herald doctor --help'."]
    ]
    for (const [args, message] of cases) {
      const run = await ws.herald(args, { config: false })
      expect(run.code, describeRun(run)).toBe(2)
      expect(stripAnsi(run.stderr).trim()).toBe(message)
      expect(startFailureOf(run).trim()).toBe(message)
    }
  })

  it("--concurrency 0 or -5 and a non-number are refused in plain words", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    for (const n of ["0", "-5", "many"]) {
      const run = await ws.herald(["auth", "status", "--concurrency", n])
      expect(run.code, describeRun(run)).toBe(2)
      expect(run.stderr.trim()).toBe(`herald: --concurrency ${n}: expected a whole number from 1 up`)
    }
    const port = await ws.herald(["auth", "login", "x", "--port", "abc"])
    expect(port.code).toBe(2)
    expect(port.stderr.trim()).toBe("herald: --port abc: expected a whole number from 0 to 65535")
    expect(port.stderr).not.toContain("a integer")
  })

  it("every command's options are the ones the front door knows (and every command answers --help)", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    for (const [group, subs] of Object.entries(COMMANDS)) {
      for (const path of subs.length === 0 ? [[group]] : subs.map((s) => [group, s])) {
        const run = await ws.herald([...path, "--help"], { config: false, env: { NO_COLOR: "1" } })
        expect(run.code, describeRun(run)).toBe(0)
        // the OPTIONS section lists each as a line of its own
        const shown = new Set([...run.stdout.matchAll(/^\s*(--[a-z][a-z-]*)/gm)].map((m) => m[1]!))
        for (const b of BUILT_IN) shown.delete(b)
        expect([...shown].sort(), path.join(" ")).toEqual([...(OPTIONS[path.join(" ")] ?? [])].sort())
      }
    }
  })
})
