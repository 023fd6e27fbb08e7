/**
 * Issue 20: the append-only journal and the config committed per wave, end to end — the
 * built CLI (`npm run build` first) against the loopback TikTok fake. A rotated token is
 * safe once its journal line is fsync'd, whatever happens to the config commit after it;
 * and what a crash leaves at the end of the journal (a torn line) or a line written twice
 * costs no token. Every secret is a SENTINEL-… value, and none may be printed.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "vitest"
import * as YAML from "yaml"
import { TIKTOK_TOKEN_PATH, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import { replay } from "../../src/layers/journal/journalLog.js"
import { besideConfig } from "../../src/layers/journal/storeFiles.js"
import { describeRun, e2eFile, type Finished, modeOf, sentinelsIn, TIKTOK_CLIENT, waitFor, type Workspace } from "./support/safetyHelpers.js"

const { tiktokFake, workspace } = e2eFile()
const CLIENT = TIKTOK_CLIENT

const presented = (fake: TikTokFake) => fake.requestsTo(TIKTOK_TOKEN_PATH).map((r) => r.form["refresh_token"])
const journalFile = (ws: Workspace) => besideConfig(ws.configFile).journal
const reportOf = (r: Finished) => JSON.parse(r.stdout) as { statuses: Array<{ account: string; action: string; detail: string }> }

/** The refresh token the config holds for each TikTok account. */
const storedTokens = (ws: Workspace): Record<string, string | undefined> => {
  const tiktok = (YAML.parse(ws.readConfig()) as {
    platforms: { tiktok: { refresh_token?: string; accounts?: Record<string, { refresh_token?: string }> } }
  }).platforms.tiktok
  return {
    default: tiktok.refresh_token,
    ...Object.fromEntries(Object.entries(tiktok.accounts ?? {}).map(([a, s]) => [a, s.refresh_token]))
  }
}

const configFor = (fake: TikTokFake, tokens: Readonly<Record<string, string>>, padding = "") =>
  `# the shop's TikTok accounts\n${padding}platforms:\n  tiktok:\n    refresh_token: "${tokens["default"]}"\n` +
  `    endpoints: { token: "${fake.url(TIKTOK_TOKEN_PATH)}" }\n    accounts:\n` +
  Object.entries(tokens).filter(([a]) => a !== "default").map(([a, t]) => `      ${a}: { refresh_token: "${t}" }\n`).join("")

/** A journal line as herald appends it (src/layers/journal/journalLog.ts). */
const line = (n: number, account: string, refreshToken: string) =>
  JSON.stringify({
    n,
    put: account === "default" ? "tiktok" : `tiktok:${account}`,
    entry: { platform: "tiktok", account, at: "2026-12-01T10:00:00.000Z", secrets: { refresh_token: refreshToken }, metadata: {} }
  }) + "\n"

/** After the runs: every live token is stored, none rejected (no spent one sent), nothing printed. */
const expectNothingLost = (fake: TikTokFake, ws: Workspace, runs: ReadonlyArray<Finished>) => {
  const context = runs.map(describeRun).join("\n\n")
  expect(fake.counters.rejections, context).toBe(0)
  expect(Object.values(storedTokens(ws)).sort(), context).toEqual([...fake.liveRefreshTokens()].sort())
  const left = fs.existsSync(journalFile(ws)) ? Object.keys(replay(fs.readFileSync(journalFile(ws), "utf8")).entries) : []
  expect(left, "the journal is cleared").toEqual([])
  expect(sentinelsIn(...runs.flatMap((r) => [r.stdout, r.stderr]))).toEqual([])
}

