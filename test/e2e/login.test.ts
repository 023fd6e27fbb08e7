/**
 * Issue 8's acceptance: `herald auth login <platform>` against loopback fakes, the test
 * acting as the browser (it reads the URL herald prints, follows the fake's consent
 * redirect to herald's callback), then `herald auth refresh` with the stored tokens.
 * Also: a wrong state, a denied consent, a timeout, missing app credentials, and
 * `herald auth set` from stdin — and no secret in any output.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import * as net from "node:net"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { beforeAll, describe, expect, it, onTestFinished } from "vitest"
import * as YAML from "yaml"
import { startInstagramFake } from "../../sandbox/fakes/instagram.js"
import { startLinkedInFake } from "../../sandbox/fakes/linkedin.js"
import { DAY, type Fake, serveModel } from "../../sandbox/fakes/server.js"
import { startTikTokFake } from "../../sandbox/fakes/tiktok.js"
import { startXFake } from "../../sandbox/fakes/x.js"
import { startYouTubeFake } from "../../sandbox/fakes/youtube.js"
import { model as threadsModel } from "../../src/platforms/threads/model.js"

const root = fileURLToPath(new URL("../..", import.meta.url))
const bin = path.join(root, "dist", "herald.cjs")

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` first`)
})

// ---- running herald --------------------------------------------------------------------------

interface Finished {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

interface Running {
  /** resolves with the first match of `re` in stdout */
  waitFor(re: RegExp): Promise<RegExpExecArray>
  readonly done: Promise<Finished>
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g

interface Workspace {
  readonly dir: string
  readonly configPath: string
  start(args: ReadonlyArray<string>, options?: { stdin?: string; env?: Record<string, string> }): Running
  run(args: ReadonlyArray<string>, options?: { stdin?: string; env?: Record<string, string> }): Promise<Finished>
  writeConfig(text: string): Promise<void>
  readConfig(): Promise<Record<string, any>>
}

const workspace = async (): Promise<Workspace> => {
  const dir = await fs.mkdtemp(path.join(tmpdir(), "herald-login-"))
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }))
  const configPath = path.join(dir, "herald.yaml")
  // nothing from the developer's machine: no keychain, no TIKTOK_… variables, no ~/.config
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: dir,
    HERALD_KEYCHAIN: "off",
    XDG_STATE_HOME: path.join(dir, "state"),
    XDG_CONFIG_HOME: path.join(dir, "config")
  }
  const start: Workspace["start"] = (args, options = {}) => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [bin, ...args, "--config", configPath], {
      cwd: dir,
      env: { ...env, ...options.env }
    })
    let stdout = ""
    let stderr = ""
    const waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = []
    const check = () => {
      for (const w of [...waiters]) {
        const m = w.re.exec(stdout)
        if (m !== null) {
          waiters.splice(waiters.indexOf(w), 1)
          w.resolve(m)
        }
      }
    }
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d
      check()
    })
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d
    })
    child.stdin.end(options.stdin ?? "")
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    const done = new Promise<Finished>((resolve) =>
      child.on("close", (code) => {
        clearTimeout(timer)
        resolve({ code, stdout: stdout.replace(ANSI, ""), stderr: stderr.replace(ANSI, "") })
      })
    )
    return {
      done,
      waitFor: (re) =>
        new Promise((resolve, reject) => {
          waiters.push({ re, resolve })
          check()
          void done.then((f) => reject(new Error(`herald exited (${f.code}) before printing ${re}:\n${f.stdout}\n${f.stderr}`)))
        })
    }
  }
  return {
    dir,
    configPath,
    start,
    run: (args, options) => start(args, options).done,
    writeConfig: (text) => fs.writeFile(configPath, text),
    readConfig: async () => YAML.parse(await fs.readFile(configPath, "utf8")) as Record<string, any>
  }
}

/** The URL herald prints on its own line, indented. */
const URL_LINE = /^ {2}(https?:\/\/\S+)$/m

