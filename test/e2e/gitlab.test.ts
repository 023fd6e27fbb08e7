/**
 * Issue 17 for the gitlab backend, with the built CLI (`npm run build` first) against the
 * loopback GitLab and TikTok: a rotation needs only the refresh token's variable, and
 * GITLAB_TOKEN's own expiry is reported and alerted. Every secret is a SENTINEL-… value.
 */
import { describe, expect, it } from "vitest"
import { type GitLabFake, startGitLabFake } from "../../sandbox/fakes/gitlab.js"
import { startTikTokFake, TIKTOK_TOKEN_PATH, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import { describeRun, e2eFile, type Finished, makeWorkspace, sentinelsIn, type Workspace } from "./support/safetyHelpers.js"

const { cleanups } = e2eFile()

const CLIENT = { TIKTOK_CLIENT_KEY: "SENTINEL-client-key", TIKTOK_CLIENT_SECRET: "SENTINEL-client-secret" }
const GITLAB_TOKEN = "SENTINEL-glpat-0123456789"

interface Report {
  readonly statuses: ReadonlyArray<{ platform: string; account: string; action: string; alert: boolean; detail: string; storedIn?: string }>
}
const reportOf = (r: Finished): Report => JSON.parse(r.stdout) as Report

const setUp = async (expiresAt: string | null = null): Promise<{ tiktok: TikTokFake; gitlab: GitLabFake; ws: Workspace; env: () => Record<string, string> }> => {
  const tiktok = await startTikTokFake({ clientKey: CLIENT.TIKTOK_CLIENT_KEY, clientSecret: CLIENT.TIKTOK_CLIENT_SECRET, tokenPrefix: "SENTINEL-tiktok" })
  cleanups.push(() => tiktok.close())
  const gitlab = await startGitLabFake({
    tokens: { [GITLAB_TOKEN]: { scopes: ["api"], role: "maintainer", expiresAt } },
    // only the refresh token's variable: no TIKTOK_ACCESS_TOKEN
    variables: [{ key: "TIKTOK_REFRESH_TOKEN", value: tiktok.issueRefreshToken(), masked: true, protected: true }]
  })
  cleanups.push(() => gitlab.close())
  const ws = makeWorkspace()
  cleanups.push(() => ws.cleanup())
  ws.writeConfig(
    `platforms:\n  tiktok:\n    endpoints: { token: "${tiktok.url(TIKTOK_TOKEN_PATH)}" }\n` +
      `auth:\n  writeback:\n    backend: gitlab\n    gitlab: { project: group/blog }\n`
  )
  const env = () => ({ ...CLIENT, GITLAB_TOKEN, CI_API_V4_URL: gitlab.url, TIKTOK_REFRESH_TOKEN: gitlab.get("TIKTOK_REFRESH_TOKEN")!.value })
  return { tiktok, gitlab, ws, env }
}

describe("gitlab write-back, with the built CLI", () => {
  it("only TIKTOK_REFRESH_TOKEN exists: the rotation proceeds, the access token is named as not written", async () => {
    const { tiktok, gitlab, ws, env } = await setUp()
    const r = await ws.run(["auth", "refresh", "tiktok", "--json"], env())
    expect(r.code, describeRun(r)).toBe(0)
    const [status] = reportOf(r).statuses
    expect(status).toMatchObject({ action: "rotated", storedIn: "gitlab" })
    expect(status!.detail).toContain("TIKTOK_ACCESS_TOKEN not written: project group/blog has no such variable")
    expect(gitlab.get("TIKTOK_REFRESH_TOKEN")!.value).toBe(tiktok.currentRefreshToken())
    expect(gitlab.posts).toBe(0)
    // and the next pipeline, with the new value, rotates again
    const next = await ws.run(["auth", "refresh", "tiktok", "--json"], env())
    expect(next.code, describeRun(next)).toBe(0)
    expect(tiktok.counters.rejections).toBe(0)
    expect(sentinelsIn(r.stdout, r.stderr, next.stdout, next.stderr)).toEqual([])
  })

  it("GITLAB_TOKEN 5 days from expiry: a gitlab:GITLAB_TOKEN row alerts (exit 1) with what to do", async () => {
    const day = new Date(Date.now() + 5 * 86_400_000 + 86_400_000).toISOString().slice(0, 10)
    const { ws, env } = await setUp(day)
    const r = await ws.run(["auth", "refresh", "tiktok", "--json"], env())
    expect(r.code, describeRun(r)).toBe(1)
    const own = reportOf(r).statuses.find((s) => s.platform === "gitlab")!
    expect(own).toMatchObject({ account: "GITLAB_TOKEN", action: "reauth-required", alert: true })
    expect(own.detail).toContain(`GITLAB_TOKEN expires in 5 days (${day})`)
    expect(own.detail).toContain("replace the GITLAB_TOKEN CI/CD variable")
    expect(sentinelsIn(r.stdout, r.stderr)).toEqual([])
  })
})
