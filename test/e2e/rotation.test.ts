/**
 * Issue 2's acceptance, part 1: TikTok and X rotate on every run, the new refresh token lands
 * in the config file (0600, comments and key order kept), and the next run starts from it.
 */
import { beforeAll, describe, expect, it, onTestFinished } from "vitest"
import * as YAML from "yaml"
import { DAY, HOUR } from "../../sandbox/fakes/server.js"
import { startSandbox } from "../../sandbox/index.js"
import {
  assertBuilt,
  describeRun,
  leakedSecrets,
  makeWorkspace,
  reportOf,
  statusOf
} from "./support/runHerald.js"
import { configYaml } from "./support/world.js"

beforeAll(assertBuilt)

/** Every key path of a YAML text, in document order. */
const keyPaths = (text: string): Array<string> => {
  const out: Array<string> = []
  const walk = (value: unknown, prefix: string): void => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return
    for (const [k, v] of Object.entries(value)) {
      out.push(`${prefix}${k}`)
      walk(v, `${prefix}${k}.`)
    }
  }
  walk(YAML.parse(text), "")
  return out
}

/** The comments of a YAML text, in order (none of the values here contain '#'). */
const comments = (text: string): Array<string> =>
  text.split("\n").flatMap((line) => {
    const i = line.indexOf("#")
    return i < 0 ? [] : [line.slice(i).trim()]
  })

/** The text with the values herald may change blanked out: what is left must survive byte for byte. */
const frame = (text: string): string =>
  text.replace(/^(\s*(?:access_token|refresh_token|access_token_expires_at|refresh_token_expires_at):).*$/gm, "$1 <value>")

const near = (iso: unknown, expectedMs: number, slackMs: number): boolean =>
  typeof iso === "string" && Math.abs(Date.parse(iso) - expectedMs) <= slackMs