/** The browser and the user: open the consent page, follow its redirect to herald's callback. */
const actAsBrowser = async (authorizeUrl: string, tamper: (u: URL) => void = () => {}) => {
  const consent = await fetch(authorizeUrl, { redirect: "manual" })
  expect(consent.status, await consent.clone().text()).toBe(302)
  const callback = new URL(consent.headers.get("location")!)
  tamper(callback)
  const page = await fetch(callback)
  return { status: page.status, text: await page.text(), callback }
}

/** Start `auth login`, act as the browser, and wait for herald to finish. */
const login = async (ws: Workspace, args: ReadonlyArray<string>, tamper?: (u: URL) => void) => {
  const running = ws.start(["auth", "login", ...args, "--no-browser"])
  const url = (await running.waitFor(URL_LINE))[1]!
  const browser = await actAsBrowser(url, tamper)
  return { url: new URL(url), browser, ...(await running.done) }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

const fakes: Array<Fake> = []
const track = <F extends Fake>(fake: F): F => {
  fakes.push(fake)
  onTestFinished(() => fake.close())
  return fake
}

const leaks = (f: Finished, secrets: Iterable<string>) => [...secrets].filter((s) => `${f.stdout}\n${f.stderr}`.includes(s))

/** A config with one platform for a login: its app credentials, any free port, and where its fake answers. */
const loginConfig = (platform: string, keys: Readonly<Record<string, string>>, endpoints: Readonly<Record<string, string>>) =>
  [
    "platforms:",
    `  ${platform}:`,
    ...Object.entries(keys).map(([k, v]) => `    ${k}: ${v}`),
    "    redirect_port: 0",
    "    endpoints:",
    ...Object.entries(endpoints).map(([name, url]) => `      ${name}: ${url}`),
    ""
  ].join("\n")

/** A Meta long-lived-token fake's login and refresh endpoints (Instagram, Threads: the same paths). */
const metaEndpoints = (fake: Fake) => ({
  authorize: fake.url("/oauth/authorize"),
  code: fake.url("/oauth/access_token"),
  exchange: fake.url("/access_token"),
  refresh: fake.url("/refresh_access_token")
})

const near = (iso: unknown, ms: number) => typeof iso === "string" && Math.abs(Date.parse(iso) - ms) < 60_000

// ---- the flows -------------------------------------------------------------------------------

describe("herald auth login", () => {
  it("tiktok: login then refresh rotates, with nothing typed but the consent (acceptance)", async () => {
    const fake = track(await startTikTokFake({ clientKey: "e2e-tiktok-key", clientSecret: "SENTINEL-TT-SECRET" }))
    const ws = await workspace()
    const port = await freePort()
    await ws.writeConfig(
      [
        "platforms:",
        "  tiktok:",
        "    client_key: e2e-tiktok-key",
        "    client_secret: SENTINEL-TT-SECRET",
        `    redirect_port: ${port}`,
        "    endpoints:",
        `      authorize: ${fake.url("/v2/auth/authorize/")}`,
        `      token: ${fake.url("/v2/oauth/token/")}`,
        ""
      ].join("\n")
    )
    const first = await login(ws, ["tiktok"])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    // what the consent page was asked: TikTok's parameters, PKCE, our loopback redirect
    const asked = fake.codes.requests[0]!
    expect(asked).toMatchObject({
      client_key: "e2e-tiktok-key",
      response_type: "code",
      scope: "user.info.basic,video.publish",
      redirect_uri: `http://127.0.0.1:${port}/callback`,
      code_challenge_method: "S256"
    })
    expect(asked["code_challenge"]).toMatch(/^[0-9a-f]{64}$/)
    expect(first.browser.status).toBe(200)
    // names and expiry, never values, and the next command
    expect(first.stdout).toContain("Logged in to TikTok for tiktok.")
    expect(first.stdout).toMatch(/stored access_token, refresh_token: stored in .*herald\.yaml \(0600\)/)
    expect(first.stdout).toMatch(/refresh_token_expires_at: \d{4}-/)
    expect(first.stdout).toContain(`next: herald auth refresh tiktok --config ${ws.configPath}`)
    const issued = fake.currentRefreshToken()!
    const stored = await ws.readConfig()
    expect(stored["platforms"]["tiktok"]["refresh_token"]).toBe(issued)
    expect(near(stored["platforms"]["tiktok"]["refresh_token_expires_at"], Date.now() + 180 * DAY)).toBe(true)
    expect((await fs.stat(ws.configPath)).mode & 0o777).toBe(0o600)

    const refresh = await ws.run(["auth", "refresh", "tiktok", "--json"])
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0)
    expect(JSON.parse(refresh.stdout).statuses[0]).toMatchObject({ platform: "tiktok", action: "rotated", alert: false })
    expect(fake.tokens.get(issued)?.status).toBe("spent")
    expect((await ws.readConfig())["platforms"]["tiktok"]["refresh_token"]).toBe(fake.currentRefreshToken())

    const secrets = ["SENTINEL-TT-SECRET", ...fake.tokens.all().map((t) => t.value), ...fake.codes.all().map((c) => c.value)]
    expect(leaks(first, secrets)).toEqual([])
    expect(leaks(refresh, secrets)).toEqual([])
  })

  it("tiktok: a login supersedes what an earlier run left in the journal (and says so); the next refresh sends the login's token (issue 14 item 7)", async () => {
    const fake = track(await startTikTokFake({ clientKey: "e2e-tiktok-key", clientSecret: "SENTINEL-TT-SECRET" }))
    const ws = await workspace()
    const port = await freePort()
    await ws.writeConfig(
      [
        "platforms:",
        "  tiktok:",
        "    client_key: e2e-tiktok-key",
        "    client_secret: SENTINEL-TT-SECRET",
        `    redirect_port: ${port}`,
        "    endpoints:",
        `      authorize: ${fake.url("/v2/auth/authorize/")}`,
        `      token: ${fake.url("/v2/oauth/token/")}`,
        ""
      ].join("\n")
    )
    // an earlier run rotated to this token and could not store it; it is not the grant the user logs in to
    const stale = fake.issueRefreshToken()
    await fs.writeFile(path.join(ws.dir, ".herald.yaml.herald-journal"), JSON.stringify({
      tiktok: { platform: "tiktok", account: "default", at: "2026-11-30T10:00:00.000Z", secrets: { refresh_token: stale }, metadata: {} }
    }), { mode: 0o600 })
    const first = await login(ws, ["tiktok"])
    expect(first.code, first.stdout + first.stderr).toBe(0)
    expect(first.stdout).toContain("from an earlier run (2026-11-30T10:00:00.000Z)")
    expect(first.stdout).toContain("supersedes it")
    const issued = fake.currentRefreshToken()!
    fake.revoke(stale)

    const refresh = await ws.run(["auth", "refresh", "tiktok", "--json"])
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0)
    const sent = fake.requestsTo("/v2/oauth/token/").map((r) => r.form["refresh_token"]).filter((t) => t !== undefined)
    expect(sent).toEqual([issued])
    expect(fake.counters.rejections).toBe(0)
    expect(first.stdout + first.stderr + refresh.stdout + refresh.stderr).not.toContain("SENTINEL")
  })

  it("x: a further account not yet in the config, a confidential client, then x:brand rotates", async () => {
    const fake = track(await startXFake({ clientId: "e2e-x-client", clientSecret: "SENTINEL-X-SECRET" }))
    const ws = await workspace()
    await ws.writeConfig(
      [
        "# X, default account only so far",
        "platforms:",
        "  x:",
        "    redirect_port: 0",
        "    endpoints:",
        `      authorize: ${fake.url("/i/oauth2/authorize")}`,
        `      token: ${fake.url("/2/oauth2/token")}`,
        ""
      ].join("\n")
    )
    const env = { X_CLIENT_ID: "e2e-x-client", X_CLIENT_SECRET: "SENTINEL-X-SECRET" }
    const running = ws.start(["auth", "login", "x", "--account", "brand", "--no-browser", "--scopes", "tweet.read,users.read"], { env })
    const url = new URL((await running.waitFor(URL_LINE))[1]!)
    expect(url.searchParams.get("scope")).toBe("tweet.read users.read offline.access")
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await actAsBrowser(url.href)
    const done = await running.done
    expect(done.code, done.stdout + done.stderr).toBe(0)
    expect(done.stdout).toContain("note: added the scope offline.access")
    expect(done.stdout).toContain("Logged in to X for x:brand.")
    const brand = (await ws.readConfig())["platforms"]["x"]["accounts"]["brand"]
    expect(brand["refresh_token"]).toBe(fake.currentRefreshToken())
    expect(brand["access_token_expires_at"]).toMatch(/^\d{4}-/)
    const refresh = await ws.run(["auth", "refresh", "x:brand", "--json"], { env })
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0)
    expect(JSON.parse(refresh.stdout).statuses).toMatchObject([{ platform: "x", account: "brand", action: "rotated" }])
    expect(leaks(done, ["SENTINEL-X-SECRET", ...fake.tokens.all().map((t) => t.value)])).toEqual([])
  })

  it("youtube: offline access with a fresh consent, the Testing warning, and a working refresh token", async () => {
    const fake = track(await startYouTubeFake({ clientId: "e2e-google", clientSecret: "SENTINEL-G-SECRET" }))
    const ws = await workspace()
    await ws.writeConfig(
      [
        "platforms:",
        "  youtube:",
        "    client_id: e2e-google",
        "    client_secret: SENTINEL-G-SECRET",
        "    redirect_port: 0",
        "    endpoints:",
        `      authorize: ${fake.url("/o/oauth2/v2/auth")}`,
        `      token: ${fake.url("/token")}`,
        `      health: ${fake.url("/tokeninfo")}`,
        ""
      ].join("\n")
    )
    const done = await login(ws, ["youtube"])
    expect(done.code, done.stdout + done.stderr).toBe(0)
    expect(done.url.searchParams.get("access_type")).toBe("offline")
    expect(done.url.searchParams.get("prompt")).toBe("consent")
    expect(done.stdout).toMatch(/note: .*"Testing".*7 days/)
    expect((await ws.readConfig())["platforms"]["youtube"]["refresh_token"]).toBe(fake.liveRefreshTokens()[0])
    const refresh = await ws.run(["auth", "refresh", "youtube", "--json"])
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0)
    expect(JSON.parse(refresh.stdout).statuses[0]).toMatchObject({ action: "healthy", alert: false })
  })

  it("linkedin: records the 60-day expiry, so the refresh run has a date", async () => {
    const fake = track(await startLinkedInFake({ clientId: "e2e-li", clientSecret: "SENTINEL-LI-SECRET" }))
    const ws = await workspace()
    await ws.writeConfig(
      [
        "platforms:",
        "  linkedin:",
        "    client_id: e2e-li",
        "    client_secret: SENTINEL-LI-SECRET",
        "    redirect_port: 0",
        "    endpoints:",
        `      authorize: ${fake.url("/oauth/v2/authorization")}`,
        `      token: ${fake.url("/oauth/v2/accessToken")}`,
        `      introspect: ${fake.url("/oauth/v2/introspectToken")}`,
        ""
      ].join("\n")
    )
    const done = await login(ws, ["linkedin"])
    expect(done.code, done.stdout + done.stderr).toBe(0)
    expect(done.url.searchParams.has("code_challenge")).toBe(false)
    expect(done.stdout).toMatch(/LinkedIn gives standard apps no refresh token: this access token expires \d{4}-/)
    const li = (await ws.readConfig())["platforms"]["linkedin"]
    expect(near(li["access_token_expires_at"], Date.now() + 60 * DAY)).toBe(true)
    const refresh = await ws.run(["auth", "refresh", "linkedin", "--json"])
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0)
    const status = JSON.parse(refresh.stdout).statuses[0]
    expect(status).toMatchObject({ platform: "linkedin", action: "healthy", alert: false })
    expect(near(status.expiresAt, Date.now() + 60 * DAY)).toBe(true)
  })

  it("instagram: short-lived exchanged for the long-lived token, its expiry recorded", async () => {
    const fake = track(await startInstagramFake({ clientId: "e2e-ig", appSecret: "SENTINEL-IG-SECRET" }))
    const ws = await workspace()
    await ws.writeConfig(loginConfig("instagram", { client_id: "e2e-ig", app_secret: "SENTINEL-IG-SECRET" }, metaEndpoints(fake)))
    const done = await login(ws, ["instagram"])
    expect(done.code, done.stdout + done.stderr).toBe(0)
    const ig = (await ws.readConfig())["platforms"]["instagram"]
    expect(ig["access_token"]).toBe(fake.currentToken())
    expect(fake.shortLived.size).toBe(0)
    expect(near(ig["access_token_expires_at"], Date.now() + 60 * DAY)).toBe(true)
    // a fresh token is too young to refresh: herald knows from the recorded expiry and waits
    const refresh = await ws.run(["auth", "refresh", "instagram", "--json"])
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0)
    expect(JSON.parse(refresh.stdout).statuses[0]).toMatchObject({ action: "healthy", alert: false })
    expect(fake.requestsTo("/refresh_access_token")).toHaveLength(0)
    expect(leaks(done, ["SENTINEL-IG-SECRET", ...fake.tokens.all().map((t) => t.value), ...fake.shortLived.keys()])).toEqual([])
  })
})

