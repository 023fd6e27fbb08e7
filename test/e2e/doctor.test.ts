/** `herald doctor` as a user runs it: the built CLI, a config on disk, secrets in the environment. */
import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startTikTokFake, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import * as TikTok from "../../src/platforms/tiktok/descriptor.js"
import { type ProcessResult, runProcess } from "./support/keychainSession.js"

const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
const heraldBin = path.join(repoRoot, "dist", "herald.cjs")

// sentinels: doctor names where secrets are, and must never print one
const CLIENT_KEY = "sentinel-client-key-in-file-3391"
const CLIENT_SECRET = "sentinel-client-secret-in-env-6610"
const REFRESH_TOKEN = "sentinel-refresh-token-in-env-2287"
const SENTINELS = [CLIENT_KEY, CLIENT_SECRET, REFRESH_TOKEN]

const dirs: Array<string> = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true })
})

const doctor = async (yaml: string, env: Record<string, string>, args: ReadonlyArray<string> = []) => {
  const dir = await fs.mkdtemp(path.join(tmpdir(), "herald-doctor-e2e-"))
  dirs.push(dir)
  const config = path.join(dir, "herald.yaml")
  await fs.writeFile(config, yaml)
  const result = await runProcess(process.execPath, [heraldBin, "doctor", "--config", config, ...args], {
    env: {
      PATH: process.env["PATH"] ?? "/usr/bin:/bin",
      HOME: dir,
      XDG_STATE_HOME: path.join(dir, "state"),
      XDG_CONFIG_HOME: path.join(dir, "config"),
      HERALD_KEYCHAIN: "off",
      ...env
    },
    cwd: dir
  })
  return { ...result, config }
}

