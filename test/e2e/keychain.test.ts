/**
 * The built CLI against a real OS keychain (the Secret Service of a private D-Bus session
 * with gnome-keyring) and the TikTok loopback fake: a rotated token lands in the keychain,
 * where `secret-tool` sees it and the next run reads it. And without a Secret Service, the
 * run still completes and says, in the table and in the JSON, that the config file was used.
 */
import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { startTikTokFake, type TikTokFake, TIKTOK_TOKEN_PATH } from "../../sandbox/fakes/tiktok.js"
import { type KeychainSession, type ProcessResult, runProcess, secretServiceMissing, startKeychainSession } from "./support/keychainSession.js"

const repoRoot = fileURLToPath(new URL("../..", import.meta.url))
const heraldBin = path.join(repoRoot, "dist", "herald.cjs")

const CLIENT_KEY = "aw-e2e-client-key"
const CLIENT_SECRET = "sentinel-client-secret-4417"

const missing = secretServiceMissing()
if (missing !== undefined) {
  // said once, in the run's output, so a skipped integration test is never mistaken for a passed one
  console.warn(`keychain integration test skipped: ${missing}`)
}

interface Workspace {
  readonly dir: string
  readonly config: string
}

const workspace = async (fake: TikTokFake): Promise<Workspace> => {
  const dir = await fs.mkdtemp(path.join(tmpdir(), "herald-keychain-e2e-"))
  const config = path.join(dir, "herald.yaml")
  await fs.writeFile(
    config,
    [
      "# e2e: the refresh token lives in the keychain, never here",
      "platforms:",
      "  tiktok:",
      `    client_key: ${CLIENT_KEY}`,
      "    endpoints:",
      `      token: ${fake.url(TIKTOK_TOKEN_PATH)}`,
      ""
    ].join("\n")
  )
  return { dir, config }
}

/** Only what a process needs, plus `extra`: nothing from the developer's own session or keychain. */
const baseEnv = (ws: Workspace, extra: Record<string, string>): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: ws.dir,
  XDG_STATE_HOME: path.join(ws.dir, "state"),
  XDG_CONFIG_HOME: path.join(ws.dir, "config"),
  TIKTOK_CLIENT_SECRET: CLIENT_SECRET,
  ...extra
})

const herald = (ws: Workspace, args: ReadonlyArray<string>, env: Record<string, string>) =>
  runProcess(process.execPath, [heraldBin, ...args, "--config", ws.config], { env, cwd: ws.dir, timeoutMs: 30_000 })

const describeRun = (r: ProcessResult) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`

const statusOf = (r: ProcessResult) => {
  const report = JSON.parse(r.stdout) as { statuses: Array<Record<string, unknown>> }
  return report.statuses[0]!
}

const assertNoLeak = (r: ProcessResult, secrets: ReadonlyArray<string | undefined>) => {
  for (const s of secrets) if (s !== undefined) expect(r.stdout + r.stderr).not.toContain(s)
}

let fake: TikTokFake
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  if (!existsSync(heraldBin)) throw new Error(`${heraldBin} is missing: run \`npm run build\` first`)
  fake = await startTikTokFake({ clientKey: CLIENT_KEY, clientSecret: CLIENT_SECRET, tokenPrefix: "kc-e2e" })
})

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

afterAll(async () => {
  await fake?.close()
})

