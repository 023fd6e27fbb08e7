/**
 * Issue 2's acceptance, part 8: no secret value — seeded or rotated — ever reaches stdout or
 * stderr, in good runs and failing ones. Every secret in this sandbox contains "SENTINEL"
 * (client ids and keys do not), so even a truncated or partly masked leak shows.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { REVOKED, REVOKED_LATER } from "../../sandbox/fakes/youtube.js"
import { assertBuilt, describeRun, type HeraldRun, makeWorkspace, type OnFinished, reportOf, statusOf } from "./support/runHerald.js"
import {
  configYaml,
  type ConfigOptions,
  platforms,
  SENTINEL,
  type SentinelOptions,
  type SentinelSandbox,
  startSentinelSandbox
} from "./support/world.js"

beforeAll(assertBuilt)

/** generous: concurrent tests queue for a process slot, and CI machines are busy */
const E2E_TIMEOUT = 90_000

const setup = async (onTestFinished: OnFinished, options: SentinelOptions = {}, config: ConfigOptions = {}) => {
  const sb = await startSentinelSandbox(options)
  onTestFinished(() => sb.close())
  const ws = await makeWorkspace(onTestFinished)
  await ws.writeConfig(configYaml(sb, platforms, config))
  return { sb, ws }
}

/** Checked against the secrets known after the run, so rotated ones count too. */
const expectNoSecrets = (run: HeraldRun, sb: SentinelSandbox, extra: ReadonlyArray<string> = []): void => {
  const out = `${run.stdout}\n${run.stderr}`
  const leaked = [...sb.secrets(), ...extra].filter((s) => out.includes(s))
  expect(leaked, describeRun(run)).toEqual([])
  expect(out.includes(SENTINEL), `a fragment of a secret in the output of\n${describeRun(run)}`).toBe(false)
}

