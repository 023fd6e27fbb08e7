/**
 * Signals end a run safely (DESIGN §2 rule 5, issue 14 item 6), end to end: the built CLI
 * against the TikTok and X loopback fakes, SIGTERM/SIGINT sent to the real process before
 * any call, while rotations are in flight, after the answers arrived, and twice. Every
 * time: exit 130, the report on stdout, the alert at the loopback webhook, every token the
 * platform received an answer for in the config file, none sent twice, no secret printed.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import * as YAML from "yaml"
import type { LoggedRequest } from "../../sandbox/fakes/server.js"
import { startTikTokFake, TIKTOK_TOKEN_PATH, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import { startXFake, X_TOKEN_PATH, type XFake } from "../../sandbox/fakes/x.js"
import { describeRun, e2eFile, type Finished, makeWorkspace, sentinelsIn, sleep, waitFor, type Workspace } from "./support/safetyHelpers.js"

const { cleanups } = e2eFile()

const ENV = {
  TIKTOK_CLIENT_KEY: "SENTINEL-tiktok-client-key",
  TIKTOK_CLIENT_SECRET: "SENTINEL-tiktok-client-secret",
  X_CLIENT_ID: "SENTINEL-x-client-id",
  X_CLIENT_SECRET: "SENTINEL-x-client-secret"
}

interface World {
  readonly ws: Workspace
  readonly tiktok: TikTokFake
  readonly x: XFake
  /** the bodies the webhook received */
  readonly alerts: Array<string>
  /** the refresh tokens herald started from */
  readonly seeded: { readonly tiktok: string; readonly brand: string; readonly x: string }
}

interface Options {
  readonly tiktokLatencyMs?: number
  readonly xLatencyMs?: number
  /** how long the webhook takes to answer */
  readonly webhookDelayMs?: number
  /** a LinkedIn connection that needs re-auth, so the run alerts whatever the rotations do */
  readonly linkedinExpiring?: boolean
}

const world = async (options: Options = {}): Promise<World> => {
  const tiktok = await startTikTokFake({
    clientKey: ENV.TIKTOK_CLIENT_KEY,
    clientSecret: ENV.TIKTOK_CLIENT_SECRET,
    tokenPrefix: "SENTINEL-tiktok",
    latencyMs: options.tiktokLatencyMs ?? 0
  })
  cleanups.push(() => tiktok.close())
  const x = await startXFake({
    clientId: ENV.X_CLIENT_ID,
    clientSecret: ENV.X_CLIENT_SECRET,
    tokenPrefix: "SENTINEL-x",
    latencyMs: options.xLatencyMs ?? 0
  })
  cleanups.push(() => x.close())
  const alerts: Array<string> = []
  const hook = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => (body += c.toString()))
    req.on("end", () => {
      alerts.push(body)
      setTimeout(() => res.writeHead(200).end("ok"), options.webhookDelayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve))
  cleanups.push(() => new Promise<void>((resolve) => {
    hook.closeAllConnections()
    hook.close(() => resolve())
  }))
  const ws = makeWorkspace()
  cleanups.push(() => ws.cleanup())
  const seeded = { tiktok: tiktok.issueRefreshToken(), brand: tiktok.issueRefreshToken(), x: x.issueRefreshToken() }
  const linkedin = options.linkedinExpiring === true
    ? [
      "  linkedin:",
      "    access_token: SENTINEL-linkedin-access",
      `    access_token_expires_at: ${new Date(Date.now() + 5 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z")}`
    ]
    : []
  ws.writeConfig([
    "# herald for the blog",
    "platforms:",
    "  tiktok:",
    `    refresh_token: ${seeded.tiktok}`,
    `    endpoints: { token: "${tiktok.url(TIKTOK_TOKEN_PATH)}" }`,
    "    accounts:",
    `      brand: { refresh_token: ${seeded.brand} }`,
    "  x:",
    `    refresh_token: ${seeded.x}`,
    `    endpoints: { token: "${x.url(X_TOKEN_PATH)}" }`,
    ...linkedin,
    "auth:",
    "  alerts:",
    "    backend: webhook",
    `    webhook: { url: "http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook", format: generic }`,
    ""
  ].join("\n"))
  return { ws, tiktok, x, alerts, seeded }
}

interface JsonReport {
  readonly attention: number
  readonly statuses: ReadonlyArray<{ platform: string; account: string; action: string; alert: boolean; detail: string }>
  readonly notification?: { readonly notified: boolean; readonly detail: string }
}

const reportOf = (r: Finished): JsonReport => {
  try {
    return JSON.parse(r.stdout) as JsonReport
  } catch {
    throw new Error(`stdout is not one JSON report:\n${describeRun(r)}`)
  }
}

const actions = (report: JsonReport) => Object.fromEntries(report.statuses.map((s) => [`${s.platform}:${s.account}`, s.action]))
const detailOf = (report: JsonReport, label: string) =>
  report.statuses.find((s) => `${s.platform}:${s.account}` === label)?.detail ?? ""