describe("herald auth login threads", () => {
  it("threads: the Threads app id and secret, th_exchange_token for the long-lived token, its expiry recorded", async () => {
    const fake = track(await serveModel(threadsModel, { clientId: "e2e-threads-app", appSecret: "SENTINEL-TH-SECRET" }))
    const ws = await workspace()
    await ws.writeConfig(loginConfig("threads", { app_id: "e2e-threads-app", app_secret: "SENTINEL-TH-SECRET" }, metaEndpoints(fake)))
    const done = await login(ws, ["threads"])
    expect(done.code, done.stdout + done.stderr).toBe(0)
    // the consent page got the Threads app id and the comma-separated scopes
    const [authorize] = fake.codes.requests
    expect(authorize).toMatchObject({ client_id: "e2e-threads-app", scope: "threads_basic,threads_content_publish", response_type: "code" })
    const [exchange] = fake.requestsTo("/access_token")
    expect(exchange!.query["grant_type"]).toBe("th_exchange_token")
    const th = (await ws.readConfig())["platforms"]["threads"]
    expect(th["access_token"]).toBe(fake.liveAccessTokens().at(-1))
    expect(fake.state.shortLived.size).toBe(0)
    expect(near(th["access_token_expires_at"], Date.now() + 60 * DAY)).toBe(true)
    expect(done.stdout + done.stderr).toContain("Threads refuses younger tokens")
    // a fresh token is too young to refresh: herald knows from the recorded expiry and waits
    const refresh = await ws.run(["auth", "refresh", "threads", "--json"])
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0)
    expect(JSON.parse(refresh.stdout).statuses[0]).toMatchObject({ platform: "threads", action: "healthy", alert: false })
    expect(fake.requestsTo("/refresh_access_token")).toHaveLength(0)
    expect(leaks(done, ["SENTINEL-TH-SECRET", ...fake.tokens.all().map((t) => t.value), ...fake.state.shortLived.keys()])).toEqual([])
  })
})

