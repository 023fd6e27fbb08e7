/**
 * Issue 15: herald's standard OAuth 2.0 core, run as the built CLI against a certified,
 * independently written authorization server (oidc-provider on loopback): a generic
 * provider with all three client authentication methods, rotating and non-rotating
 * refresh, a revoked grant, `invalid_client` with reserved and non-Latin-1 secrets, and
 * X / YouTube / LinkedIn (partner) refresh pointed at the same server.
 */
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as YAML from "yaml"
import {
  assertBuilt,
  describeRun,
  type HeraldRun,
  leakedSecrets,
  makeWorkspace,
  reportOf,
  statusOf
} from "../e2e/support/runHerald.js"
import { freePort, runLogin } from "./support/loginDriver.js"
import { type CertifiedServer, clients, SPECIAL_SECRET, startCertifiedServer, type TestClient, UNICODE_SECRET } from "./support/certifiedServer.js"

beforeAll(assertBuilt)

let idp: CertifiedServer
/** where `auth login` listens: registered with every client of the server */
let callbackPort: number
beforeAll(async () => {
  callbackPort = await freePort()
  idp = await startCertifiedServer({ redirectUris: [`http://127.0.0.1:${callbackPort}/callback`] })
})
afterAll(() => idp.close())

/** A generic provider's section, its refresh token in the config file (where a rotation writes it back). */
const generic = (id: string, c: TestClient, refreshToken: string, extra = "") =>
  [
    `  ${id}:`,
    "    type: oauth2",
    `    client_auth: ${c.method}`,
    `    client_id: ${c.id}`,
    `    refresh_token: ${JSON.stringify(refreshToken)}`,
    `    endpoints: { token: "${idp.tokenUrl}", introspect: "${idp.introspectUrl}" }`,
    ...(extra === "" ? [] : [extra])
  ].join("\n")

const secretEnv = (id: string, c: TestClient): Record<string, string> =>
  "secret" in c && c.secret !== undefined ? { [`${id.toUpperCase().replace(/-/g, "_")}_CLIENT_SECRET`]: c.secret } : {}

const configOf = (sections: ReadonlyArray<string>) => `platforms:\n${sections.join("\n")}\n`

const noLeaks = (run: HeraldRun, secrets: ReadonlyArray<string>) =>
  expect(leakedSecrets(run, [...secrets, SPECIAL_SECRET, UNICODE_SECRET]), describeRun(run)).toEqual([])

