/**
 * Threads (issue 15, item 5) through the built CLI against its fake: the fake is served
 * from src/platforms/threads/model.ts by the sentinel world with no row of its own, so
 * every secret (`SENTINEL-THREADS-…`) can be looked for in what herald prints.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { DAY, HOUR } from "../../sandbox/fakes/server.js"
import { assertBuilt, describeRun, leakedSecrets, makeWorkspace, type OnFinished, reportOf, statusOf } from "./support/runHerald.js"
import { configYaml, rfc3339, startSentinelSandbox } from "./support/world.js"

beforeAll(assertBuilt)

const E2E_TIMEOUT = 90_000

const setup = async (onTestFinished: OnFinished) => {
  const world = await startSentinelSandbox()
  onTestFinished(() => world.close())
  const ws = await makeWorkspace(onTestFinished)
  return { world, fake: world.fakes["threads"]!, ws }
}

describe.concurrent("Threads", { timeout: E2E_TIMEOUT }, () => {
  it("refreshes a 30-day-old token in place with th_refresh_token (GET, token in the query) and records the new 60-day expiry", async ({ onTestFinished }) => {
    const { world, fake, ws } = await setup(onTestFinished)
    const seed = world.seeds["threads"]!["access_token"]!
    expect(seed).toMatch(/^SENTINEL-THREADS-/)
    await ws.writeConfig(configYaml(world, ["threads"]))
    const run = await ws.herald(["auth", "refresh", "threads", "--json", "--log-level", "debug"])
    const finished = Date.now()
    expect(run.code, describeRun(run)).toBe(0)
    const status = statusOf(reportOf(run), "threads")
    expect(status).toMatchObject({ action: "refreshed", alert: false })

    const [call, ...more] = fake.requestsTo("/refresh_access_token")
    expect(more).toHaveLength(0)
    expect(call!.method).toBe("GET")
    expect(call!.query).toEqual({ grant_type: "th_refresh_token", access_token: seed })

    const section = (await ws.readConfig()).platforms!["threads"]!
    const current = fake.liveAccessTokens().at(-1)
    expect(section["access_token"]).toBe(current)
    expect(current).not.toBe(seed)
    expect(fake.tokens.get(seed)?.status).toBe("spent")
    const expiresAt = Date.parse(String(section["access_token_expires_at"]))
    expect(Math.abs(expiresAt - (finished + 60 * DAY))).toBeLessThan(10 * 60_000)
    expect(status.expiresAt).toBe(section["access_token_expires_at"])
    // the debug log names the attempt, never its query (where the token rides)
    expect(run.stderr).toContain("/refresh_access_token")
    expect(leakedSecrets(run, world.secrets())).toEqual([])
  })

  it("leaves a token under 24 h old alone: healthy, no request, file untouched", async ({ onTestFinished }) => {
    const { world, fake, ws } = await setup(onTestFinished)
    const issuedAt = Date.now() - 3 * HOUR
    const young = fake.issueAccessToken("SENTINEL-THREADS-YOUNG-TOKEN", { issuedAt })
    const text = configYaml(world, ["threads"], {
      override: { threads: { access_token: young, access_token_expires_at: rfc3339(issuedAt + 60 * DAY) } }
    })
    await ws.writeConfig(text)
    const run = await ws.herald(["auth", "refresh", "threads", "--json"])
    expect(run.code, describeRun(run)).toBe(0)
    expect(statusOf(reportOf(run), "threads")).toMatchObject({ action: "healthy", alert: false })
    expect(statusOf(reportOf(run), "threads").detail).toBe("token is 3 hours old; refreshed once over 24 h")
    expect(fake.requestsTo("/refresh_access_token")).toHaveLength(0)
    expect(await ws.readConfigText()).toBe(text)
    expect(leakedSecrets(run, world.secrets())).toEqual([])
  })

  it("a token past its 60 days: Threads says code 190, herald says reauth-required now, with the date it died, and names auth login threads", async ({ onTestFinished }) => {
    const { world, fake, ws } = await setup(onTestFinished)
    const issuedAt = Date.now() - 61 * DAY
    const expired = rfc3339(issuedAt + 60 * DAY)
    const dead = fake.issueAccessToken("SENTINEL-THREADS-DEAD-TOKEN", { issuedAt })
    const text = configYaml(world, ["threads"], { override: { threads: { access_token: dead, access_token_expires_at: expired } } })
    await ws.writeConfig(text)
    const run = await ws.herald(["auth", "refresh", "threads", "--json"])
    expect(run.code, describeRun(run)).toBe(1)
    const status = statusOf(reportOf(run), "threads")
    expect(status).toMatchObject({ action: "reauth-required", alert: true })
    // dead now: re-auth is due at once, and Threads' own words give the day it died
    expect(Math.abs(Date.parse(String(status.reauthBy)) - Date.now())).toBeLessThan(10 * 60_000)
    expect(status.detail).toContain("Graph error 190 subcode 463")
    expect(status.detail).toContain(`Session has expired on ${new Date(Date.parse(expired)).toUTCString()}`)
    expect(status.detail).toContain("herald auth login threads")
    // a dead token is asked about once, not retried
    expect(fake.requestsTo("/refresh_access_token")).toHaveLength(1)
    expect(await ws.readConfigText()).toBe(text)
    expect(leakedSecrets(run, world.secrets())).toEqual([])
  })

  it("auth verify threads: ok for a live token (GET /me?fields=id,username), expired for a dead one; nothing changed", async ({ onTestFinished }) => {
    const { world, fake, ws } = await setup(onTestFinished)
    const text = configYaml(world, ["threads"])
    await ws.writeConfig(text)
    const ok = await ws.herald(["auth", "verify", "threads", "--json"])
    expect(ok.code, describeRun(ok)).toBe(0)
    expect(JSON.stringify(JSON.parse(ok.stdout))).toContain('"ok"')
    const [probe] = fake.requestsTo("/me")
    expect(probe!.method).toBe("GET")
    expect(probe!.query["fields"]).toBe("id,username")

    fake.revoke(world.seeds["threads"]!["access_token"]!)
    const bad = await ws.herald(["auth", "verify", "threads", "--json"])
    expect(bad.code, describeRun(bad)).toBe(1)
    expect(bad.stdout).toContain("herald auth login threads")
    expect(await ws.readConfigText()).toBe(text)
    expect(fake.counters.refreshes).toBe(0)
    expect(leakedSecrets(ok, world.secrets())).toEqual([])
    expect(leakedSecrets(bad, world.secrets())).toEqual([])
  })
})
