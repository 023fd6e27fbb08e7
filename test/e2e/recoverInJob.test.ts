/**
 * Issue 16 item 7, end to end with the built CLI: in `gitlab` mode, one CI job runs
 * `herald auth recover` and then `herald auth refresh` with the environment the job started
 * with. The refresh must present the recovered refresh token, not the spent one the job's
 * environment still holds.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { type GitLabFake, maskedVariable, startGitLabFake } from "../../sandbox/fakes/gitlab.js"
import { startTikTokFake, TIKTOK_TOKEN_PATH } from "../../sandbox/fakes/tiktok.js"
import { storeKey } from "../../src/layers/journal/stateDir.js"
import { describeRun, e2eFile, makeWorkspace, sentinelsIn } from "./support/safetyHelpers.js"

const { cleanups } = e2eFile()

const CLIENT = { TIKTOK_CLIENT_KEY: "SENTINEL-client-key", TIKTOK_CLIENT_SECRET: "SENTINEL-client-secret" }
const GITLAB_TOKEN = "SENTINEL-glpat-recover-0001"


describe("auth recover, then auth refresh, in one GitLab CI job", () => {
  it("the refresh presents the recovered token; the spent one from the job's environment is never sent", async () => {
    const tiktok = await startTikTokFake({ clientKey: CLIENT.TIKTOK_CLIENT_KEY, clientSecret: CLIENT.TIKTOK_CLIENT_SECRET, tokenPrefix: "SENTINEL-tiktok" })
    cleanups.push(() => tiktok.close())
    // rt0 was spent by an earlier run whose write-back failed; rt1 (its answer) is in the journal
    const rt0 = tiktok.issueRefreshToken()
    tiktok.revoke(rt0)
    const rt1 = tiktok.issueRefreshToken()
    const gitlab: GitLabFake = await startGitLabFake({
      tokens: { [GITLAB_TOKEN]: { scopes: ["api"], role: "maintainer" } },
      variables: [maskedVariable("TIKTOK_REFRESH_TOKEN", rt0), maskedVariable("TIKTOK_ACCESS_TOKEN", "SENTINEL-old-access-token")]
    })
    cleanups.push(() => gitlab.close())
    const ws = makeWorkspace()
    cleanups.push(() => ws.cleanup())
    ws.writeConfig(
      `platforms:\n  tiktok:\n    endpoints: { token: "${tiktok.url(TIKTOK_TOKEN_PATH)}" }\n` +
        `auth:\n  writeback:\n    backend: gitlab\n    gitlab: { project: group/blog }\n`
    )
    fs.mkdirSync(ws.stateDir, { recursive: true, mode: 0o700 })
    fs.writeFileSync(
      path.join(ws.stateDir, `journal-${storeKey(ws.configFile)}.json`),
      JSON.stringify({
        tiktok: { platform: "tiktok", account: "default", at: "2026-12-01T00:00:00.000Z", secrets: { refresh_token: rt1 }, metadata: {} }
      }),
      { mode: 0o600 }
    )
    // the job's environment, read once at its start: the variables before the recover
    const job = { ...CLIENT, GITLAB_TOKEN, CI_API_V4_URL: gitlab.url, CI_JOB_ID: "4711", TIKTOK_REFRESH_TOKEN: rt0 }

    const recover = await ws.run(["auth", "recover"], job)
    expect(recover.code, describeRun(recover)).toBe(0)
    expect(recover.stdout).toContain("tiktok: restored from the journal")
    expect(gitlab.get("TIKTOK_REFRESH_TOKEN")!.value).toBe(rt1)

    const refresh = await ws.run(["auth", "refresh", "tiktok", "--json"], job)
    expect(refresh.code, describeRun(refresh)).toBe(0)
    expect(JSON.parse(refresh.stdout).statuses[0]).toMatchObject({ action: "rotated", alert: false })
    const presented = tiktok.requestsTo(TIKTOK_TOKEN_PATH).map((r) => r.form["refresh_token"])
    expect(presented).toEqual([rt1])
    expect(gitlab.get("TIKTOK_REFRESH_TOKEN")!.value).toBe(tiktok.currentRefreshToken())
    expect(sentinelsIn(recover.stdout, recover.stderr, refresh.stdout, refresh.stderr)).toEqual([])
  })
})