const describeRun = (r: ProcessResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

const expectNoSentinel = (r: ProcessResult) => {
  for (const s of SENTINELS) expect(r.stdout + r.stderr, `printed ${s}`).not.toContain(s)
}

const tiktokYaml = (endpoints: Record<string, string> = {}) =>
  [
    "platforms:",
    "  tiktok:",
    `    client_key: ${CLIENT_KEY}`,
    ...(Object.keys(endpoints).length > 0 ? ["    endpoints:", ...Object.entries(endpoints).map(([k, v]) => `      ${k}: ${v}`)] : []),
    ""
  ].join("\n")

beforeAll(() => {
  if (!existsSync(heraldBin)) throw new Error(`${heraldBin} is missing: run \`npm run build\` first`)
})

describe("herald doctor", () => {
  it("a missing rotating token: points to herald auth set, never to the variable; exits 1, prints no value", async () => {
    const r = await doctor(tiktokYaml(), { TIKTOK_CLIENT_SECRET: CLIENT_SECRET })
    expect(r.code, describeRun(r)).toBe(1)
    expect(r.stdout).toContain(`${r.config} (found via --config)`)
    expect(r.stdout).toMatch(/client_key\s+config file\s+platforms\.tiktok\.client_key/)
    expect(r.stdout).toMatch(/client_secret\s+environment\s+TIKTOK_CLIENT_SECRET/)
    expect(r.stdout).toMatch(/refresh_token\s+MISSING\s+run herald auth set tiktok \(or herald auth login tiktok\)/)
    expect(r.stdout).toContain("1 problem:")
    expect(r.stdout).toContain("tiktok: refresh_token is not stored anywhere: run herald auth set tiktok")
    expect(r.stdout).not.toContain("set TIKTOK_REFRESH_TOKEN")
    expectNoSentinel(r)
  })

  it("everything present: exit 0; the keychain switched off is said, and new secrets would go to the config file", async () => {
    const r = await doctor(tiktokYaml(), { TIKTOK_CLIENT_SECRET: CLIENT_SECRET, TIKTOK_REFRESH_TOKEN: REFRESH_TOKEN })
    expect(r.code, describeRun(r)).toBe(0)
    expect(r.stdout).toMatch(/keychain\s+unavailable: disabled by HERALD_KEYCHAIN=off/)
    expect(r.stdout).toMatch(/write-back\s+local: new secrets go to .*herald\.yaml \(0600\)/)
    expect(r.stdout).toMatch(/alerts\s+none/)
    expect(r.stdout).toContain("everything herald needs is in place")
    expectNoSentinel(r)
  })

  it("--json: the same findings for CI, problems included", async () => {
    const r = await doctor(tiktokYaml(), { TIKTOK_CLIENT_SECRET: CLIENT_SECRET }, ["--json"])
    expect(r.code, describeRun(r)).toBe(1)
    const report = JSON.parse(r.stdout) as {
      config: { file: string; found: boolean }
      connections: Array<{ secrets: Array<{ key: string; source: string; name: string }> }>
      problems: Array<string>
    }
    expect(report.config).toMatchObject({ file: r.config, found: true })
    expect(report.connections[0]!.secrets.find((s) => s.key === "refresh_token")).toMatchObject({
      source: "missing",
      name: "TIKTOK_REFRESH_TOKEN"
    })
    expect(report.problems).toEqual([
      "tiktok: refresh_token is not stored anywhere: run herald auth set tiktok (or herald auth login tiktok); " +
      "not TIKTOK_REFRESH_TOKEN: each run stores a new refresh_token, which that variable would hide"
    ])
    expectNoSentinel(r)
  })

  it("an invalid config is a start-up error (exit 2) naming the key, like every command", async () => {
    const r = await doctor("platforms:\n  tiktok:\n    client_kee: x\n", {})
    expect(r.code, describeRun(r)).toBe(2)
    expect(r.stderr).toContain("client_kee")
  })

  describe("--online", () => {
    let fake: TikTokFake
    let closedPort: number
    beforeAll(async () => {
      fake = await startTikTokFake({ clientKey: CLIENT_KEY, clientSecret: CLIENT_SECRET })
      // a port that was just free: nothing answers there
      const server = http.createServer().listen(0, "127.0.0.1")
      await new Promise((resolve) => server.once("listening", resolve))
      closedPort = (server.address() as AddressInfo).port
      await new Promise((resolve) => server.close(resolve))
    })
    afterAll(async () => {
      await fake?.close()
    })

    const allOn = (base: string) =>
      Object.fromEntries(Object.keys(TikTok.endpoints).map((name) => [name, `${base}/${name}`]))

    it("every endpoint answers: exit 0; nothing but bare HEADs reached the platform", async () => {
      fake.clearLog()
      const env = { TIKTOK_CLIENT_SECRET: CLIENT_SECRET, TIKTOK_REFRESH_TOKEN: REFRESH_TOKEN }
      const r = await doctor(tiktokYaml(allOn(fake.baseUrl)), env, ["--online"])
      expect(r.code, describeRun(r)).toBe(0)
      expect(r.stdout).toMatch(/endpoint token\s+answers\s+http:\/\/127\.0\.0\.1:\d+\/token \(HTTP \d+\)/)
      expect(fake.requests.length).toBe(Object.keys(TikTok.endpoints).length)
      for (const req of fake.requests) {
        expect(req.method).toBe("HEAD")
        expect(req.body).toBe("")
        for (const s of SENTINELS) expect(JSON.stringify(req)).not.toContain(s)
      }
      expectNoSentinel(r)
    })

    it("an endpoint that does not answer: named, exit 1", async () => {
      const endpoints = { ...allOn(fake.baseUrl), token: `http://127.0.0.1:${closedPort}/v2/oauth/token/` }
      const env = { TIKTOK_CLIENT_SECRET: CLIENT_SECRET, TIKTOK_REFRESH_TOKEN: REFRESH_TOKEN }
      const r = await doctor(tiktokYaml(endpoints), env, ["--online"])
      expect(r.code, describeRun(r)).toBe(1)
      expect(r.stdout).toContain(
        `tiktok: endpoint token (http://127.0.0.1:${closedPort}/v2/oauth/token/) does not answer: network error (ECONNREFUSED)`
      )
      expectNoSentinel(r)
    })
  })
})