describe.concurrent("no secret in any output", { timeout: E2E_TIMEOUT }, () => {
  it("two real runs, a status and a debug-level run over all five platforms", async ({ onTestFinished }) => {
    const { sb, ws } = await setup(onTestFinished, { linkedinDaysLeft: 9, linkedinRefresh: true })
    const runs: Array<HeraldRun> = []
    for (const args of [
      ["auth", "refresh", "all", "--json"],
      ["auth", "refresh", "all"],
      ["auth", "status", "--json"],
      ["--log-level", "all", "auth", "refresh", "all"],
      ["config", "validate"]
    ]) {
      const run = await ws.herald(args)
      runs.push(run)
      expect([0, 1], describeRun(run)).toContain(run.code)
    }
    // the runs really rotated: there are rotated secrets to leak
    expect(sb.fakes.tiktok.counters.rotations).toBe(3)
    expect(sb.fakes.x.counters.rotations).toBe(3)
    expect(sb.fakes.tiktok.currentRefreshToken()).toMatch(/^SENTINEL-TIKTOK-/)
    expect(statusOf(reportOf(runs[0]!), "linkedin").action).not.toBe("failed")
    for (const run of runs) expectNoSecrets(run, sb)
  })

  for (const description of [REVOKED, REVOKED_LATER] as const) {
    it(`YouTube revoked ("${description}")`, async ({ onTestFinished }) => {
      const { sb, ws } = await setup(onTestFinished)
      sb.fakes.youtube.revoke(sb.seeds.youtube["refresh_token"]!, { description })
      // the table once, the JSON once: both carry the platform's words
      const run = await ws.herald(description === REVOKED ? ["auth", "refresh"] : ["auth", "refresh", "--json"])
      expect(run.code, describeRun(run)).toBe(1)
      expectNoSecrets(run, sb)
    })
  }

  it("TikTok and X refresh tokens revoked: re-auth, nothing rotated", async ({ onTestFinished }) => {
    const { sb, ws } = await setup(onTestFinished)
    sb.fakes.tiktok.revoke(sb.seeds.tiktok["refresh_token"]!)
    sb.fakes.x.revoke(sb.seeds.x["refresh_token"]!)
    const run = await ws.herald(["auth", "refresh", "--json"])
    expect(run.code, describeRun(run)).toBe(1)
    expect(statusOf(reportOf(run), "tiktok").action).toBe("reauth-required")
    expect(statusOf(reportOf(run), "x").action).toBe("reauth-required")
    expectNoSecrets(run, sb)
  })

  it("a 503 outage on every platform (fault queue): failed, exit 1, tokens kept", async ({ onTestFinished }) => {
    const { sb, ws } = await setup(onTestFinished)
    const before = await ws.readConfigText()
    for (const fake of Object.values(sb.fakes)) {
      for (let i = 0; i < 12; i++) fake.faults.push({ status: 503 })
    }
    const run = await ws.herald(["auth", "refresh", "--json"])
    expect(run.code, describeRun(run)).toBe(1)
    const report = reportOf(run)
    for (const p of ["instagram", "youtube", "tiktok", "x"]) {
      expect(statusOf(report, p), p).toMatchObject({ action: "failed", alert: true })
    }
    // transient is not revoked: retried, and nothing rotated or rewritten
    expect(sb.fakes.tiktok.counters.faulted).toBeGreaterThan(1)
    expect(sb.fakes.tiktok.counters.rotations + sb.fakes.x.counters.rotations).toBe(0)
    expect(await ws.readConfigText()).toBe(before)
    expectNoSecrets(run, sb)
  })

  it("wrong client secrets: failed, exit 1, the wrong secrets not printed either", async ({ onTestFinished }) => {
    const wrong = {
      youtube: "SENTINEL-WRONG-YOUTUBE-CLIENT-SECRET",
      tiktok: "SENTINEL-WRONG-TIKTOK-CLIENT-SECRET",
      linkedin: "SENTINEL-WRONG-LINKEDIN-CLIENT-SECRET",
      x: "SENTINEL-WRONG-X-CLIENT-SECRET"
    }
    const { sb, ws } = await setup(onTestFinished, { linkedinRefresh: true }, {
      override: {
        youtube: { client_secret: wrong.youtube },
        tiktok: { client_secret: wrong.tiktok },
        linkedin: { client_secret: wrong.linkedin },
        x: { client_secret: wrong.x }
      }
    })
    const runs = [await ws.herald(["auth", "refresh", "--json"]), await ws.herald(["auth", "refresh"])]
    for (const run of runs) {
      expect(run.code, describeRun(run)).toBe(1)
      expectNoSecrets(run, sb, Object.values(wrong))
    }
    const report = reportOf(runs[0]!)
    for (const p of ["youtube", "tiktok", "x"]) expect(statusOf(report, p).alert, p).toBe(true)
    expect(sb.fakes.tiktok.counters.rotations + sb.fakes.x.counters.rotations).toBe(0)
  })

  it("secrets missing from the config: failed with the names tried, no values", async ({ onTestFinished }) => {
    const { sb, ws } = await setup(onTestFinished, {}, { override: { tiktok: { refresh_token: undefined }, x: { client_secret: undefined } } })
    const run = await ws.herald(["auth", "refresh", "--json"])
    expect(run.code, describeRun(run)).toBe(1)
    const tiktok = statusOf(reportOf(run), "tiktok")
    expect(tiktok).toMatchObject({ action: "failed", alert: true })
    expect(tiktok.detail).toContain("TIKTOK_REFRESH_TOKEN")
    expectNoSecrets(run, sb)
  })

  it("a secret taken from the environment is not printed", async ({ onTestFinished }) => {
    const { sb, ws } = await setup(onTestFinished, {}, { override: { tiktok: { refresh_token: undefined } } })
    const run = await ws.herald(["auth", "status", "--json"], {
      env: { TIKTOK_REFRESH_TOKEN: sb.seeds.tiktok["refresh_token"]! }
    })
    expect(run.code, describeRun(run)).toBe(0)
    expectNoSecrets(run, sb)
  })

  it("bad configs holding secrets: the error names keys, never values", async ({ onTestFinished }) => {
    const { sb, ws } = await setup(onTestFinished)
    const valid = configYaml(sb, platforms)
    const tiktokRefresh = sb.seeds.tiktok["refresh_token"]!
    const spoiled = [
      // a secret of the wrong type: the schema's "actual" value must not be echoed
      valid.replace(`refresh_token: "${tiktokRefresh}"`, `refresh_token: { value: "${tiktokRefresh}" }`),
      valid.replace(`refresh_token: "${tiktokRefresh}"`, `refresh_token: ["${tiktokRefresh}"]`),
      // broken YAML on the line of a secret: the parser's code frame must not be echoed
      valid.replace(`refresh_token: "${tiktokRefresh}"`, `refresh_token: "${tiktokRefresh}`),
      valid.replace(`refresh_token: "${tiktokRefresh}"`, `refresh_token: [${tiktokRefresh}`),
      // a secret pasted under an unknown key
      valid.replace(`refresh_token: "${tiktokRefresh}"`, `refresh_tokn: "${tiktokRefresh}"`),
      // a secret pasted where a date belongs
      valid.replace(/(\n {4}refresh_token_expires_at: )"[^"]*"/, `$1"${tiktokRefresh}"`)
    ]
    for (const [i, text] of spoiled.entries()) {
      expect(text).not.toBe(valid)
      await ws.writeConfig(text)
      // validate reports through the same code as refresh: twice is enough to show it
      for (const args of [["auth", "refresh", "--json"], ...(i < 2 ? [["config", "validate"]] : [])]) {
        const run = await ws.herald(args)
        expect(run.code, describeRun(run)).toBe(2)
        expectNoSecrets(run, sb)
      }
    }
    expect(sb.fakes.tiktok.counters.calls).toBe(0)
  })
})