describe("generic provider against a certified server (built CLI)", { timeout: 60_000 }, () => {
  it("all three client auth methods, rotating and not: rotations persisted, echoes kept, the next run starts from them", async () => {
    const ws = await makeWorkspace()
    const setups = [
      ["idp-basic", clients.basicRotating],
      ["idp-basic-static", clients.basicStatic],
      ["idp-post", clients.postStatic],
      ["idp-post-rotating", clients.postRotating],
      ["idp-public", clients.publicRotating]
    ] as const
    const seeds = await Promise.all(setups.map(([, c]) => idp.issueRefreshToken(c)))
    await ws.writeConfig(configOf(setups.map(([id, c], i) => generic(id, c, seeds[i]!))))
    const env = Object.assign({}, ...setups.map(([id, c]) => secretEnv(id, c))) as Record<string, string>

    const first = await ws.herald(["auth", "refresh", "--json"], { env })
    expect(first.code, describeRun(first)).toBe(0)
    const report = reportOf(first)
    const config1 = (await ws.readConfig()).platforms!
    for (const [i, [id, c]] of setups.entries()) {
      const status = statusOf(report, id)
      const stored = config1[id]!["refresh_token"] as string
      if (c.rotating) {
        expect(status.action, JSON.stringify(status)).toBe("rotated")
        expect(stored).not.toBe(seeds[i])
        expect(await idp.isLive(stored)).toBe(true)
        expect(await idp.isLive(seeds[i]!)).toBe(false)
      } else {
        expect(status.action, JSON.stringify(status)).toBe("refreshed")
        expect(status.detail).toContain("refresh token back, so it is kept")
        expect(stored).toBe(seeds[i])
      }
      expect(status.expiresAt, JSON.stringify(status)).toBeDefined()
    }
    noLeaks(first, [...seeds, ...Object.values(config1).map((s) => String(s?.["refresh_token"]))])

    // the Basic credentials arrived form-encoded (RFC 6749 §2.3.1): the server decoded the special secret
    const basic = idp.tokenRequests.map((r) => r.authorization).filter((a) => a !== undefined)
    expect(basic.map((a) => Buffer.from(a.replace(/^Basic /, ""), "base64").toString("utf8"))).toContain(
      "herald-basic:s3cr%2Bt%2F%3D%25%3Ax"
    )

    const second = await ws.herald(["auth", "refresh", "--json"], { env })
    expect(second.code, describeRun(second)).toBe(0)
    for (const [id, c] of setups) expect(statusOf(reportOf(second), id).action).toBe(c.rotating ? "rotated" : "refreshed")

    // verify: RFC 7662 introspection of the stored access token, with its exp
    const verify = await ws.herald(["auth", "verify", "idp-basic", "--json"], { env })
    expect(verify.code, describeRun(verify)).toBe(0)
    const checked = JSON.parse(verify.stdout) as { statuses: ReadonlyArray<{ health: string; expiresAt?: string }> }
    expect(checked.statuses[0]!.health).toBe("ok")
    expect(Date.parse(checked.statuses[0]!.expiresAt!)).toBeGreaterThan(Date.now())
  })

  it("a revoked grant is reauth-required for that connection only", async () => {
    const ws = await makeWorkspace()
    const revoked = await idp.issueRefreshToken(clients.basicStatic)
    const fine = await idp.issueRefreshToken(clients.postStatic)
    await idp.revokeGrantOf(revoked)
    await ws.writeConfig(configOf([generic("revoked", clients.basicStatic, revoked), generic("fine", clients.postStatic, fine)]))
    const run = await ws.herald(["auth", "refresh", "--json"], {
      env: { ...secretEnv("revoked", clients.basicStatic), ...secretEnv("fine", clients.postStatic) }
    })
    expect(run.code, describeRun(run)).toBe(1)
    const report = reportOf(run)
    expect(statusOf(report, "revoked").action).toBe("reauth-required")
    expect(statusOf(report, "revoked").detail).toContain("herald auth login revoked")
    expect(statusOf(report, "fine").action).toBe("refreshed")
    noLeaks(run, [revoked, fine])
  })

  it("invalid_client with a reserved-character or non-Latin-1 secret: that connection fails, the run does not crash", async () => {
    const ws = await makeWorkspace()
    const wrongSpecial = await idp.issueRefreshToken(clients.basicRotating)
    const wrongUnicode = await idp.issueRefreshToken(clients.basicStatic)
    const wrongUnicodePost = await idp.issueRefreshToken(clients.postStatic)
    const right = await idp.issueRefreshToken(clients.basicRotating)
    await ws.writeConfig(configOf([
      generic("wrong-special", clients.basicRotating, wrongSpecial),
      generic("wrong-unicode", clients.basicStatic, wrongUnicode),
      generic("wrong-unicode-post", clients.postStatic, wrongUnicodePost),
      generic("right", clients.basicRotating, right)
    ]))
    const run = await ws.herald(["auth", "refresh", "--json"], {
      env: {
        WRONG_SPECIAL_CLIENT_SECRET: "s3cr+t/=%:y",
        WRONG_UNICODE_CLIENT_SECRET: UNICODE_SECRET,
        WRONG_UNICODE_POST_CLIENT_SECRET: UNICODE_SECRET,
        RIGHT_CLIENT_SECRET: SPECIAL_SECRET
      }
    })
    expect(run.code, describeRun(run)).toBe(1)
    const report = reportOf(run)
    for (const id of ["wrong-special", "wrong-unicode", "wrong-unicode-post"]) {
      const status = statusOf(report, id)
      expect(status.action).toBe("failed")
      expect(status.detail, status.detail).toContain("rejected the app's client credentials")
      expect(status.detail).toContain(`${id.toUpperCase().replace(/-/g, "_")}_CLIENT_SECRET`)
    }
    expect(statusOf(report, "wrong-special").detail).toContain("invalid_client")
    expect(statusOf(report, "wrong-unicode-post").detail).toContain("invalid_client")
    // RFC 6749 Appendix A allows only VSCHAR in a secret: the server decoded the Basic header and
    // refused the decoded secret (invalid_request) — herald encoded it rather than crashing
    expect(statusOf(report, "wrong-unicode").detail).toMatch(/invalid_client|invalid_request/)
    expect(statusOf(report, "right").action).toBe("rotated")
    // a refused client spent nothing: its refresh token still works
    expect(await idp.isLive(wrongUnicode)).toBe(true)
    noLeaks(run, [wrongSpecial, wrongUnicode, wrongUnicodePost, right, "s3cr+t/=%:y"])
  })
})

/** A config whose built-in platforms each hold a client id and refresh token, their token endpoint the certified server. */
const pointedAtIdp = (platforms: Readonly<Record<string, readonly [clientId: string, refreshToken: string]>>): string =>
  ["platforms:", ...Object.entries(platforms).flatMap(([id, [clientId, refreshToken]]) => [
    `  ${id}:`,
    `    client_id: ${clientId}`,
    `    refresh_token: ${JSON.stringify(refreshToken)}`,
    `    endpoints: { token: "${idp.tokenUrl}" }`
  ]), ""].join("\n")

