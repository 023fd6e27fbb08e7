/**
 * Issue 14, points 1, 2 and 8, end to end with the built CLI (`npm run build` first)
 * against the loopback TikTok and X fakes: a platform that rotates and then answers oddly,
 * with absurd numbers, late, or not at all. After each run the invariant is checked as a
 * user would: the token the platform will accept next is in the config file herald reads,
 * the platform was never sent a rotated-away token, and no secret was printed.
 */
import { describe, expect, it } from "vitest"
import * as YAML from "yaml"
import type { Fault } from "../../sandbox/fakes/server.js"
import { startTikTokFake, TIKTOK_TOKEN_PATH, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import { startXFake, X_TOKEN_PATH, type XFake } from "../../sandbox/fakes/x.js"
import { describeRun, e2eFile, type Finished, makeWorkspace, sentinelsIn, type Workspace } from "./support/safetyHelpers.js"

const { cleanups } = e2eFile()

const ENV = {
  TIKTOK_CLIENT_KEY: "SENTINEL-tt-client-key",
  TIKTOK_CLIENT_SECRET: "SENTINEL-tt-client-secret",
  X_CLIENT_ID: "SENTINEL-x-client-id",
  X_CLIENT_SECRET: "SENTINEL-x-client-secret"
}

interface World {
  readonly ws: Workspace
  readonly tiktok: TikTokFake
  readonly x: XFake
}

const world = async (timeoutSeconds?: number): Promise<World> => {
  const tiktok = await startTikTokFake({ clientKey: ENV.TIKTOK_CLIENT_KEY, clientSecret: ENV.TIKTOK_CLIENT_SECRET, tokenPrefix: "SENTINEL-tt" })
  const x = await startXFake({ clientId: ENV.X_CLIENT_ID, clientSecret: ENV.X_CLIENT_SECRET, tokenPrefix: "SENTINEL-x" })
  const ws = makeWorkspace()
  cleanups.push(() => tiktok.close(), () => x.close(), () => ws.cleanup())
  const timeout = timeoutSeconds === undefined ? "" : `\nauth: { timeout_seconds: ${timeoutSeconds} }`
  ws.writeConfig(
    `platforms:\n` +
      `  tiktok:\n    refresh_token: ${tiktok.issueRefreshToken()}\n    endpoints: { token: "${tiktok.url(TIKTOK_TOKEN_PATH)}" }\n` +
      `  x:\n    refresh_token: ${x.issueRefreshToken()}\n    endpoints: { token: "${x.url(X_TOKEN_PATH)}" }` +
      timeout + "\n"
  )
  return { ws, tiktok, x }
}

type Section = Record<string, string | undefined>
const stored = (ws: Workspace, platform: "tiktok" | "x"): Section =>
  (YAML.parse(ws.readConfig()) as { platforms: Record<string, Section> }).platforms[platform]!

interface Report {
  readonly attention: number
  readonly statuses: ReadonlyArray<{ platform: string; action: string; alert: boolean; detail: string }>
}
const reportOf = (r: Finished): Report => JSON.parse(r.stdout) as Report
const statusOf = (r: Finished, platform: string) => reportOf(r).statuses.find((s) => s.platform === platform)!

const presented = (fake: TikTokFake | XFake, path: string) => fake.requestsTo(path).map((r) => r.form["refresh_token"])

/** The invariant after every run: the live token is stored, none was sent twice, nothing printed. */
const invariant = (w: World, runs: ReadonlyArray<Finished>) => {
  const context = runs.map(describeRun).join("\n\n")
  expect(stored(w.ws, "tiktok")["refresh_token"], context).toBe(w.tiktok.currentRefreshToken())
  expect(stored(w.ws, "x")["refresh_token"], context).toBe(w.x.currentRefreshToken())
  // a rotated-away token sent back would have been refused
  expect(w.tiktok.counters.rejections, context).toBe(0)
  expect(w.x.counters.rejections, context).toBe(0)
  expect(sentinelsIn(...runs.flatMap((r) => [r.stdout, r.stderr]))).toEqual([])
}

const refresh = (w: World) => w.ws.run(["auth", "refresh", "--json"], ENV)

/** The platform rotates and its answer is rewritten: a field is not what the schema says. */
const drift = (path: string, change: (answer: Record<string, unknown>) => void): Fault => ({
  path,
  thenHandle: true,
  rewrite: (answer) => {
    const copy = { ...answer }
    change(copy)
    return JSON.stringify(copy).replace(`"__1e999__"`, "1e999")
  }
})

describe("an odd answer never costs the rotated token (point 1)", () => {
  const cases: ReadonlyArray<readonly [string, "tiktok" | "x", (a: Record<string, unknown>) => void]> = [
    ["expires_in is a numeric string", "x", (a) => void (a["expires_in"] = "7200")],
    ["expires_in is null", "tiktok", (a) => void (a["expires_in"] = null)],
    ["expires_in is missing", "x", (a) => void delete a["expires_in"]],
    ["scope is an array", "x", (a) => void (a["scope"] = ["tweet.read", "offline.access"])],
    ["token_type is mac", "x", (a) => void (a["token_type"] = "mac")],
    ["access_token is empty", "tiktok", (a) => void (a["access_token"] = "")],
    ["refresh_expires_in is a string", "tiktok", (a) => void (a["refresh_expires_in"] = "15552000")],
    ["open_id is a number", "tiktok", (a) => void (a["open_id"] = 42)]
  ]
  for (const [what, platform, change] of cases) {
    it(`${platform}: ${what} — rotated, stored, and the next run works`, async () => {
      const w = await world()
      const fake = platform === "x" ? w.x : w.tiktok
      const path = platform === "x" ? X_TOKEN_PATH : TIKTOK_TOKEN_PATH
      fake.faults.push(drift(path, change))
      const first = await refresh(w)
      expect(statusOf(first, platform).action, describeRun(first)).toBe("rotated")
      expect(statusOf(first, platform).detail).not.toContain("was not changed")
      const second = await refresh(w)
      expect(second.code, describeRun(second)).toBe(0)
      expect(reportOf(second).statuses.map((s) => s.action)).toEqual(["rotated", "rotated"])
      expect(fake.counters.rejections).toBe(0)
      invariant(w, [first, second])
    })
  }
})

describe("absurd numbers are bounded; one connection's trouble is its own (point 2)", () => {
  for (const value of ["1e20", "1e999"]) {
    it(`X expires_in and TikTok refresh_expires_in of ${value}, both rotating in one run: both tokens kept, exit 0`, async () => {
      const w = await world()
      const absurd = value === "1e20" ? 1e20 : "__1e999__"
      w.x.faults.push(drift(X_TOKEN_PATH, (a) => void (a["expires_in"] = absurd)))
      w.tiktok.faults.push(drift(TIKTOK_TOKEN_PATH, (a) => void (a["refresh_expires_in"] = absurd)))
      const run = await refresh(w)
      expect(run.code, describeRun(run)).toBe(0)
      expect(reportOf(run).statuses.map((s) => s.action)).toEqual(["rotated", "rotated"])
      expect(run.stderr).not.toContain("internal error")
      invariant(w, [run])
      // an expiry herald does not believe is not written down
      expect(stored(w.ws, "x")["access_token_expires_at"]).toBeUndefined()
    })
  }
})

describe("a single-use token's answer that may be lost (point 8)", () => {
  it("X answers 2.5 s late with a 1 s timeout: herald waits for it and keeps the new token (no re-send)", async () => {
    const w = await world(1)
    w.x.faults.push({ path: X_TOKEN_PATH, hangMs: 2500, thenHandle: true })
    const run = await refresh(w)
    expect(run.code, describeRun(run)).toBe(0)
    expect(statusOf(run, "x").action).toBe("rotated")
    expect(presented(w.x, X_TOKEN_PATH)).toHaveLength(1)
    invariant(w, [run])
  })

  const lost: ReadonlyArray<readonly [string, Fault]> = [
    ["a reset after X rotated", { path: X_TOKEN_PATH, thenHandle: true, reset: true }],
    ["a body cut off after X rotated", { path: X_TOKEN_PATH, thenHandle: true, truncate: true }],
    ["a 502 after X rotated", { path: X_TOKEN_PATH, thenHandle: true, status: 502 }]
  ]
  for (const [what, fault] of lost) {
    it(`${what}: the token is sent once, the report says the answer was lost (not revoked), TikTok is unharmed`, async () => {
      const w = await world()
      w.x.faults.push(fault)
      const run = await refresh(w)
      const x = statusOf(run, "x")
      expect(run.code, describeRun(run)).toBe(1)
      expect(x.action).toBe("failed")
      expect(x.detail).toContain("the answer to the refresh was lost")
      expect(x.detail).not.toContain("rejected the token")
      expect(x.detail).toContain("herald auth login x")
      // sent exactly once: X reportedly revokes the whole grant when a spent token comes back
      expect(presented(w.x, X_TOKEN_PATH)).toHaveLength(1)
      expect(statusOf(run, "tiktok").action).toBe("rotated")
      expect(stored(w.ws, "tiktok")["refresh_token"]).toBe(w.tiktok.currentRefreshToken())
      expect(sentinelsIn(run.stdout, run.stderr)).toEqual([])
    })
  }

  it("TikTok's 502 after it rotated: not sent again either; the report says the answer was lost", async () => {
    const w = await world()
    w.tiktok.faults.push({ path: TIKTOK_TOKEN_PATH, thenHandle: true, status: 502 })
    const run = await refresh(w)
    expect(statusOf(run, "tiktok").detail, describeRun(run)).toContain("the answer to the refresh was lost")
    expect(presented(w.tiktok, TIKTOK_TOKEN_PATH)).toHaveLength(1)
    expect(w.tiktok.counters.rejections).toBe(0)
  })

  it("a 503 (the request was refused, not carried out) is retried as before, and the rotation lands", async () => {
    const w = await world()
    w.x.faults.push({ path: X_TOKEN_PATH, status: 503 })
    const run = await refresh(w)
    expect(run.code, describeRun(run)).toBe(0)
    expect(presented(w.x, X_TOKEN_PATH)).toHaveLength(2)
    invariant(w, [run])
  })
})