describe("herald auth login refuses", () => {
  const tiktok = async () => {
    const fake = track(await startTikTokFake({ clientKey: "k", clientSecret: "SENTINEL-S" }))
    const ws = await workspace()
    const config = [
      "platforms:",
      "  tiktok:",
      "    client_key: k",
      "    client_secret: SENTINEL-S",
      "    redirect_port: 0",
      "    endpoints:",
      `      authorize: ${fake.url("/v2/auth/authorize/")}`,
      `      token: ${fake.url("/v2/oauth/token/")}`,
      ""
    ].join("\n")
    await ws.writeConfig(config)
    return { fake, ws, config }
  }

  it("a callback with the wrong state: rejected in the browser and the terminal, nothing redeemed or stored", async () => {
    const { config, fake, ws } = await tiktok()
    const done = await login(ws, ["tiktok"], (u) => u.searchParams.set("state", "forged"))
    expect(done.code).toBe(1)
    expect(done.stderr).toContain("state does not match this login")
    expect(done.browser.status).toBe(400)
    expect(fake.requestsTo("/v2/oauth/token/")).toHaveLength(0)
    expect(await fs.readFile(ws.configPath, "utf8")).toBe(config)
  })

  it("a denied consent: the platform's error text, exit 1, nothing stored", async () => {
    const { config, fake, ws } = await tiktok()
    fake.consent = "deny"
    const done = await login(ws, ["tiktok"])
    expect(done.code).toBe(1)
    expect(done.stderr).toContain(
      "TikTok refused the authorisation (access_denied: The user denied the authorization request.); nothing was stored"
    )
    expect(await fs.readFile(ws.configPath, "utf8")).toBe(config)
  })

  it("a platform that echoes the authorization code in its refusal: the code is scrubbed from what herald prints", async () => {
    const { fake, ws } = await tiktok()
    const code = "SENTINEL-code-0123456789"
    fake.faults.push({ path: "/v2/oauth/token/", status: 400, body: { error: "invalid_grant", error_description: `authorization code ${code} is invalid` } })
    const done = await login(ws, ["tiktok"], (u) => u.searchParams.set("code", code))
    expect(done.code, done.stderr).toBe(1)
    expect(done.stderr).toContain("TikTok refused the authorization code (invalid_grant: authorization code <redacted> is invalid)")
    expect(leaks(done, [code])).toEqual([])
  })

  it("no callback in time: a clear message after --timeout, exit 1, and the port is released", async () => {
    const { ws } = await tiktok()
    const started = Date.now()
    const running = ws.start(["auth", "login", "tiktok", "--no-browser", "--timeout", "2s"])
    await running.waitFor(URL_LINE)
    const done = await running.done
    expect(done.code).toBe(1)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(done.stderr).toMatch(/no answer from TikTok within 2s: the browser never came back to http:\/\/127\.0\.0\.1:\d+\/callback/)
  })

  // Threads names its own app id (THREADS_APP_ID), not a client id
  for (
    const [platform, said] of [
      ["tiktok", ["client_key (tried TIKTOK_CLIENT_KEY (environment)", "client_secret (tried TIKTOK_CLIENT_SECRET (environment)"]],
      ["threads", ["app_id (tried THREADS_APP_ID (environment)", "app_secret (tried THREADS_APP_SECRET (environment)"]]
    ] as const
  ) {
    it(`missing app credentials (${platform}): says which, before anything is opened; the config stays as it was`, async () => {
      const ws = await workspace()
      await ws.writeConfig("platforms: {}\n")
      const done = await ws.run(["auth", "login", platform, "--no-browser"])
      expect(done.code).toBe(2)
      expect(done.stdout).not.toMatch(URL_LINE)
      for (const text of said) expect(done.stderr).toContain(text)
      expect(await fs.readFile(ws.configPath, "utf8")).toBe("platforms: {}\n")
    })
  }
})