const tokenRequests = (w: World): Array<LoggedRequest> => [...w.tiktok.requestsTo(TIKTOK_TOKEN_PATH), ...w.x.requestsTo(X_TOKEN_PATH)]

/** The refresh tokens the config file holds, by connection. */
const stored = (w: World) => {
  const p = (YAML.parse(w.ws.readConfig()) as { platforms: Record<string, Record<string, unknown>> }).platforms
  const brand = (p["tiktok"]!["accounts"] as Record<string, Record<string, string>>)["brand"]!
  return { tiktok: p["tiktok"]!["refresh_token"], brand: brand["refresh_token"], x: p["x"]!["refresh_token"] }
}

/**
 * The invariants of every case: each refresh token the platforms still accept is the one
 * stored for its connection (nothing issued was dropped), no token reached a platform
 * twice, and no secret was printed or alerted.
 */
const assertNothingLost = (w: World, run: Finished) => {
  const context = describeRun(run)
  const inStore = Object.values(stored(w))
  for (const live of [...w.tiktok.liveRefreshTokens(), ...w.x.liveRefreshTokens()]) {
    expect(inStore, `a live token is not where herald reads it\n${context}`).toContain(live)
  }
  const presented = tokenRequests(w).map((r) => r.form["refresh_token"])
  expect(new Set(presented).size, context).toBe(presented.length)
  expect(w.tiktok.counters.rejections + w.x.counters.rejections, context).toBe(0)
  expect(sentinelsIn(run.stdout, run.stderr, ...w.alerts), context).toEqual([])
}

