/**
 * Issue 2's acceptance, parts 2–4: YouTube's health check and revocation, Instagram's
 * refresh-in-place by age, LinkedIn's re-auth date — through the built CLI and the fakes.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { DAY, HOUR } from "../../sandbox/fakes/server.js"
import { REVOKED, REVOKED_LATER } from "../../sandbox/fakes/youtube.js"
import { type SandboxFakes, type SandboxOptions, startSandbox } from "../../sandbox/index.js"
import { assertBuilt, describeRun, leakedSecrets, makeWorkspace, type OnFinished, reportOf, statusOf } from "./support/runHerald.js"
import { configYaml, type PlatformName, rfc3339 } from "./support/world.js"

beforeAll(assertBuilt)

/** generous: concurrent tests queue for a process slot, and CI machines are busy */
const E2E_TIMEOUT = 90_000

/** Every token value the fakes ever issued or were seeded with. */
const allTokens = (fakes: SandboxFakes): Array<string> =>
  [fakes.instagram.tokens, fakes.youtube.tokens, fakes.tiktok.tokens, fakes.linkedin.tokens, fakes.x.tokens]
    .flatMap((store) => store.all().map((r) => r.value))

const setup = async (onTestFinished: OnFinished, selected: ReadonlyArray<PlatformName>, options: SandboxOptions = {}) => {
  const sb = await startSandbox(options)
  onTestFinished(() => sb.close())
  const ws = await makeWorkspace(onTestFinished)
  const secrets = () =>
    [
      ...allTokens(sb.fakes),
      ...selected.flatMap((p) => Object.entries(sb.seeds[p]).filter(([k]) => /secret|token$/.test(k)).map(([, v]) => v))
    ]
  return { sb, ws, secrets }
}

describe.concurrent("YouTube", { timeout: E2E_TIMEOUT }, () => {
  it("reports a working refresh token as healthy and persists nothing", async ({ onTestFinished }) => {
    const { sb, ws, secrets } = await setup(onTestFinished, ["youtube"])
    const text = configYaml(sb, ["youtube"])
    await ws.writeConfig(text)
    const run = await ws.herald(["auth", "refresh", "youtube", "--json"])
    expect(run.code, describeRun(run)).toBe(0)
    const report = reportOf(run)
    expect(statusOf(report, "youtube")).toMatchObject({ action: "healthy", alert: false })
    expect(report.attention).toBe(0)
    expect(sb.fakes.youtube.counters.refreshes).toBeGreaterThanOrEqual(1)
    expect(await ws.readConfigText()).toBe(text)
    expect(leakedSecrets(run, secrets())).toEqual([])
  })

  for (const description of [REVOKED, REVOKED_LATER] as const) {
    it(`a revoked refresh token ("${description}") needs re-auth: exit 1`, async ({ onTestFinished }) => {
      const { sb, ws, secrets } = await setup(onTestFinished, ["youtube"])
      await ws.writeConfig(configYaml(sb, ["youtube"]))
      sb.fakes.youtube.revoke(sb.seeds.youtube["refresh_token"]!, { description })
      const run = await ws.herald(["auth", "refresh", "--json"])
      expect(run.code, describeRun(run)).toBe(1)
      const report = reportOf(run)
      expect(report.attention).toBe(1)
      expect(statusOf(report, "youtube")).toMatchObject({ action: "reauth-required", alert: true })
      // invalid_grant is permanent: asked once, not retried
      expect(sb.fakes.youtube.requestsTo("/token")).toHaveLength(1)
      expect(leakedSecrets(run, secrets())).toEqual([])
    })
  }
})