describe("rotation: TikTok and X", { timeout: 60_000 }, () => {
  it("persists each rotation to the config file and the second run starts from it", async () => {
    const sb = await startSandbox()
    onTestFinished(() => sb.close())
    const ws = await makeWorkspace()
    const original = configYaml(sb, ["tiktok", "x"])
    await ws.writeConfig(original, 0o644)
    const tiktokSeed = sb.seeds.tiktok["refresh_token"]!
    const xSeed = sb.seeds.x["refresh_token"]!
    const allTokens = () => [...sb.fakes.tiktok.tokens.all(), ...sb.fakes.x.tokens.all()].map((r) => r.value)

    // ---- run 1
    const first = await ws.herald(["auth", "refresh", "all", "--json"])
    expect(first.code, describeRun(first)).toBe(0)
    const report1 = reportOf(first)
    expect(report1).toMatchObject({ dryRun: false, attention: 0 })
    expect(statusOf(report1, "tiktok")).toMatchObject({ action: "rotated", alert: false })
    expect(statusOf(report1, "x")).toMatchObject({ action: "rotated", alert: false })
    expect(sb.fakes.tiktok.counters.rotations).toBe(1)
    expect(sb.fakes.x.counters.rotations).toBe(1)

    const text1 = await ws.readConfigText()
    const config1 = await ws.readConfig()
    const tiktok1 = config1.platforms!["tiktok"]!
    const x1 = config1.platforms!["x"]!
    // the file holds exactly the refresh token the fake now honours; the seed is dead
    expect(sb.fakes.tiktok.liveRefreshTokens()).toEqual([tiktok1["refresh_token"]])
    expect(sb.fakes.x.liveRefreshTokens()).toEqual([x1["refresh_token"]])
    expect(tiktok1["refresh_token"]).not.toBe(tiktokSeed)
    expect(x1["refresh_token"]).not.toBe(xSeed)
    expect(sb.fakes.tiktok.tokens.get(tiktokSeed)?.status).toBe("spent")
    expect(sb.fakes.x.tokens.get(xSeed)?.status).toBe("spent")
    // the new access tokens and their expiries are stored too
    expect(tiktok1["access_token"]).toBe(sb.fakes.tiktok.liveAccessTokens().at(-1))
    expect(x1["access_token"]).toBe(sb.fakes.x.liveAccessTokens().at(-1))
    expect(near(tiktok1["refresh_token_expires_at"], Date.now() + 180 * DAY, 5 * 60_000), String(tiktok1["refresh_token_expires_at"])).toBe(true)
    expect(near(x1["access_token_expires_at"], Date.now() + 2 * HOUR, 5 * 60_000), String(x1["access_token_expires_at"])).toBe(true)
    // a file holding secrets is private, edited in place: comments and key order survive
    expect((await ws.configMode()).toString(8)).toBe("600")
    expect(comments(text1)).toEqual(comments(original))
    expect(frame(text1)).toBe(frame(original))
    const before = keyPaths(original)
    expect(keyPaths(text1).filter((k) => before.includes(k))).toEqual(before)

    // ---- run 2: starts from what run 1 persisted
    const second = await ws.herald(["auth", "refresh", "all", "--json"])
    expect(second.code, describeRun(second)).toBe(0)
    const report2 = reportOf(second)
    expect(statusOf(report2, "tiktok").action).toBe("rotated")
    expect(statusOf(report2, "x").action).toBe("rotated")
    expect(sb.fakes.tiktok.counters.rotations).toBe(2)
    expect(sb.fakes.x.counters.rotations).toBe(2)
    // no rejected grant: run 2 presented run 1's tokens, not the dead seeds
    expect(sb.fakes.tiktok.counters.rejections).toBe(0)
    expect(sb.fakes.x.counters.rejections).toBe(0)

    const text2 = await ws.readConfigText()
    const config2 = await ws.readConfig()
    const tiktok2 = config2.platforms!["tiktok"]!
    const x2 = config2.platforms!["x"]!
    expect(sb.fakes.tiktok.liveRefreshTokens()).toEqual([tiktok2["refresh_token"]])
    expect(sb.fakes.x.liveRefreshTokens()).toEqual([x2["refresh_token"]])
    expect(sb.fakes.tiktok.tokens.get(String(tiktok1["refresh_token"]))?.status).toBe("spent")
    expect(sb.fakes.x.tokens.get(String(x1["refresh_token"]))?.status).toBe("spent")
    expect((await ws.configMode()).toString(8)).toBe("600")
    expect(comments(text2)).toEqual(comments(original))
    expect(frame(text2)).toBe(frame(original))
    expect(keyPaths(text2).filter((k) => before.includes(k))).toEqual(before)

    // the tokens the runs presented were the seed, then run 1's
    const presented = (path: string, f: typeof sb.fakes.tiktok | typeof sb.fakes.x) =>
      f.requestsTo(path).filter((r) => r.method === "POST").map((r) => r.form["refresh_token"])
    expect(presented("/v2/oauth/token/", sb.fakes.tiktok)).toEqual([tiktokSeed, tiktok1["refresh_token"]])
    expect(presented("/2/oauth2/token", sb.fakes.x)).toEqual([xSeed, x1["refresh_token"]])

    for (const run of [first, second]) expect(leakedSecrets(run, allTokens())).toEqual([])
  })

  it("a dry run rotates nothing and writes nothing", async () => {
    const sb = await startSandbox()
    onTestFinished(() => sb.close())
    const ws = await makeWorkspace()
    const original = configYaml(sb, ["tiktok", "x"])
    await ws.writeConfig(original, 0o644)

    const run = await ws.herald(["auth", "refresh", "--dry-run", "--json"])
    expect(run.code, describeRun(run)).toBe(0)
    const report = reportOf(run)
    expect(report.dryRun).toBe(true)
    expect(statusOf(report, "tiktok").action).toBe("rotated")
    expect(sb.fakes.tiktok.counters.rotations + sb.fakes.x.counters.rotations).toBe(0)
    expect(await ws.readConfigText()).toBe(original)
    expect((await ws.configMode()).toString(8)).toBe("644")
  })
})
