/**
 * The fakes' login half: a consent page that redirects with code + state (or an error),
 * and a token endpoint that redeems a code only with the right PKCE verifier, once.
 */
import { createHash } from "node:crypto"
import { afterEach, describe, expect, it } from "vitest"
import { startInstagramFake } from "../../sandbox/fakes/instagram.js"
import { startLinkedInFake } from "../../sandbox/fakes/linkedin.js"
import type { Fake } from "../../sandbox/fakes/server.js"
import { startTikTokFake } from "../../sandbox/fakes/tiktok.js"
import { startXFake } from "../../sandbox/fakes/x.js"
import { startYouTubeFake } from "../../sandbox/fakes/youtube.js"

const open: Array<Fake> = []
const track = <F extends Fake>(fake: F): F => {
  open.push(fake)
  return fake
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()))
})

const REDIRECT = "http://127.0.0.1:8765/callback"
const VERIFIER = "a-verifier-that-is-long-enough-to-satisfy-rfc-7636-rules-xyz"
const b64 = (v: string) => createHash("sha256").update(v).digest("base64url")
const hex = (v: string) => createHash("sha256").update(v).digest("hex")

/** The browser: GET the consent page, read where it redirects. */
const consent = async (url: string): Promise<{ status: number; location: URL | undefined; text: string }> => {
  const res = await fetch(url, { redirect: "manual" })
  const location = res.headers.get("location")
  return { status: res.status, location: location === null ? undefined : new URL(location), text: await res.text() }
}

const post = async (url: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { method: "POST", body: new URLSearchParams(form), headers })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const authorizeUrl = (base: string, params: Record<string, string>) => `${base}?${new URLSearchParams(params)}`

describe("TikTok fake login", () => {
  const start = () => startTikTokFake({ clientKey: "ck", clientSecret: "cs" }).then(track)
  const ask = (fake: Fake, challenge: string) =>
    consent(authorizeUrl(fake.url("/v2/auth/authorize/"), {
      client_key: "ck",
      response_type: "code",
      scope: "user.info.basic",
      redirect_uri: REDIRECT,
      state: "st",
      code_challenge: challenge,
      code_challenge_method: "S256"
    }))
  const redeem = (fake: Fake, code: string, verifier: string) =>
    post(fake.url("/v2/oauth/token/"), {
      client_key: "ck",
      client_secret: "cs",
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier
    })

  it("redirects with code and state; the hex challenge's verifier redeems it once, and the tokens then rotate", async () => {
    const fake = await start()
    const r = await ask(fake, hex(VERIFIER))
    expect(r.status).toBe(302)
    expect(r.location?.origin + r.location!.pathname).toBe(REDIRECT)
    expect(r.location?.searchParams.get("state")).toBe("st")
    const code = r.location!.searchParams.get("code")!
    const ok = await redeem(fake, code, VERIFIER)
    expect(ok.status).toBe(200)
    expect(ok.body).toMatchObject({ expires_in: 7200, refresh_expires_in: 15_552_000, token_type: "Bearer" })
    expect((await redeem(fake, code, VERIFIER)).body["error"]).toBe("invalid_grant")
    const rotated = await post(fake.url("/v2/oauth/token/"), {
      client_key: "ck",
      client_secret: "cs",
      grant_type: "refresh_token",
      refresh_token: String(ok.body["refresh_token"])
    })
    expect(rotated.status).toBe(200)
  })

  it("rejects a wrong verifier, and a base64url challenge (TikTok wants hex)", async () => {
    const fake = await start()
    const wrong = await ask(fake, hex(VERIFIER))
    const bad = await redeem(fake, wrong.location!.searchParams.get("code")!, `${VERIFIER}-not`)
    expect(bad.body).toMatchObject({ error: "invalid_grant", error_description: "Code verifier or code challenge is invalid." })
    const rfc = await ask(fake, b64(VERIFIER))
    expect((await redeem(fake, rfc.location!.searchParams.get("code")!, VERIFIER)).body["error"]).toBe("invalid_grant")
  })

  it("a denied consent redirects with error=access_denied and the state; no PKCE is an error page", async () => {
    const fake = await start()
    fake.consent = "deny"
    const r = await ask(fake, hex(VERIFIER))
    expect(r.location?.searchParams.get("error")).toBe("access_denied")
    expect(r.location?.searchParams.get("state")).toBe("st")
    expect(r.location?.searchParams.has("code")).toBe(false)
    const nopkce = await consent(authorizeUrl(fake.url("/v2/auth/authorize/"), { client_key: "ck", response_type: "code", redirect_uri: REDIRECT }))
    expect(nopkce.status).toBe(400)
    expect(nopkce.text).toContain("code_challenge")
  })
})

