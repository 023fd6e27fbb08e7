import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "vitest"
import { commandLine, type Delivery, entriesFor } from "../../src/domain/Distribution.js"
import { makeReport, withDistribution } from "../../src/domain/Status.js"
import { validateConfig } from "../../src/programs/configCatalog.js"

const x: Delivery = {
  connection: { platform: "x", account: "default" },
  secrets: { refresh_token: Redacted.make("x-rt"), access_token: Redacted.make("x-at") }
}
const xBrand: Delivery = { connection: { platform: "x", account: "brand" }, secrets: { access_token: Redacted.make("xb-at") } }
const tiktok: Delivery = { connection: { platform: "tiktok", account: "default" }, secrets: { access_token: Redacted.make("tt-at") } }

const plain = (r: ReturnType<typeof entriesFor>) => ({
  connections: r.connections,
  entries: r.entries.map((e) => [e.key, Redacted.value(e.value)])
})

describe("entriesFor", () => {
  it("takes only the access tokens of every connection under their env names by default: never a refresh token", () => {
    expect(plain(entriesFor({}, [x, tiktok]))).toEqual({
      connections: ["x", "tiktok"],
      entries: [["X_ACCESS_TOKEN", "x-at"], ["TIKTOK_ACCESS_TOKEN", "tt-at"]]
    })
    // a connection that stored only a refresh token gives a default target nothing
    const onlyRefresh: Delivery = { connection: { platform: "tiktok", account: "default" }, secrets: { refresh_token: Redacted.make("tt-rt") } }
    expect(plain(entriesFor({}, [onlyRefresh]))).toEqual({ connections: [], entries: [] })
  })

  it("hands out a refresh token only when keys names it", () => {
    expect(plain(entriesFor({ keys: { X_REFRESH_TOKEN: "X_REFRESH_TOKEN", "x/access_token": "X_ACCESS_TOKEN" } }, [x]))).toEqual({
      connections: ["x"],
      entries: [["X_ACCESS_TOKEN", "x-at"], ["X_REFRESH_TOKEN", "x-rt"]]
    })
  })

  it("selects connections with TARGET syntax: a platform is all its accounts, platform:account one", () => {
    expect(plain(entriesFor({ connections: ["x"] }, [x, xBrand, tiktok])).connections).toEqual(["x", "x:brand"])
    expect(plain(entriesFor({ connections: ["x:brand", "tiktok"] }, [x, xBrand, tiktok])).connections).toEqual([
      "x:brand",
      "tiktok"
    ])
  })

  it("with a keys mapping writes only the mapped secrets, named by herald name or env name", () => {
    expect(plain(entriesFor({ keys: { "x/access_token": "TWITTER_TOKEN", TIKTOK_ACCESS_TOKEN: "TT" } }, [x, tiktok]))).toEqual({
      connections: ["x", "tiktok"],
      entries: [["TWITTER_TOKEN", "x-at"], ["TT", "tt-at"]]
    })
    expect(plain(entriesFor({ keys: { "x/client_id": "CID" } }, [x])).entries).toEqual([])
  })
})

describe("withDistribution", () => {
  it("counts a failed target as needing attention; a clean one does not", () => {
    const report = makeReport(false, [])
    const entry = { target: "dotenv /e", connections: ["x"], keys: ["X_ACCESS_TOKEN"], changed: true, detail: "d" }
    expect(withDistribution(report, [{ ...entry, alert: true }]).attention).toBe(1)
    expect(withDistribution(report, [{ ...entry, alert: false }]).attention).toBe(0)
    expect(withDistribution(report, [])).toBe(report)
  })
})

describe("commandLine", () => {
  it("shows an argv as it would be typed", () => {
    expect(commandLine(["docker", "restart", "poster"])).toBe("docker restart poster")
    expect(commandLine(["sh", "-c", "echo it's"])).toBe("sh -c 'echo it'\\''s'")
  })
})

describe("auth.distribute in the config", () => {
  const base = { platforms: { x: { accounts: { brand: {} } } } }
  const issues = (distribute: unknown) =>
    Either.match(validateConfig({ ...base, auth: { distribute } }), { onLeft: (i) => i, onRight: () => [] })

  it("accepts targets naming configured connections and known secrets", () => {
    expect(issues([{ dotenv: ".env", connections: ["x", "x:brand"], keys: { "x/access_token": "A", X_BRAND_REFRESH_TOKEN: "B" }, then: ["docker", "restart", "poster"], timeout_seconds: 30 }])).toEqual([])
  })

  it("names the key of every problem", () => {
    expect(issues([{ dotenv: ".env", then: [] }])).toEqual([expect.stringMatching(/^auth\.distribute\.0\.then\.0: is required/)])
    expect(issues([{ dotenv: ".env", then: [" "] }])).toEqual([expect.stringMatching(/^auth\.distribute\.0\.then\.0: the command to run is empty/)])
    expect(issues([{ dotenv: ".env", then: ["docker"], then_env: ["DOCKER_HOST", "BAD NAME"] }])).toEqual([
      "auth.distribute.0.then_env.1: 'BAD NAME' is not an environment variable name"
    ])
    expect(issues([{ dotenv: ".env", then_env: ["DOCKER_HOST"] }])).toEqual([
      "auth.distribute.0.then_env: set only with then (the command it is for)"
    ])
    expect(issues([{ dotenv: ".env", connections: ["tiktok", "x:other"], keys: { "x/password": "A", X_ACCESS_TOKEN: "not a key" } }])).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^auth\.distribute\.0\.connections\.0: tiktok is not configured/),
        expect.stringMatching(/^auth\.distribute\.0\.connections\.1: x:other is not configured/),
        expect.stringMatching(/^auth\.distribute\.0\.keys\.x\/password: unknown secret/),
        expect.stringMatching(/^auth\.distribute\.0\.keys\.X_ACCESS_TOKEN: 'not a key' is not a valid \.env key/)
      ])
    )
    expect(issues([{ dotenv: ".env", command: "restart" }])).toEqual([expect.stringMatching(/auth\.distribute\.0\.command: unknown key/)])
  })

  it("checks the pass prefix", () => {
    const ok = validateConfig({ auth: { writeback: { backend: "pass", pass: { prefix: "ci/herald/" } } } })
    expect(Either.isRight(ok)).toBe(true)
    const bad = validateConfig({ auth: { writeback: { backend: "pass", pass: { prefix: "herald" } } } })
    expect(Either.isLeft(bad) && bad.left).toEqual([
      expect.stringMatching(/^auth\.writeback\.pass\.prefix: expected a folder/)
    ])
  })
})