describe("built-in platforms pointed at the certified server (built CLI)", { timeout: 60_000 }, () => {
  it("X (confidential, Basic with a reserved-character secret) rotates; YouTube and LinkedIn (partner) refresh", async () => {
    const ws = await makeWorkspace()
    const x = await idp.issueRefreshToken(clients.basicRotating)
    const youtube = await idp.issueRefreshToken(clients.postStatic)
    const linkedin = await idp.issueRefreshToken(clients.postRotating)
    await ws.writeConfig(pointedAtIdp({
      x: [clients.basicRotating.id, x],
      youtube: [clients.postStatic.id, youtube],
      linkedin: [clients.postRotating.id, linkedin]
    }))
    const env = {
      X_CLIENT_SECRET: clients.basicRotating.secret,
      YOUTUBE_CLIENT_SECRET: clients.postStatic.secret,
      LINKEDIN_CLIENT_SECRET: clients.postRotating.secret
    }
    const run = await ws.herald(["auth", "refresh", "--json"], { env })
    expect(run.code, describeRun(run)).toBe(0)
    const report = reportOf(run)
    expect(statusOf(report, "x").action).toBe("rotated")
    expect(statusOf(report, "youtube").action).toBe("healthy")
    expect(statusOf(report, "linkedin").action).toBe("rotated")
    const stored = (await ws.readConfig()).platforms!
    expect(await idp.isLive(String(stored["x"]!["refresh_token"]))).toBe(true)
    expect(stored["youtube"]!["refresh_token"]).toBe(youtube)
    noLeaks(run, [x, youtube, linkedin])

    // YouTube's verify with only endpoints.token overridden: the minted token goes to no Google host
    const verify = await ws.herald(["auth", "verify", "youtube", "--json"], { env })
    expect(verify.code, describeRun(verify)).toBe(0)
    const checked = JSON.parse(verify.stdout) as { statuses: ReadonlyArray<{ health: string; detail: string }> }
    expect(checked.statuses[0]!.health).toBe("ok")
    expect(checked.statuses[0]!.detail).toContain("endpoints.health")
  })

  it("X with a non-Latin-1 client secret: encoded, refused for X alone; the run goes on (no crash, exit 1 not 70)", async () => {
    const ws = await makeWorkspace()
    const x = await idp.issueRefreshToken(clients.basicRotating)
    const youtube = await idp.issueRefreshToken(clients.postStatic)
    await ws.writeConfig(pointedAtIdp({ x: [clients.basicRotating.id, x], youtube: [clients.postStatic.id, youtube] }))
    const run = await ws.herald(["auth", "refresh", "--json"], {
      env: { X_CLIENT_SECRET: UNICODE_SECRET, YOUTUBE_CLIENT_SECRET: clients.postStatic.secret }
    })
    expect(run.code, describeRun(run)).toBe(1)
    const report = reportOf(run)
    expect(statusOf(report, "x").action).toBe("failed")
    expect(statusOf(report, "x").detail).toContain("X_CLIENT_SECRET")
    expect(statusOf(report, "youtube").action).toBe("healthy")
    // nothing was spent: the refused request never reached the grant
    expect(await idp.isLive(x)).toBe(true)
    noLeaks(run, [x, youtube])
  })
})