describe("X fake login", () => {
  it("issues a refresh token only when offline.access was granted; a confidential client needs Basic", async () => {
    const fake = await startXFake({ clientId: "xid", clientSecret: "xs" }).then(track)
    const basic = `Basic ${Buffer.from("xid:xs").toString("base64")}`
    const login = async (scope: string) => {
      const r = await consent(authorizeUrl(fake.url("/i/oauth2/authorize"), {
        client_id: "xid",
        response_type: "code",
        redirect_uri: REDIRECT,
        scope,
        state: "s",
        code_challenge: b64(VERIFIER),
        code_challenge_method: "S256"
      }))
      return r.location!.searchParams.get("code")!
    }
    const form = (code: string) => ({ grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: VERIFIER })
    const online = await post(fake.url("/2/oauth2/token"), form(await login("tweet.read users.read")), { authorization: basic })
    expect(online.status).toBe(200)
    expect(online.body["refresh_token"]).toBeUndefined()
    const code = await login("tweet.read offline.access")
    expect((await post(fake.url("/2/oauth2/token"), form(code))).status).toBe(401)
    const offline = await post(fake.url("/2/oauth2/token"), form(await login("tweet.read offline.access")), { authorization: basic })
    expect(typeof offline.body["refresh_token"]).toBe("string")
  })
})

describe("YouTube fake login", () => {
  it("a refresh token needs access_type=offline, and a second consent needs prompt=consent too", async () => {
    const fake = await startYouTubeFake({ clientId: "gid", clientSecret: "gs" }).then(track)
    const login = async (extra: Record<string, string>) => {
      const r = await consent(authorizeUrl(fake.url("/o/oauth2/v2/auth"), {
        client_id: "gid",
        response_type: "code",
        redirect_uri: REDIRECT,
        scope: "s",
        state: "st",
        code_challenge: b64(VERIFIER),
        code_challenge_method: "S256",
        ...extra
      }))
      return post(fake.url("/token"), {
        grant_type: "authorization_code",
        code: r.location!.searchParams.get("code")!,
        redirect_uri: REDIRECT,
        client_id: "gid",
        client_secret: "gs",
        code_verifier: VERIFIER
      })
    }
    expect((await login({})).body["refresh_token"]).toBeUndefined()
    expect(typeof (await login({ access_type: "offline" })).body["refresh_token"]).toBe("string")
    expect((await login({ access_type: "offline" })).body["refresh_token"]).toBeUndefined()
    expect(typeof (await login({ access_type: "offline", prompt: "consent" })).body["refresh_token"]).toBe("string")
  })
})

describe("LinkedIn fake login", () => {
  it("a cancelled consent says so in LinkedIn's words; an approved one gets a 60-day token", async () => {
    const fake = await startLinkedInFake({ clientId: "lid", clientSecret: "ls" }).then(track)
    const url = authorizeUrl(fake.url("/oauth/v2/authorization"), {
      client_id: "lid",
      response_type: "code",
      redirect_uri: REDIRECT,
      scope: "openid profile",
      state: "st"
    })
    fake.consent = "deny"
    const denied = await consent(url)
    expect(denied.location?.searchParams.get("error")).toBe("user_cancelled_authorize")
    fake.consent = "approve"
    const r = await consent(url)
    const ok = await post(fake.url("/oauth/v2/accessToken"), {
      grant_type: "authorization_code",
      code: r.location!.searchParams.get("code")!,
      redirect_uri: REDIRECT,
      client_id: "lid",
      client_secret: "ls"
    })
    expect(ok.body).toMatchObject({ expires_in: 5_184_000 })
    expect(ok.body["refresh_token"]).toBeUndefined()
    expect(fake.introspect(String(ok.body["access_token"]))).toMatchObject({ active: true })
  })
})

describe("Instagram fake login", () => {
  it("code → short-lived → long-lived, the redirect carrying #_; the app secret is checked", async () => {
    const fake = await startInstagramFake({ clientId: "igid", appSecret: "igs" }).then(track)
    const r = await consent(authorizeUrl(fake.url("/oauth/authorize"), {
      client_id: "igid",
      response_type: "code",
      redirect_uri: REDIRECT,
      scope: "instagram_business_basic",
      state: "st"
    }))
    expect(r.location?.hash).toBe("#_")
    const short = await post(fake.url("/oauth/access_token"), {
      client_id: "igid",
      client_secret: "igs",
      grant_type: "authorization_code",
      redirect_uri: REDIRECT,
      code: r.location!.searchParams.get("code")!
    })
    const shortToken = (short.body["data"] as Array<Record<string, string>>)[0]!["access_token"]!
    const exchange = (secret: string) =>
      fetch(fake.url(`/access_token?grant_type=ig_exchange_token&client_secret=${secret}&access_token=${shortToken}`))
        .then(async (res) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> }))
    expect((await exchange("wrong")).status).toBe(400)
    const long = await exchange("igs")
    expect(long.body).toMatchObject({ token_type: "bearer", expires_in: 5_184_000 })
    expect(fake.liveTokens()).toEqual([long.body["access_token"]])
  })
})