describe.concurrent("Instagram", { timeout: E2E_TIMEOUT }, () => {
  it("refreshes a 30-day-old token and records the new ~60-day expiry", async ({ onTestFinished }) => {
    const { sb, ws, secrets } = await setup(onTestFinished, ["instagram"])
    const seed = sb.seeds.instagram["access_token"]!
    await ws.writeConfig(configYaml(sb, ["instagram"]))
    const run = await ws.herald(["auth", "refresh", "--json"])
    const finished = Date.now()
    expect(run.code, describeRun(run)).toBe(0)
    const status = statusOf(reportOf(run), "instagram")
    expect(status).toMatchObject({ action: "refreshed", alert: false })
    expect(sb.fakes.instagram.requestsTo("/refresh_access_token")).toHaveLength(1)

    const ig = (await ws.readConfig()).platforms!["instagram"]!
    const current = sb.fakes.instagram.currentToken()
    expect(ig["access_token"]).toBe(current)
    expect(current).not.toBe(seed)
    expect(sb.fakes.instagram.tokens.get(seed)?.status).toBe("spent")
    const expiresAt = Date.parse(String(ig["access_token_expires_at"]))
    expect(Math.abs(expiresAt - (finished + 60 * DAY)), String(ig["access_token_expires_at"])).toBeLessThan(10 * 60_000)
    expect(status.expiresAt).toBe(ig["access_token_expires_at"])
    expect((await ws.configMode()).toString(8)).toBe("600")
    expect(leakedSecrets(run, secrets())).toEqual([])
  })

  it("leaves a token under 24 h old alone: healthy, no refresh request, file untouched", async ({ onTestFinished }) => {
    const { sb, ws, secrets } = await setup(onTestFinished, ["instagram"])
    const issuedAt = Date.now() - 3 * HOUR
    const young = sb.fakes.instagram.issueToken("sandbox-instagram-young-token", { issuedAt })
    const text = configYaml(sb, ["instagram"], {
      override: { instagram: { access_token: young, access_token_expires_at: rfc3339(issuedAt + 60 * DAY) } }
    })
    await ws.writeConfig(text)
    const run = await ws.herald(["auth", "refresh", "--json"])
    expect(run.code, describeRun(run)).toBe(0)
    expect(statusOf(reportOf(run), "instagram")).toMatchObject({ action: "healthy", alert: false })
    expect(sb.fakes.instagram.requestsTo("/refresh_access_token")).toHaveLength(0)
    expect(sb.fakes.instagram.counters.refreshes).toBe(0)
    expect(await ws.readConfigText()).toBe(text)
    expect(leakedSecrets(run, secrets())).toEqual([])
  })
})

describe.concurrent("LinkedIn", { timeout: E2E_TIMEOUT }, () => {
  it("with 9 days left: reauth-required, reauthBy = the expiry, exit 1", async ({ onTestFinished }) => {
    const { sb, ws, secrets } = await setup(onTestFinished, ["linkedin"], { linkedinDaysLeft: 9 })
    await ws.writeConfig(configYaml(sb, ["linkedin"]))
    const run = await ws.herald(["auth", "refresh", "--json"])
    expect(run.code, describeRun(run)).toBe(1)
    const report = reportOf(run)
    expect(report.attention).toBe(1)
    const expiry = sb.seeds.linkedin["access_token_expires_at"]!
    expect(statusOf(report, "linkedin")).toMatchObject({
      action: "reauth-required",
      alert: true,
      reauthBy: expiry,
      expiresAt: expiry
    })
    expect(statusOf(report, "linkedin").detail).toMatch(/9 days/)
    expect(leakedSecrets(run, secrets())).toEqual([])
  })

  it("with 40 days left: healthy, exit 0", async ({ onTestFinished }) => {
    const { sb, ws, secrets } = await setup(onTestFinished, ["linkedin"], { linkedinDaysLeft: 40 })
    await ws.writeConfig(configYaml(sb, ["linkedin"]))
    const run = await ws.herald(["auth", "refresh", "--json"])
    expect(run.code, describeRun(run)).toBe(0)
    const report = reportOf(run)
    expect(report.attention).toBe(0)
    expect(statusOf(report, "linkedin")).toMatchObject({ action: "healthy", alert: false })
    expect(statusOf(report, "linkedin").reauthBy).toBeUndefined()
    expect(leakedSecrets(run, secrets())).toEqual([])
  })
})