describe("crash between the journal append and the config commit", () => {
  it("SIGKILL while a rotated token is journaled but its config commit is still held back: the next run replays it and rotates on", async () => {
    const fake = await tiktokFake()
    const rt = { default: fake.issueRefreshToken(), brand: fake.issueRefreshToken(), shop: fake.issueRefreshToken() }
    // a large config: once it has been rewritten, the next commit waits for more edits (or the run's end)
    const padding = Array.from({ length: 3000 }, (_, i) => `# note ${i}: ${"posting schedule and owners ".repeat(3)}\n`).join("")
    const ws = workspace()
    ws.writeConfig(configFor(fake, rt, padding))
    // the default account answers at once; brand after a second; shop not before the run is killed
    fake.faults.push(
      { path: TIKTOK_TOKEN_PATH, thenHandle: true },
      { path: TIKTOK_TOKEN_PATH, hangMs: 1000, thenHandle: true },
      { path: TIKTOK_TOKEN_PATH, hangMs: 30_000, thenHandle: true }
    )
    const first = ws.start(["auth", "refresh", "tiktok", "--json", "--concurrency", "1"], CLIENT)
    await waitFor("brand rotated, shop's call sent", () => fake.counters.rotations === 2 && presented(fake).length === 3, 15_000)
    // brand's new token is in the journal, 0600; its config commit has not happened
    await waitFor("brand's token journaled", () =>
      fs.existsSync(journalFile(ws)) &&
      Object.values(replay(fs.readFileSync(journalFile(ws), "utf8")).entries).some((e) => e.account === "brand"))
    const brand1 = Object.values(replay(fs.readFileSync(journalFile(ws), "utf8")).entries).find((e) => e.account === "brand")!
      .secrets["refresh_token"]!
    expect(fake.liveRefreshTokens()).toContain(brand1)
    expect(storedTokens(ws)["brand"], "the config still holds brand's spent token").toBe(rt.brand)
    expect(modeOf(journalFile(ws))).toBe(0o600)
    first.child.kill("SIGKILL")
    const killed = await first.done
    expect(killed.signal).toBe("SIGKILL")

    const next = await ws.run(["auth", "refresh", "tiktok", "--json"], CLIENT)
    expect(next.code, describeRun(next)).toBe(0)
    expect(reportOf(next).statuses.map((s) => s.action)).toEqual(["rotated", "rotated", "rotated"])
    // brand's journaled token was the one sent next, never the spent one again (shop's call was
    // never answered, so the platform did not act on it: its token is sent again, and works)
    expect(presented(fake).filter((t) => t === rt.brand)).toHaveLength(1)
    expect(presented(fake).filter((t) => t === brand1)).toHaveLength(1)
    expect(ws.readConfig()).toContain("# note 2999: ")
    expectNothingLost(fake, ws, [killed, next])
  }, 60_000)
})

describe("what a crash leaves in the journal", () => {
  it("a torn last line (a crash mid-append) is skipped; every whole line before it is replayed", async () => {
    const fake = await tiktokFake()
    // earlier runs rotated both tokens and crashed before write-back: the config holds the spent ones
    const spent = { default: fake.issueRefreshToken(), brand: fake.issueRefreshToken() }
    const live = { default: fake.issueRefreshToken(), brand: fake.issueRefreshToken() }
    for (const t of Object.values(spent)) fake.revoke(t)
    const ws = workspace()
    ws.writeConfig(configFor(fake, spent))
    const torn = line(3, "default", "SENTINEL-tiktok-never-issued").slice(0, 90)
    fs.writeFileSync(journalFile(ws), line(1, "default", live.default) + line(2, "brand", live.brand) + torn, { mode: 0o600 })

    const run = await ws.run(["auth", "refresh", "tiktok", "--json"], CLIENT)
    expect(run.code, describeRun(run)).toBe(0)
    expect(reportOf(run).statuses.map((s) => s.action)).toEqual(["rotated", "rotated"])
    expect(presented(fake).sort(), "each journaled token sent once").toEqual([live.default, live.brand].sort())
    expect(run.stderr).toContain("1 unreadable line(s) skipped")
    expectNothingLost(fake, ws, [run])
  })

  it("a line written twice, and an old line repeated after a newer one, replay as the newest", async () => {
    const fake = await tiktokFake()
    const spent = { default: fake.issueRefreshToken(), brand: fake.issueRefreshToken() }
    const older = fake.issueRefreshToken()
    const live = { default: fake.issueRefreshToken(), brand: fake.issueRefreshToken() }
    for (const t of [...Object.values(spent), older]) fake.revoke(t)
    const ws = workspace()
    ws.writeConfig(configFor(fake, spent))
    // default: recorded twice (the same line); brand: an older entry, then the newer, then the older line again
    fs.writeFileSync(
      journalFile(ws),
      line(1, "default", live.default) + line(1, "default", live.default) + line(2, "brand", older) + line(3, "brand", live.brand) +
        line(2, "brand", older),
      { mode: 0o600 }
    )
    const run = await ws.run(["auth", "refresh", "tiktok", "--json"], CLIENT)
    expect(run.code, describeRun(run)).toBe(0)
    expect(presented(fake).sort(), "each journaled token sent once").toEqual([live.default, live.brand].sort())
    expect(presented(fake)).not.toContain(older)
    expectNothingLost(fake, ws, [run])
  })
})