describe("keychain: real Secret Service", () => {
  let session: KeychainSession

  beforeAll(async () => {
    if (missing !== undefined) return
    session = await startKeychainSession()
  })
  afterAll(async () => {
    await session?.stop()
  })

  it.skipIf(missing !== undefined)(
    `a rotated token is stored in the Secret Service, visible to secret-tool, and read back by the next run${missing === undefined ? "" : ` [skipped: ${missing}]`}`,
    async () => {
      const ws = await workspace(fake)
      cleanups.push(() => fs.rm(ws.dir, { recursive: true, force: true }))
      const seeded = fake.issueRefreshToken()
      await session.store("tiktok/refresh_token", seeded)
      const env = baseEnv(ws, session.env)

      const first = await herald(ws, ["auth", "refresh", "tiktok", "--json"], env)
      expect(first.code, describeRun(first)).toBe(0)
      expect(statusOf(first)).toMatchObject({ platform: "tiktok", action: "rotated", storedIn: "keychain", alert: false })
      expect(statusOf(first)["detail"]).toContain("stored in the OS keychain")
      const afterFirst = fake.currentRefreshToken()
      expect(afterFirst).toBeDefined()
      expect(afterFirst).not.toBe(seeded)
      expect(await session.lookup("tiktok/refresh_token")).toBe(afterFirst)
      const access = await session.lookup("tiktok/access_token")
      expect(fake.liveAccessTokens()).toContain(access)

      // secrets in the keychain, only their expiry in the file
      const file = await fs.readFile(ws.config, "utf8")
      expect(file).not.toContain(afterFirst!)
      expect(file).not.toContain(access!)
      expect(file).toContain("access_token_expires_at")
      expect(file).toContain("# e2e: the refresh token lives in the keychain, never here")

      // the seeded token is spent: this run can only work with what the first one stored
      const second = await herald(ws, ["auth", "refresh", "tiktok", "--json"], env)
      expect(second.code, describeRun(second)).toBe(0)
      expect(statusOf(second)).toMatchObject({ action: "rotated", storedIn: "keychain" })
      expect(fake.requestsTo(TIKTOK_TOKEN_PATH).at(-1)!.form["refresh_token"]).toBe(afterFirst)
      const afterSecond = fake.currentRefreshToken()
      expect(afterSecond).not.toBe(afterFirst)
      expect(await session.lookup("tiktok/refresh_token")).toBe(afterSecond)

      const doctor = await herald(ws, ["doctor"], env)
      expect(doctor.code, describeRun(doctor)).toBe(0)
      expect(doctor.stdout).toMatch(/keychain\s+usable/)
      expect(doctor.stdout).toMatch(/refresh_token\s+OS keychain\s+tiktok\/refresh_token/)

      for (const r of [first, second, doctor]) assertNoLeak(r, [seeded, afterFirst, afterSecond, access, CLIENT_SECRET])
    }
  )
})

describe("keychain: none usable", () => {
  const cases: ReadonlyArray<[string, Record<string, string>]> = [
    // no D-Bus session at all: libsecret cannot reach a Secret Service
    ["no Secret Service", {}],
    ["HERALD_KEYCHAIN=off", { HERALD_KEYCHAIN: "off" }]
  ]

  it.each(cases)("%s: the run completes, the token goes to the config file (0600), and the report says so", async (_, extra) => {
    const ws = await workspace(fake)
    cleanups.push(() => fs.rm(ws.dir, { recursive: true, force: true }))
    const seeded = fake.issueRefreshToken()
    await fs.appendFile(ws.config, `    refresh_token: ${seeded}\n`)
    const env = baseEnv(ws, extra)

    const first = await herald(ws, ["auth", "refresh", "tiktok", "--json"], env)
    expect(first.code, describeRun(first)).toBe(0)
    expect(statusOf(first)).toMatchObject({ action: "rotated", storedIn: "config-file" })
    const afterFirst = fake.currentRefreshToken()!
    const file = await fs.readFile(ws.config, "utf8")
    expect(file).toContain(`refresh_token: ${afterFirst}`)
    expect(file).not.toContain(seeded)
    expect((await fs.stat(ws.config)).mode & 0o777).toBe(0o600)

    // the table: one line that names the file and why
    const second = await herald(ws, ["auth", "refresh", "tiktok"], env)
    expect(second.code, describeRun(second)).toBe(0)
    expect(second.stdout).toContain(`stored in ${ws.config} (0600) because the OS keychain is unavailable`)
    expect(fake.requestsTo(TIKTOK_TOKEN_PATH).at(-1)!.form["refresh_token"]).toBe(afterFirst)

    for (const r of [first, second]) assertNoLeak(r, [seeded, afterFirst, fake.currentRefreshToken(), CLIENT_SECRET])
  })
})
