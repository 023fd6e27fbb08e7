/**
 * The loopback fakes behave like the platforms (PROVIDERS.md §1–5, "Fake notes"), including
 * the failure modes herald must survive. Plain fetch against each fake.
 */
import { afterEach, describe, expect, it } from "vitest"
import { startInstagramFake } from "../../sandbox/fakes/instagram.js"
import { startLinkedInFake } from "../../sandbox/fakes/linkedin.js"
import { DAY, type Fake, HOUR, manualClock, serveModel } from "../../sandbox/fakes/server.js"
import { startTikTokFake } from "../../sandbox/fakes/tiktok.js"
import { startXFake } from "../../sandbox/fakes/x.js"
import { startYouTubeFake } from "../../sandbox/fakes/youtube.js"
import { startSandbox } from "../../sandbox/index.js"
import * as OAuth2 from "../../src/platforms/oauth2/model.js"

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  // JSON bodies are read field by field in assertions
  readonly body: Record<string, unknown>
}

const read = async (res: Response): Promise<Answer> => {
  const text = await res.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = {}
  }
  return { status: res.status, headers: res.headers, text, body }
}

const post = async (url: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
  read(await fetch(url, { method: "POST", body: new URLSearchParams(fields), headers }))

const get = async (url: string, headers: Record<string, string> = {}) => read(await fetch(url, { headers }))

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`

const open: Array<Fake> = []
const track = <F extends Fake>(fake: F): F => {
  open.push(fake)
  return fake
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()))
})

describe("TikTok fake", () => {
  const start = (extra: { oauthErrorStatus?: 200 | 400 } = {}) =>
    startTikTokFake({ clientKey: "ck", clientSecret: "cs", ...extra }).then(track)
  const refresh = (url: string, token: string, more: Record<string, string> = {}) =>
    post(url, { client_key: "ck", client_secret: "cs", grant_type: "refresh_token", refresh_token: token, ...more })

  it("rotates on every refresh and kills the old refresh token at once", async () => {
    const fake = await start()
    const old = fake.issueRefreshToken("rft-1")
    const ok = await refresh(fake.url("/v2/oauth/token/"), old)
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ expires_in: 7200, refresh_expires_in: 15_552_000, token_type: "Bearer" })
    expect(String(ok.body["scope"])).toContain(",")
    expect(typeof ok.body["open_id"]).toBe("string")
    const next = String(ok.body["refresh_token"])
    expect(next).not.toBe(old)
    expect(fake.currentRefreshToken()).toBe(next)
    expect(fake.liveRefreshTokens()).toEqual([next])

    const replay = await refresh(fake.url("/v2/oauth/token/"), old)
    expect(replay.status).toBe(400)
    expect(replay.body["error"]).toBe("invalid_grant")
    expect(typeof replay.body["log_id"]).toBe("string")
    expect((await refresh(fake.url("/v2/oauth/token/"), next)).status).toBe(200)
    expect(fake.counters.rotations).toBe(2)
    expect(fake.requests[0]?.form).toMatchObject({ client_key: "ck", refresh_token: "rft-1" })
  })

  it("wants client_key (not client_id) and the right secret; errors may come with HTTP 200", async () => {
    const fake = await start({ oauthErrorStatus: 200 })
    const t = fake.issueRefreshToken()
    const withId = await post(fake.url("/v2/oauth/token/"), {
      client_id: "ck",
      client_secret: "cs",
      grant_type: "refresh_token",
      refresh_token: t
    })
    expect(withId.status).toBe(200)
    expect(withId.body["error"]).toBe("invalid_request")
    const wrongSecret = await refresh(fake.url("/v2/oauth/token/"), t, { client_secret: "nope" })
    expect(wrongSecret.body["error"]).toBe("invalid_client")
    expect(fake.currentRefreshToken()).toBe(t) // nothing rotated
    fake.oauthErrorStatus = 400
    expect((await refresh(fake.url("/v2/oauth/token/"), "unknown")).status).toBe(400)
    expect((await refresh(fake.url("/v2/oauth/token"), t)).status).toBe(404) // the trailing slash matters
  })

  it("answers user/info with the error.code envelope", async () => {
    const fake = await start()
    const access = fake.issueAccessToken("act-1")
    const ok = await get(fake.url("/v2/user/info/?fields=open_id,display_name"), { authorization: `Bearer ${access}` })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ data: { user: { open_id: expect.any(String) } }, error: { code: "ok", message: "" } })
    const bad = await get(fake.url("/v2/user/info/"), { authorization: "Bearer nope" })
    expect(bad.status).toBe(401)
    expect(bad.body).toMatchObject({ error: { code: "access_token_invalid" } })
  })
})

describe("X fake", () => {
  it("confidential: requires HTTP Basic, rotates single-use tokens, lower-case bearer, rate-limit headers", async () => {
    const fake = track(await startXFake({ clientId: "xid", clientSecret: "xsecret", confidential: true }))
    const t = fake.issueRefreshToken("x-rft-1")
    const url = fake.url("/2/oauth2/token")
    const noBasic = await post(url, { grant_type: "refresh_token", refresh_token: t, client_id: "xid" })
    expect(noBasic.status).toBe(401)
    expect(noBasic.body).toEqual({ error: "unauthorized_client", error_description: "Missing valid authorization header" })
    const wrong = await post(url, { grant_type: "refresh_token", refresh_token: t }, { authorization: basic("xid", "x") })
    expect(wrong.status).toBe(401)

    const ok = await post(url, { grant_type: "refresh_token", refresh_token: t }, { authorization: basic("xid", "xsecret") })
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ token_type: "bearer", expires_in: 7200 })
    expect(String(ok.body["scope"]).split(" ")).toContain("offline.access")
    expect(ok.headers.get("x-rate-limit-limit")).not.toBeNull()
    expect(ok.headers.get("x-rate-limit-remaining")).not.toBeNull()
    expect(ok.headers.get("x-rate-limit-reset")).not.toBeNull()

    const spent = await post(url, { grant_type: "refresh_token", refresh_token: t }, { authorization: basic("xid", "xsecret") })
    expect(spent.status).toBe(400)
    expect(spent.body).toEqual({ error: "invalid_request", error_description: "Value passed for the token was invalid." })
    expect(fake.currentRefreshToken()).toBe(ok.body["refresh_token"])

    const me = await get(fake.url("/2/users/me"), { authorization: `Bearer ${String(ok.body["access_token"])}` })
    expect(me.status).toBe(200)
    expect(me.body["data"]).toMatchObject({ id: expect.any(String), name: expect.any(String), username: expect.any(String) })
    expect((await get(fake.url("/2/users/me"), { authorization: "Bearer nope" })).status).toBe(401)
  })

  it("public: client_id in the body", async () => {
    const fake = track(await startXFake({ clientId: "xid", confidential: false }))
    const t = fake.issueRefreshToken()
    const url = fake.url("/2/oauth2/token")
    expect((await post(url, { grant_type: "refresh_token", refresh_token: t })).status).toBe(400)
    const ok = await post(url, { grant_type: "refresh_token", refresh_token: t, client_id: "xid" })
    expect(ok.status).toBe(200)
    expect(fake.counters.rotations).toBe(1)
  })
})

describe("Instagram fake", () => {
  const refreshUrl = (fake: Fake, token: string) =>
    fake.url(`/refresh_access_token?grant_type=ig_refresh_token&access_token=${encodeURIComponent(token)}`)

  it("refreshes a 30-day-old token with GET only, giving 60 days and a new string", async () => {
    const clock = manualClock()
    const fake = track(await startInstagramFake({ now: clock.now }))
    const t = fake.issueToken("ig-1", { issuedAt: clock.now() - 30 * DAY })
    const viaPost = await read(await fetch(refreshUrl(fake, t), { method: "POST" }))
    expect(viaPost.status).toBe(400)
    expect(viaPost.body["error"]).toMatchObject({ type: "OAuthException", message: "Unsupported request - method type: post" })

    const ok = await get(refreshUrl(fake, t))
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ token_type: "bearer", expires_in: 5_184_000 })
    expect(ok.body["access_token"]).not.toBe(t)
    expect(fake.currentToken()).toBe(ok.body["access_token"])
    const old = await get(refreshUrl(fake, t))
    expect(old.body["error"]).toMatchObject({ code: 190 })
    const me = await get(fake.url(`/me?fields=user_id,username&access_token=${String(ok.body["access_token"])}`))
    expect(me.body).toMatchObject({ username: expect.any(String) })
  })

  it("refuses tokens younger than 24 h, and expired or unknown ones with 190/463", async () => {
    const clock = manualClock()
    const fake = track(await startInstagramFake({ now: clock.now, rotateString: false }))
    const young = fake.issueToken("ig-young", { issuedAt: clock.now() - HOUR })
    const tooNew = await get(refreshUrl(fake, young))
    expect(tooNew.status).toBe(400)
    expect(tooNew.body["error"]).toMatchObject({ type: "OAuthException", code: 100 })
    expect(String((tooNew.body["error"] as Record<string, unknown>)["message"])).toMatch(/too new/)
    clock.advance(24 * HOUR)
    const ok = await get(refreshUrl(fake, young))
    expect(ok.status).toBe(200)
    expect(ok.body["access_token"]).toBe(young) // rotateString: false keeps the string
    expect((await get(refreshUrl(fake, young))).status).toBe(400) // just refreshed: too new again

    const stale = fake.issueToken("ig-stale", { issuedAt: clock.now() - 61 * DAY })
    for (const t of [stale, "never-issued"]) {
      const dead = await get(refreshUrl(fake, t))
      expect(dead.status).toBe(400)
      expect(dead.body["error"]).toMatchObject({ type: "OAuthException", code: 190, error_subcode: 463 })
      expect(String((dead.body["error"] as Record<string, unknown>)["message"])).toMatch(/^Error validating access token: Session has expired/)
    }
  })
})

describe("YouTube (Google) fake", () => {
  const start = (extra: { testingMode?: boolean; now?: () => number } = {}) =>
    startYouTubeFake({ clientId: "gid", clientSecret: "gsecret", ...extra }).then(track)
  const refresh = (fake: Fake, token: string, secret = "gsecret") =>
    post(fake.url("/token"), { grant_type: "refresh_token", client_id: "gid", client_secret: secret, refresh_token: token })

  it("mints access tokens without a new refresh token; revoked tokens answer invalid_grant", async () => {
    const fake = await start()
    const t = fake.issueRefreshToken("g-rt")
    const ok = await refresh(fake, t)
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ expires_in: 3599, token_type: "Bearer" })
    expect(ok.body).not.toHaveProperty("refresh_token")
    const info = await get(fake.url(`/tokeninfo?access_token=${String(ok.body["access_token"])}`))
    expect(info.status).toBe(200)
    expect(info.body).toMatchObject({ aud: "gid", scope: expect.any(String), exp: expect.any(String), expires_in: expect.any(String) })
    expect((await get(fake.url("/tokeninfo?access_token=nope"))).body).toMatchObject({ error: "invalid_token" })

    fake.revoke(t)
    const dead = await refresh(fake, t)
    expect(dead.status).toBe(400)
    expect(dead.body).toEqual({ error: "invalid_grant", error_description: "Token has been expired or revoked." })
    const t2 = fake.issueRefreshToken()
    fake.revoke(t2, { description: "Bad Request" })
    expect((await refresh(fake, t2)).body).toEqual({ error: "invalid_grant", error_description: "Bad Request" })
    const badClient = await refresh(fake, fake.issueRefreshToken(), "wrong")
    expect(badClient.status).toBe(401)
    expect(badClient.body["error"]).toBe("invalid_client")
  })

  it("testing mode: the refresh token dies 7 days after issue, refreshes or not", async () => {
    const clock = manualClock()
    const fake = await start({ testingMode: true, now: clock.now })
    const t = fake.issueRefreshToken()
    clock.advance(6 * DAY)
    expect((await refresh(fake, t)).status).toBe(200)
    clock.advance(DAY)
    const dead = await refresh(fake, t)
    expect(dead.status).toBe(400)
    expect(dead.body["error"]).toBe("invalid_grant")
  })
})

describe("LinkedIn fake", () => {
  const start = (extra: { deadTokenError?: "invalid_request" | "invalid_grant"; now?: () => number } = {}) =>
    startLinkedInFake({ clientId: "lid", clientSecret: "lsecret", ...extra }).then(track)
  const refresh = (fake: Fake, token: string) =>
    post(fake.url("/oauth/v2/accessToken"), {
      grant_type: "refresh_token",
      client_id: "lid",
      client_secret: "lsecret",
      refresh_token: token
    })

  it("gives back the same refresh token with a fixed absolute expiry", async () => {
    const clock = manualClock()
    const fake = await start({ now: clock.now })
    const t = fake.issueRefreshToken("li-rt", { expiresAt: clock.now() + 300 * DAY })
    const first = await refresh(fake, t)
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ refresh_token: t, expires_in: 5_184_000, refresh_token_expires_in: 300 * 86_400 })
    clock.advance(10 * DAY)
    const second = await refresh(fake, t)
    expect(second.body).toMatchObject({ refresh_token: t, refresh_token_expires_in: 290 * 86_400 })
    expect(second.body["access_token"]).not.toBe(first.body["access_token"])
    expect(fake.counters.rotations).toBe(0)
  })

  it("answers dead tokens with invalid_request (or invalid_grant), and names a missing parameter", async () => {
    const fake = await start()
    const dead = await refresh(fake, "unknown")
    expect(dead.status).toBe(400)
    expect(dead.body).toEqual({
      error: "invalid_request",
      error_description: "The provided authorization grant or refresh token is invalid, expired or revoked"
    })
    const missing = await post(fake.url("/oauth/v2/accessToken"), { grant_type: "refresh_token", client_id: "lid", client_secret: "lsecret" })
    expect(missing.body).toEqual({ error: "invalid_request", error_description: 'A required parameter "refresh_token" is missing' })
    const grantFake = await start({ deadTokenError: "invalid_grant" })
    expect((await refresh(grantFake, "unknown")).body["error"]).toBe("invalid_grant")
  })

  it("introspects access tokens: active, revoked, expired", async () => {
    const clock = manualClock()
    const fake = await start({ now: clock.now })
    const expiresAt = Math.floor(clock.now() / 1000) + 9 * 86_400
    fake.addAccessToken("li-at", expiresAt)
    fake.addAccessToken("li-revoked", expiresAt, "revoked")
    const introspect = (token: string, secret = "lsecret") =>
      post(fake.url("/oauth/v2/introspectToken"), { client_id: "lid", client_secret: secret, token })
    const active = await introspect("li-at")
    expect(active.body).toMatchObject({ active: true, status: "active", client_id: "lid", expires_at: expiresAt, auth_type: "3L" })
    expect(active.body).toHaveProperty("created_at")
    expect(active.body).toHaveProperty("authorized_at")
    expect((await introspect("li-revoked")).body).toMatchObject({ active: false, status: "revoked" })
    expect((await introspect("li-at", "wrong")).status).toBe(401)
    clock.advance(10 * DAY)
    expect((await introspect("li-at")).body).toMatchObject({ active: false, status: "expired" })
    expect((await get(fake.url("/v2/userinfo"), { authorization: "Bearer li-at" })).status).toBe(401)
  })
})

describe("fault queue and latency", () => {
  it("plays scripted faults in order, then behaves again", async () => {
    const fake = track(await startTikTokFake({ clientKey: "ck", clientSecret: "cs" }))
    const access = fake.issueAccessToken()
    const info = fake.url("/v2/user/info/")
    const auth = { authorization: `Bearer ${access}` }
    fake.faults.push(
      { status: 503 },
      { status: 503 },
      { status: 429, headers: { "retry-after": "1" } },
      { html: true },
      { body: { error: "server_error" }, status: 200 }
    )
    expect((await get(info, auth)).status).toBe(503)
    expect((await get(info, auth)).status).toBe(503)
    const limited = await get(info, auth)
    expect(limited.status).toBe(429)
    expect(limited.headers.get("retry-after")).toBe("1")
    const html = await get(info, auth)
    expect(html.status).toBe(200)
    expect(html.headers.get("content-type")).toMatch(/text\/html/)
    expect(html.text).toMatch(/^<!DOCTYPE html>/)
    expect((await get(info, auth)).body).toEqual({ error: "server_error" })
    expect((await get(info, auth)).status).toBe(200)
    expect(fake.counters.faulted).toBe(5)
    expect(fake.requests.map((r) => r.outcome)).toEqual([503, 503, 429, 200, 200, 200])
  })

  it("resets the connection, hangs, and only consumes path-scoped faults on that path", async () => {
    const fake = track(await startXFake({ clientId: "xid", confidential: false }))
    fake.faults.push({ reset: true })
    await expect(fetch(fake.url("/2/users/me"))).rejects.toThrow()
    fake.faults.push({ hangMs: 10_000 })
    await expect(fetch(fake.url("/2/users/me"), { signal: AbortSignal.timeout(100) })).rejects.toThrow()
    fake.faults.push({ path: "/2/oauth2/token", status: 500 })
    expect((await get(fake.url("/2/users/me"))).status).toBe(401) // passes the token fault by
    expect((await post(fake.url("/2/oauth2/token"), {})).status).toBe(500)
    expect(fake.requests.map((r) => r.outcome).slice(0, 2)).toEqual(["reset", "pending"])
  })

  it("waits latencyMs before answering", async () => {
    const fake = track(await startYouTubeFake({ clientId: "gid", clientSecret: "gs", latencyMs: 150 }))
    const started = performance.now()
    await get(fake.url("/tokeninfo?access_token=x"))
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    fake.latencyMs = 0
    const again = performance.now()
    await get(fake.url("/tokeninfo?access_token=x"))
    expect(performance.now() - again).toBeLessThan(140)
  })
})

describe("a platform served from its model alone (serveModel): a standard OAuth 2.0 server", () => {
  const encoded = (id: string, secret: string) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id).replace(/%20/g, "+")}:${encodeURIComponent(secret)}`).toString("base64")}`
  const SECRET = "s3cr+t/=%:x-pässwörd€"

  it("takes only form-encoded Basic credentials, and never Basic beside a body secret (RFC 6749 §2.3.1)", async () => {
    const fake = track(await serveModel(OAuth2.model, { clientId: "my client", clientSecret: SECRET }))
    const rt = fake.issueRefreshToken()
    const grant = { grant_type: "refresh_token", refresh_token: rt }
    const raw = await post(fake.url("/token"), grant, { authorization: `Basic ${Buffer.from(`my client:${SECRET}`).toString("base64")}` })
    expect(raw.status).toBe(400)
    expect(raw.body).toMatchObject({ error: "invalid_request" })
    const both = await post(fake.url("/token"), { ...grant, client_secret: SECRET }, { authorization: encoded("my client", SECRET) })
    expect(both.body["error"]).toBe("invalid_request")
    const wrong = await post(fake.url("/token"), grant, { authorization: encoded("my client", "nope") })
    expect([wrong.status, wrong.body["error"]]).toEqual([401, "invalid_client"])
    expect(fake.counters.refreshes).toBe(0)
    const ok = await post(fake.url("/token"), grant, { authorization: encoded("my client", SECRET) })
    expect(ok.status).toBe(200)
    expect(fake.counters.rotations).toBe(1)
  })

  it("rotates, and a rotated-away refresh token presented again revokes the whole grant (RFC 9700 §4.14)", async () => {
    const fake = track(await serveModel(OAuth2.model, { clientId: "pub", clientAuth: "none" }))
    const old = fake.issueRefreshToken()
    const refresh = (token: string) => post(fake.url("/token"), { grant_type: "refresh_token", refresh_token: token, client_id: "pub" })
    const first = await refresh(old)
    const next = String(first.body["refresh_token"])
    expect(next).not.toBe(old)
    expect((await refresh(old)).body["error"]).toBe("invalid_grant")
    expect((await refresh(next)).body["error"]).toBe("invalid_grant")
    expect(fake.liveRefreshTokens()).toEqual([])
  })

  it("echoes or omits the refresh token when told to, leaves expires_in out when told to, and introspects with exp", async () => {
    const fake = track(await serveModel(OAuth2.model, { clientId: "c", clientSecret: "s", clientAuth: "client_secret_post", refreshAnswer: "same" }))
    const rt = fake.issueRefreshToken()
    const grant = { grant_type: "refresh_token", refresh_token: rt, client_id: "c", client_secret: "s" }
    const echoed = await post(fake.url("/token"), grant)
    expect(echoed.body["refresh_token"]).toBe(rt)
    expect(fake.counters.rotations).toBe(0)
    fake.state.refreshAnswer = "none"
    fake.state.omitExpiresIn = true
    const bare = await post(fake.url("/token"), grant)
    expect(bare.body).not.toHaveProperty("refresh_token")
    expect(bare.body).not.toHaveProperty("expires_in")
    const at = String(bare.body["access_token"])
    const info = await post(fake.url("/introspect"), { token: at, client_id: "c", client_secret: "s" })
    expect(info.body).toMatchObject({ active: true })
    expect(Number(info.body["exp"]) * 1000).toBeGreaterThan(Date.now())
    expect((await get(fake.url("/userinfo"), { authorization: `Bearer ${at}` })).status).toBe(200)
    expect((await get(fake.url(`/userinfo?access_token=${at}`))).status).toBe(400)
  })
})

describe("sandbox", () => {
  it("starts five seeded fakes and writes a config that points at them", async () => {
    const sb = await startSandbox()
    try {
      const yaml = sb.configYaml()
      expect(yaml).toContain(`token: "${sb.endpoints.tiktok.token}"`)
      expect(sb.endpoints.tiktok.token).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v2\/oauth\/token\/$/)
      expect(yaml).toContain('refresh_token: "sandbox-tiktok-refresh-1"')
      expect(yaml).toContain("client_key:")
      expect(yaml).toContain("refresh_token_expires_at:")
      const li = await post(sb.endpoints.linkedin.introspect, {
        client_id: String(sb.seeds.linkedin["client_id"]),
        client_secret: String(sb.seeds.linkedin["client_secret"]),
        token: String(sb.seeds.linkedin["access_token"])
      })
      const daysLeft = (Number(li.body["expires_at"]) * 1000 - Date.now()) / 86_400_000
      expect(daysLeft).toBeGreaterThan(8.9)
      expect(daysLeft).toBeLessThan(9.1)
      const ig = await get(
        `${sb.endpoints.instagram.refresh}?grant_type=ig_refresh_token&access_token=${String(sb.seeds.instagram["access_token"])}`
      )
      expect(ig.status).toBe(200)
    } finally {
      await sb.close()
    }
  })

  it("gives X the rate limit it is asked for (a bench of thousands of X connections); 500 by default", async () => {
    const limited = async (options: Parameters<typeof startSandbox>[0], calls: number) => {
      const sb = await startSandbox(options)
      try {
        const statuses: Array<number> = []
        for (let i = 0; i < calls; i++) statuses.push((await get(sb.endpoints.x.health, { authorization: "Bearer nobody" })).status)
        return { statuses, limit: (await get(sb.endpoints.x.health)).headers.get("x-rate-limit-limit") }
      } finally {
        await sb.close()
      }
    }
    const three = await limited({ xRateLimit: 3 }, 4)
    expect(three.statuses.filter((s) => s === 429)).toHaveLength(1)
    expect(three.statuses[3]).toBe(429)
    expect(three.limit).toBe("3")
    expect((await limited({}, 1)).limit).toBe("500")
  })
})