describe("generic provider login against the certified server (built CLI)", { timeout: 60_000 }, () => {
  const loginConfig = (params: string) =>
    configOf([
      [
        "  idp-login:",
        "    type: oauth2",
        "    client_auth: none",
        `    client_id: ${clients.publicRotating.id}`,
        `    endpoints: { token: "${idp.tokenUrl}", authorize: "${idp.authorizeUrl}" }`,
        "    scopes: [openid, offline_access]",
        ...(params === "" ? [] : [`    authorize_params: ${params}`])
      ].join("\n")
    ])

  it("PKCE login with prompt=consent stores a refresh token; the next refresh rotates it", async () => {
    const ws = await makeWorkspace()
    await ws.writeConfig(loginConfig("{ prompt: consent }"))
    const login = await runLogin(["idp-login", "--config", ws.configPath], { cwd: ws.dir, env: ws.env, callbackPort })
    expect(login.code, `${login.stdout}\n${login.stderr}`).toBe(0)
    const q = login.authorizeUrl.searchParams
    expect(q.get("prompt")).toBe("consent")
    expect(q.get("code_challenge_method")).toBe("S256")
    expect(q.get("scope")).toBe("openid offline_access")
    expect(q.get("client_id")).toBe(clients.publicRotating.id)
    const stored = (await ws.readConfig()).platforms!["idp-login"]!
    const refreshToken = String(stored["refresh_token"])
    expect(await idp.isLive(refreshToken)).toBe(true)
    expect(`${login.stdout}${login.stderr}`).not.toContain(refreshToken)

    const refresh = await ws.herald(["auth", "refresh", "idp-login", "--json"])
    expect(refresh.code, describeRun(refresh)).toBe(0)
    expect(statusOf(reportOf(refresh), "idp-login").action).toBe("rotated")
    const rotated = String((await ws.readConfig()).platforms!["idp-login"]!["refresh_token"])
    expect(rotated).not.toBe(refreshToken)
    expect(await idp.isLive(rotated)).toBe(true)
    noLeaks(refresh, [refreshToken, rotated])
  })

  it("without prompt=consent the server issues no refresh token: nothing stored, and the fix is named", async () => {
    const ws = await makeWorkspace()
    await ws.writeConfig(loginConfig(""))
    const before = await ws.readConfigText()
    const login = await runLogin(["idp-login", "--config", ws.configPath], { cwd: ws.dir, env: ws.env, callbackPort })
    expect(login.code, `${login.stdout}\n${login.stderr}`).toBe(1)
    expect(login.stderr).toContain("authorize_params: { prompt: consent }")
    expect(await ws.readConfigText()).toBe(before)
  })
})

describe("the README's generic provider against the certified server (built CLI)", { timeout: 60_000 }, () => {
  it("configured from the README's example (its URLs, id and client pointed here) it refreshes and rotates", async () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")
    const section = readme.slice(readme.indexOf("## Generic OAuth 2.0 provider"))
    const example = YAML.parse(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as {
      platforms: { mastodon: Record<string, unknown> & { endpoints: Record<string, string> } }
    }
    const mastodon = example.platforms.mastodon
    const seed = await idp.issueRefreshToken(clients.basicRotating)
    mastodon.endpoints = { token: idp.tokenUrl, authorize: idp.authorizeUrl, introspect: idp.introspectUrl }
    mastodon["client_id"] = clients.basicRotating.id
    mastodon["refresh_token"] = seed
    delete mastodon["accounts"]
    const ws = await makeWorkspace()
    await ws.writeConfig(YAML.stringify(example))
    const env = { MASTODON_CLIENT_SECRET: clients.basicRotating.secret }
    const run = await ws.herald(["auth", "refresh", "mastodon", "--json"], { env })
    expect(run.code, describeRun(run)).toBe(0)
    expect(statusOf(reportOf(run), "mastodon").action).toBe("rotated")
    const stored = String((await ws.readConfig()).platforms!["mastodon"]!["refresh_token"])
    expect(stored).not.toBe(seed)
    expect(await idp.isLive(stored)).toBe(true)
    const again = await ws.herald(["auth", "refresh", "mastodon", "--json"], { env })
    expect(statusOf(reportOf(again), "mastodon").action, describeRun(again)).toBe("rotated")
    noLeaks(run, [seed, stored])

    // doctor: the derived names, every secret found, every endpoint answering
    const doctor = await ws.herald(["doctor", "--json"], { env })
    expect(doctor.code, describeRun(doctor)).toBe(0)
    const found = JSON.parse(doctor.stdout) as {
      connections: Array<{ secrets: Array<{ key: string; source: string; name: string }> }>
      problems: Array<string>
    }
    expect(found.problems).toEqual([])
    expect(found.connections[0]!.secrets.find((x) => x.key === "client_secret")).toMatchObject({
      source: "env",
      name: "MASTODON_CLIENT_SECRET"
    })
    noLeaks(doctor, [seed, stored])
  })

  it("auth set stores a generic provider's secrets from stdin; the next refresh uses them", async () => {
    const ws = await makeWorkspace()
    await ws.writeConfig(configOf([
      [
        "  idp-set:",
        "    type: oauth2",
        "    client_auth: client_secret_post",
        `    client_id: ${clients.postRotating.id}`,
        `    endpoints: { token: "${idp.tokenUrl}" }`
      ].join("\n")
    ]))
    const seed = await idp.issueRefreshToken(clients.postRotating)
    const set = await ws.herald(["auth", "set", "idp-set"], {
      stdin: `client_secret=${clients.postRotating.secret}\nrefresh_token=${seed}\n`
    })
    expect(set.code, describeRun(set)).toBe(0)
    const run = await ws.herald(["auth", "refresh", "idp-set", "--json"])
    expect(run.code, describeRun(run)).toBe(0)
    expect(statusOf(reportOf(run), "idp-set").action).toBe("rotated")
    noLeaks(set, [seed, clients.postRotating.secret])
    noLeaks(run, [seed, clients.postRotating.secret])
  })
})
