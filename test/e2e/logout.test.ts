/**
 * Issue 19, part 4: `herald auth logout TARGET` with the built CLI — the connection's tokens
 * and their expiry dates leave the config file (the keychain is off here), app credentials
 * stay; it asks in a terminal, refuses without one unless --yes, and names what it cannot
 * remove (an environment variable) with exit 1.
 */
import { describe, expect, it } from "vitest"
import { assertBuilt, describeRun, makeWorkspace, startFailureOf, type Workspace } from "./support/runHerald.js"
import { answerOnTerminal } from "./support/pty.js"

assertBuilt()

const REFRESH = "xr-logout-sentinel"
const ACCESS = "xa-logout-sentinel"
const CONFIG = [
  "platforms:",
  "  x:",
  "    client_id: logout-client",
  `    refresh_token: ${REFRESH}`,
  `    access_token: ${ACCESS}`,
  "    access_token_expires_at: 2099-01-01T00:00:00Z",
  "    accounts:",
  `      brand: { refresh_token: ${REFRESH}-brand }`,
  ""
].join("\n")


/** herald in a pseudo-terminal, answering `key` once the confirmation is asked. */
const answering = (ws: Workspace, args: ReadonlyArray<string>, key: string) => answerOnTerminal(ws, args, { prompt: "Remove the", key })

describe.concurrent("auth logout", { timeout: 60_000 }, () => {
  it("--yes removes the connection's tokens and their expiry from the config file, and nothing else", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(CONFIG, 0o600)
    const run = await ws.herald(["auth", "logout", "x", "--account", "default", "--yes"])
    expect(run.code, describeRun(run)).toBe(0)
    expect(run.stdout).toContain("Removed from x:")
    expect(run.stdout).toContain("refresh_token (platforms.x.refresh_token in")
    const x = (await ws.readConfig()).platforms!["x"]!
    expect(x).not.toHaveProperty("refresh_token")
    expect(x).not.toHaveProperty("access_token")
    expect(x).not.toHaveProperty("access_token_expires_at")
    expect(x["client_id"]).toBe("logout-client")
    // the other account is another connection: untouched
    expect(await ws.readConfigText()).toContain(`${REFRESH}-brand`)
    expect(await ws.configMode()).toBe(0o600)
    expect(run.stdout + run.stderr).not.toContain(REFRESH)

    const again = await ws.herald(["auth", "logout", "x:default", "--yes", "--json"])
    expect(again.code, describeRun(again)).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual({ connection: "x", removed: [], left: [] })
  })

  it("asks in a terminal: 'n' removes nothing, 'y' removes; without a terminal it refuses unless --yes", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(CONFIG, 0o600)
    const piped = await ws.herald(["auth", "logout", "x:brand"])
    expect(piped.code, describeRun(piped)).toBe(2)
    expect(startFailureOf(piped)).toContain("auth logout x:brand asks before it removes anything, and there is no terminal to ask on: add --yes")
    expect(await ws.readConfigText()).toBe(CONFIG)

    const no = await answering(ws, ["auth", "logout", "x:brand", "--config", ws.configPath], "n")
    expect(no.code, no.out).toBe(0)
    expect(no.out).toContain("nothing was removed")
    expect(await ws.readConfigText()).toBe(CONFIG)

    const yes = await answering(ws, ["auth", "logout", "x:brand", "--config", ws.configPath], "y")
    expect(yes.code, yes.out).toBe(0)
    expect(await ws.readConfigText()).not.toContain(`${REFRESH}-brand`)
    expect(await ws.readConfigText()).toContain(REFRESH)
  })

  it("refuses all and an ambiguous platform; a token still in the environment is named, exit 1", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig(CONFIG, 0o600)
    const all = await ws.herald(["auth", "logout", "all", "--yes"])
    expect(all.code, describeRun(all)).toBe(2)
    expect(all.stderr).toContain("auth logout is about one connection")
    const several = await ws.herald(["auth", "logout", "x", "--yes"])
    expect(several.code, describeRun(several)).toBe(2)
    expect(several.stderr).toContain("x has 2 accounts (x, x:brand): name one, e.g. herald auth logout x:brand")
    expect(await ws.readConfigText()).toBe(CONFIG)

    const env = await ws.herald(["auth", "logout", "x:brand", "--yes"], { env: { X_BRAND_REFRESH_TOKEN: "env-sentinel" } })
    expect(env.code, describeRun(env)).toBe(1)
    expect(env.stderr).toContain("X_BRAND_REFRESH_TOKEN is still set in the environment")
    expect(env.stdout + env.stderr).not.toContain("env-sentinel")
  })
})