describe("herald auth set", () => {
  const AT = "SENTINEL-LI-ACCESS-TOKEN-91ab"
  const CS = "SENTINEL-LI-CLIENT-SECRET-2c4d"

  it("reads KEY=value lines from stdin, stores them for a platform the config did not list, prints only names", async () => {
    const ws = await workspace()
    await ws.writeConfig("# my herald config\nauth:\n  writeback:\n    backend: local\n")
    const done = await ws.run(["auth", "set", "linkedin", "--expires-at", "60d"], {
      stdin: `# pasted from the developer portal\nLINKEDIN_ACCESS_TOKEN=${AT}\nclient_secret=${CS}\nclient_id=e2e-li-id\n`
    })
    expect(done.code, done.stdout + done.stderr).toBe(0)
    expect(done.stdout).toContain("Stored 3 secrets for linkedin.")
    expect(done.stdout).toMatch(/stored access_token, client_secret, client_id: stored in .*herald\.yaml \(0600\)/)
    expect(done.stdout).toMatch(/access_token_expires_at: \d{4}-/)
    expect(leaks(done, [AT, CS])).toEqual([])
    const text = await fs.readFile(ws.configPath, "utf8")
    expect(text.startsWith("# my herald config\n")).toBe(true)
    const li = (YAML.parse(text) as Record<string, any>)["platforms"]["linkedin"]
    expect(li).toMatchObject({ access_token: AT, client_secret: CS, client_id: "e2e-li-id" })
    expect(near(li["access_token_expires_at"], Date.now() + 60 * DAY)).toBe(true)
    expect((await fs.stat(ws.configPath)).mode & 0o777).toBe(0o600)
    // the next run sees the connection, with a date for the re-auth alert
    const status = await ws.run(["auth", "status", "linkedin", "--json"])
    expect(JSON.parse(status.stdout).statuses[0]).toMatchObject({ platform: "linkedin", account: "default" })
    expect(leaks(status, [AT, CS])).toEqual([])
  })

  // util-linux `script` gives herald a terminal, so it asks instead of reading stdin
  const hasScript = process.platform === "linux" && existsSync("/usr/bin/script")

  it.skipIf(!hasScript)("in a terminal it asks for each key with hidden input; Enter skips one", async () => {
    const ws = await workspace()
    await ws.writeConfig("platforms: {}\n")
    const command = [process.execPath, bin, "auth", "set", "tiktok", "--config", ws.configPath].map((a) => `'${a}'`).join(" ")
    const child = spawn("/usr/bin/script", ["-qfc", command, "/dev/null"], {
      cwd: ws.dir,
      env: { PATH: process.env["PATH"] ?? "", HOME: ws.dir, HERALD_KEYCHAIN: "off", TERM: "xterm", XDG_STATE_HOME: ws.dir }
    })
    let out = ""
    const typed = ["e2e-key\r", `${CS}\r`, "\r", `${AT}\r`]
    let answered = 0
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
      // answer each prompt once it has appeared (a prompt is redrawn many times: count distinct keys)
      const asked = new Set(out.match(/tiktok (client_key|client_secret|access_token|refresh_token)/g)).size
      if (asked > answered && answered < typed.length) child.stdin.write(typed[answered++]!)
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve))
    clearTimeout(timer)
    expect(code, out).toBe(0)
    expect(out).toContain("Stored 3 secrets for tiktok.")
    expect(out).not.toContain(CS)
    expect(out).not.toContain(AT)
    const tt = (await ws.readConfig())["platforms"]["tiktok"]
    expect(tt).toMatchObject({ client_key: "e2e-key", client_secret: CS, refresh_token: AT })
    expect(tt["access_token"]).toBeUndefined()
  })

  it("bad input stores nothing and echoes no value; no input says how to give it", async () => {
    const ws = await workspace()
    await ws.writeConfig("platforms: {}\n")
    const bad = await ws.run(["auth", "set", "tiktok"], { stdin: `refresh_token=${AT}\n${CS}\nnot_a_key=${AT}\n` })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("line 2: expected KEY=value")
    expect(bad.stderr).toContain("line 3: unknown key")
    expect(leaks(bad, [AT, CS])).toEqual([])
    expect(await fs.readFile(ws.configPath, "utf8")).toBe("platforms: {}\n")
    const empty = await ws.run(["auth", "set", "tiktok"])
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain("no secrets given for tiktok: pipe KEY=value lines on stdin")
  })
})