describe("signals end a run safely", () => {
  it("SIGINT during the first call: it finishes and is stored, the connections not yet called are skipped saying so, the alert goes out, exit 130", async () => {
    const w = await world({ tiktokLatencyMs: 1000, xLatencyMs: 1000 })
    const started = w.ws.start(["auth", "refresh", "--json", "--concurrency", "1"], ENV)
    await waitFor("the first token request", () => tokenRequests(w).length === 1)
    process.kill(started.pid, "SIGINT")
    const run = await started.done
    expect(run.code, describeRun(run)).toBe(130)
    const report = reportOf(run)
    expect(actions(report)).toEqual({ "tiktok:default": "rotated", "tiktok:brand": "skipped", "x:default": "skipped" })
    for (const label of ["tiktok:brand", "x:default"]) {
      expect(detailOf(report, label)).toContain("not started: the run was interrupted (SIGINT) before it reached this connection")
      expect(report.statuses.find((s) => `${s.platform}:${s.account}` === label)?.alert).toBe(true)
    }
    // nothing was sent for the connections that had not started
    expect(tokenRequests(w).map((r) => r.form["refresh_token"])).toEqual([w.seeded.tiktok])
    expect(stored(w)).toEqual({ tiktok: w.tiktok.liveRefreshTokens().find((t) => t !== w.seeded.brand), brand: w.seeded.brand, x: w.seeded.x })
    expect(w.alerts).toHaveLength(1)
    expect(w.alerts[0]).toContain("interrupted")
    expect(report.notification?.notified).toBe(true)
    expect(run.stderr).toContain("SIGINT")
    assertNothingLost(w, run)
  })

  it("SIGTERM while two rotations are in flight: both answers are persisted, the third connection never starts, exit 130", async () => {
    const w = await world({ tiktokLatencyMs: 1500, xLatencyMs: 1500 })
    const started = w.ws.start(["auth", "refresh", "--json", "--concurrency", "2"], ENV)
    await waitFor("two token requests in flight", () => tokenRequests(w).length === 2)
    const signalledAt = Date.now()
    process.kill(started.pid, "SIGTERM")
    const run = await started.done
    expect(run.code, describeRun(run)).toBe(130)
    // the calls in flight were waited for, not dropped
    expect(Date.now() - signalledAt).toBeGreaterThan(1000)
    const report = reportOf(run)
    expect(actions(report)).toEqual({ "tiktok:default": "rotated", "tiktok:brand": "rotated", "x:default": "skipped" })
    expect(detailOf(report, "x:default")).toContain("not started: the run was interrupted (SIGTERM)")
    expect(tokenRequests(w)).toHaveLength(2)
    // the tokens TikTok issued after the signal are the ones stored; X's is untouched
    const now = stored(w)
    expect(now.tiktok).not.toBe(w.seeded.tiktok)
    expect(now.brand).not.toBe(w.seeded.brand)
    expect(now.x).toBe(w.seeded.x)
    expect(w.alerts).toHaveLength(1)
    expect(w.alerts[0]).toContain("x")
    assertNothingLost(w, run)
    expect(w.ws.readConfig()).toContain("# herald for the blog")
    // and the next run goes on from there: the stored tokens are the live ones
    const next = await w.ws.run(["auth", "refresh", "--json"], ENV)
    expect(next.code, describeRun(next)).toBe(0)
    expect(Object.values(actions(reportOf(next)))).toEqual(["rotated", "rotated", "rotated"])
    assertNothingLost(w, next)
  })

  it("SIGTERM after the answers arrived, while the alert is being delivered: the run finishes it, prints the table, exit 130", async () => {
    const w = await world({ webhookDelayMs: 1000, linkedinExpiring: true })
    const started = w.ws.start(["auth", "refresh"], ENV)
    await waitFor("the alert", () => w.alerts.length === 1)
    process.kill(started.pid, "SIGTERM")
    const run = await started.done
    expect(run.code, describeRun(run)).toBe(130)
    expect(tokenRequests(w)).toHaveLength(3)
    for (const label of ["tiktok", "tiktok:brand", "x"]) expect(run.stdout).toMatch(new RegExp(`${label}\\s.*rotated`))
    expect(run.stdout).toContain("reauth-required")
    expect(run.stdout).toContain("alert sent")
    expect(w.alerts).toHaveLength(1)
    const now = stored(w)
    expect(now.tiktok).not.toBe(w.seeded.tiktok)
    expect(now.x).not.toBe(w.seeded.x)
    assertNothingLost(w, run)
  })

  it("a second SIGTERM cuts the call still in flight: the answers already received stay stored, the cut one says what it means, exit 130", async () => {
    const w = await world({ xLatencyMs: 4000 })
    const started = w.ws.start(["auth", "refresh", "--json", "--concurrency", "1"], ENV)
    await waitFor("the X call in flight", () => w.x.requestsTo(X_TOKEN_PATH).length === 1)
    process.kill(started.pid, "SIGTERM")
    await sleep(200)
    const secondAt = Date.now()
    process.kill(started.pid, "SIGTERM")
    const run = await started.done
    expect(run.code, describeRun(run)).toBe(130)
    // the wait was cut: well before X's four seconds were up
    expect(Date.now() - secondAt).toBeLessThan(3000)
    const report = reportOf(run)
    expect(actions(report)).toEqual({ "tiktok:default": "rotated", "tiktok:brand": "rotated", "x:default": "failed" })
    const cut = detailOf(report, "x:default")
    expect(cut).toContain("interrupted by a second stop request before its refresh finished: if its call to x had gone out")
    expect(cut).toContain("herald auth login x")
    const now = stored(w)
    expect(w.tiktok.liveRefreshTokens().sort()).toEqual([now.tiktok, now.brand].sort())
    expect(now.x).toBe(w.seeded.x)
    expect(w.alerts).toHaveLength(1)
    expect(sentinelsIn(run.stdout, run.stderr, ...w.alerts)).toEqual([])
    const presented = tokenRequests(w).map((r) => r.form["refresh_token"])
    expect(new Set(presented).size).toBe(presented.length)
  })

  it("a third SIGTERM stops at once, even while the alert hangs; what was stored stays stored, exit 130", async () => {
    const w = await world({ webhookDelayMs: 15_000, linkedinExpiring: true })
    const started = w.ws.start(["auth", "refresh", "--json"], ENV)
    await waitFor("the alert", () => w.alerts.length === 1)
    for (let i = 0; i < 3; i++) {
      process.kill(started.pid, "SIGTERM")
      await sleep(100)
    }
    const thirdAt = Date.now()
    const run = await started.done
    expect(run.code, describeRun(run)).toBe(130)
    expect(Date.now() - thirdAt).toBeLessThan(3000)
    assertNothingLost(w, run)
    expect(stored(w).tiktok).not.toBe(w.seeded.tiktok)
  })

  it("a command with no safe point to stop at (auth login waiting for the browser) ends at the first SIGTERM, exit 130, nothing stored", async () => {
    const x = await startXFake({ clientId: ENV.X_CLIENT_ID, clientSecret: ENV.X_CLIENT_SECRET })
    cleanups.push(() => x.close())
    const ws = makeWorkspace()
    cleanups.push(() => ws.cleanup())
    const config = ["platforms:", "  x:", "    redirect_port: 0", `    endpoints: { authorize: "${x.url("/i/oauth2/authorize")}", token: "${x.url(X_TOKEN_PATH)}" }`, ""]
      .join("\n")
    ws.writeConfig(config)
    const started = ws.start(["auth", "login", "x", "--no-browser"], ENV)
    await waitFor("the login to wait for the browser", () => started.output().stdout.includes("herald is waiting"))
    const signalledAt = Date.now()
    process.kill(started.pid, "SIGTERM")
    const run = await started.done
    expect(run.code, describeRun(run)).toBe(130)
    expect(Date.now() - signalledAt).toBeLessThan(3000)
    expect(ws.readConfig()).toBe(config)
    expect(x.requestsTo(X_TOKEN_PATH)).toHaveLength(0)
  })
})
