/**
 * The pure half of `herald auth login`: PKCE, the authorize URL each platform gets, the
 * verdict on a callback, and which connection (and config edits) a login or set targets.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import {
  authorizeUrl,
  checkCallback,
  cleanText,
  parseTimeout,
  redirectUriFor,
  resolveScopes
} from "../../../src/platforms/login/flow.js"
import { challengeOf } from "../../../src/platforms/oauth2/pkce.js"
import { loginSpecs } from "../../support/platforms.js"
import {
  connectionFor,
  disabledNote,
  isListed,
  parseLoginTarget,
  registrationEdits
} from "../../../src/platforms/login/target.js"

const query = (url: string) => Object.fromEntries(new URL(url).searchParams)

describe("PKCE", () => {
  it("S256 is BASE64URL(SHA256(verifier)): RFC 7636 appendix B", () => {
    assert.strictEqual(
      challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
  })

  it("TikTok's S256 is the hex rendering of the same hash", () => {
    const hex = challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "hex")
    assert.match(hex, /^[0-9a-f]{64}$/)
    assert.strictEqual(Buffer.from(hex, "hex").toString("base64url"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
  })
})

describe("the authorize URL", () => {
  const build = (platform: keyof typeof loginSpecs, challenge: Option.Option<string> = Option.some("CHAL")) => {
    const spec = loginSpecs[platform]
    return authorizeUrl(spec, {
      endpoint: spec.authorizeEndpoint,
      clientId: "app-1",
      redirectUri: redirectUriFor(8765),
      state: "st-1",
      scopes: resolveScopes(spec, Option.none()).scopes,
      challenge
    })
  }

  it("X: x.com, PKCE S256, space-separated scopes with offline.access", () => {
    const url = build("x")
    assert.isTrue(url.startsWith("https://x.com/i/oauth2/authorize?"))
    assert.include(url, "scope=tweet.read%20tweet.write%20users.read%20offline.access")
    assert.deepStrictEqual(query(url), {
      client_id: "app-1",
      response_type: "code",
      redirect_uri: "http://127.0.0.1:8765/callback",
      scope: "tweet.read tweet.write users.read offline.access",
      state: "st-1",
      code_challenge: "CHAL",
      code_challenge_method: "S256"
    })
  })

  it("TikTok: client_key (not client_id), comma-separated scopes, the v2 authorize page", () => {
    const url = build("tiktok")
    assert.isTrue(url.startsWith("https://www.tiktok.com/v2/auth/authorize/?"))
    const q = query(url)
    assert.strictEqual(q["client_key"], "app-1")
    assert.isUndefined(q["client_id"])
    assert.strictEqual(q["scope"], "user.info.basic,video.publish")
    assert.strictEqual(q["code_challenge_method"], "S256")
  })

  it("Google: access_type=offline and prompt=consent, so a refresh token is issued every time", () => {
    const q = query(build("youtube"))
    assert.strictEqual(q["access_type"], "offline")
    assert.strictEqual(q["prompt"], "consent")
    assert.strictEqual(q["code_challenge"], "CHAL")
    assert.include(q["scope"]!, "https://www.googleapis.com/auth/youtube.upload")
  })

  it("LinkedIn and Instagram: state but no PKCE", () => {
    const li = query(build("linkedin", Option.none()))
    assert.isUndefined(li["code_challenge"])
    assert.strictEqual(li["state"], "st-1")
    assert.strictEqual(li["scope"], "openid profile w_member_social")
    const ig = build("instagram", Option.none())
    assert.isTrue(ig.startsWith("https://www.instagram.com/oauth/authorize?"))
    assert.strictEqual(query(ig)["scope"], "instagram_business_basic,instagram_business_content_publish")
  })

  it("an overridden endpoint keeps its own query", () => {
    const spec = loginSpecs.x
    const url = authorizeUrl(spec, {
      endpoint: "http://127.0.0.1:9/authorize?tenant=a",
      clientId: "c",
      redirectUri: redirectUriFor(1),
      state: "s",
      scopes: ["a"],
      challenge: Option.none()
    })
    assert.strictEqual(query(url)["tenant"], "a")
    assert.strictEqual(query(url)["client_id"], "c")
  })

  it("X: --scopes without offline.access gets it added, and says so", () => {
    const r = resolveScopes(loginSpecs.x, Option.some("tweet.read,users.read"))
    assert.deepStrictEqual(r.scopes, ["tweet.read", "users.read", "offline.access"])
    assert.deepStrictEqual(r.added, ["offline.access"])
    assert.deepStrictEqual(resolveScopes(loginSpecs.tiktok, Option.some("a b,a")).scopes, ["a", "b"])
  })
})

describe("the callback", () => {
  const check = (q: string) => checkCallback("TikTok", new URLSearchParams(q), "good-state")

  it("a code with our state is accepted", () => {
    const r = check("code=abc&state=good-state")
    assert.isTrue(Either.isRight(r))
    assert.strictEqual(Redacted.value(Either.getOrThrow(r)), "abc")
  })

  it("a wrong or missing state is rejected, whatever else it carries", () => {
    for (const q of ["code=abc&state=other", "code=abc", "error=access_denied&state=other"]) {
      const r = check(q)
      assert.isTrue(Either.isLeft(r), q)
      assert.include(Either.getLeft(r).pipe(Option.getOrThrow), "state does not match")
    }
  })

  it("an error parameter is reported in the platform's words", () => {
    const denied = check("error=access_denied&error_description=The+user+denied+the+request&state=good-state")
    assert.strictEqual(
      Option.getOrThrow(Either.getLeft(denied)),
      "TikTok refused the authorisation (access_denied: The user denied the request); nothing was stored"
    )
    // Instagram words it as error_reason when there is no description
    assert.include(Option.getOrThrow(Either.getLeft(check("error=access_denied&error_reason=user_denied"))), "user_denied")
  })

  it("platform text cannot smuggle terminal escapes", () => {
    assert.strictEqual(cleanText("bad\u001b[31mred\u0007"), "bad [31mred")
  })

  it("Instagram's #_ suffix is not part of the code; an empty code is rejected", () => {
    assert.strictEqual(Redacted.value(Either.getOrThrow(check("code=xyz%23_&state=good-state"))), "xyz")
    assert.isTrue(Either.isLeft(check("code=&state=good-state")))
  })
})

describe("timeouts", () => {
  it("reads 90s, 5m, 2h, 500ms and bare seconds; rejects the rest", () => {
    assert.deepStrictEqual(
      ["90s", "5m", "2h", "500ms", "3"].map((t) => Option.getOrThrow(parseTimeout(t))),
      [90_000, 300_000, 7_200_000, 500, 3000]
    )
    assert.isTrue(Option.isNone(parseTimeout("soon")))
    assert.isTrue(Option.isNone(parseTimeout("0s")))
  })
})

describe("the target", () => {
  it("takes platform, platform:account and --account; rejects conflicts and unknown platforms", () => {
    assert.deepStrictEqual(Either.getOrThrow(parseLoginTarget("x", Option.none(), "login")), { platform: "x", account: "default" })
    assert.deepStrictEqual(Either.getOrThrow(parseLoginTarget("x:brand", Option.none(), "login")), {
      platform: "x",
      account: "brand"
    })
    assert.deepStrictEqual(Either.getOrThrow(parseLoginTarget("x", Option.some("brand"), "login")), {
      platform: "x",
      account: "brand"
    })
    assert.isTrue(Either.isLeft(parseLoginTarget("x:a", Option.some("b"), "login")))
    assert.isTrue(Either.isLeft(parseLoginTarget("myspace", Option.none(), "login")))
    assert.isTrue(Either.isLeft(parseLoginTarget("--bogus", Option.none(), "login")))
    assert.isTrue(Either.isLeft(parseLoginTarget("x", Option.some("no spaces"), "login")))
  })

  it("a platform missing from the config still yields its connection", () => {
    const c = connectionFor({}, "tiktok", "default")
    assert.deepStrictEqual(c.configPath, ["platforms", "tiktok"])
    assert.isFalse(isListed({}, c))
  })

  it("a new account inherits the platform's app ids and endpoints, never its tokens", () => {
    const config = {
      platforms: {
        x: { client_id: "cid", refresh_token: "rt-default", endpoints: { token: "http://127.0.0.1:1/t" } }
      }
    }
    const c = connectionFor(config, "x", "brand")
    assert.deepStrictEqual(c.configPath, ["platforms", "x", "accounts", "brand"])
    assert.strictEqual(c.settings.client_id, "cid")
    assert.strictEqual(c.settings.endpoints?.["token"], "http://127.0.0.1:1/t")
    assert.isUndefined(c.settings.refresh_token)
  })

  it("lists a new connection by its app id only when nothing else would", () => {
    const c = connectionFor({}, "youtube", "default")
    const id = Option.some({ key: "client_id" as const, value: "cid" })
    assert.deepStrictEqual(registrationEdits({}, c, id, false), [{ path: ["platforms", "youtube", "client_id"], value: "cid" }])
    assert.deepStrictEqual(registrationEdits({}, c, id, true), [])
    assert.deepStrictEqual(registrationEdits({ platforms: { youtube: null } }, c, id, false), [])
    // a platform the user switched off stays off, and is said to be
    const off = { platforms: { youtube: { enabled: false } } }
    assert.deepStrictEqual(registrationEdits(off, connectionFor(off, "youtube", "default"), id, false), [])
    assert.isTrue(Option.isSome(disabledNote(off, "youtube")))
  })
})
