/**
 * `herald auth verify` against the loopback fakes' health routes: each platform's current
 * token is ok (200), expired or invalid (401 and kin), or could not be checked.
 */
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { afterAll, beforeAll } from "vitest"
import { startInstagramFake, type InstagramFake, INSTAGRAM_ME_PATH } from "../../sandbox/fakes/instagram.js"
import { LINKEDIN_INTROSPECT_PATH, LINKEDIN_USERINFO_PATH, type LinkedInFake, startLinkedInFake } from "../../sandbox/fakes/linkedin.js"
import { DAY } from "../../sandbox/fakes/server.js"
import { startTikTokFake, type TikTokFake, TIKTOK_USER_INFO_PATH } from "../../sandbox/fakes/tiktok.js"
import { startXFake, X_ME_PATH, type XFake } from "../../sandbox/fakes/x.js"
import { startYouTubeFake, YOUTUBE_TOKEN_PATH, YOUTUBE_TOKENINFO_PATH, type YouTubeFake } from "../../sandbox/fakes/youtube.js"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { renderVerifyTable } from "../../src/cli/renderVerify.js"
import * as ConfigFile from "../../src/layers/config/ConfigFile.js"
import * as KeychainMemory from "../../src/layers/keychain/Memory.js"
import { SecretsLive } from "../../src/layers/secrets/SecretsLive.js"
import { RefreshersLive } from "../../src/platforms/refreshers.js"
import { verifyAll } from "../../src/programs/verify.js"
import * as NodeHttp from "../../src/http/NodeHttp.js"

let x: XFake
let tiktok: TikTokFake
let instagram: InstagramFake
let linkedin: LinkedInFake
let youtube: YouTubeFake

beforeAll(async () => {
  ;[x, tiktok, instagram, linkedin, youtube] = await Promise.all([
    startXFake({ clientId: "x-id", clientSecret: "x-secret" }),
    startTikTokFake({ clientKey: "tk", clientSecret: "ts" }),
    startInstagramFake(),
    startLinkedInFake({ clientId: "li-id", clientSecret: "li-secret" }),
    startYouTubeFake({ clientId: "yt-id", clientSecret: "yt-secret" })
  ])
})
afterAll(async () => {
  await Promise.all([x, tiktok, instagram, linkedin, youtube].map((f) => f?.close()))
})

const past = "2020-01-01T00:00:00Z"

const configFor = (): HeraldConfig => {
  const soon = Math.floor(Date.now() / 1000) + 30 * 86_400
  linkedin.addAccessToken("sentinel-li-live", soon)
  linkedin.addAccessToken("sentinel-li-expired", soon, "expired")
  linkedin.addAccessToken("sentinel-li-revoked", soon, "revoked")
  youtube.issueRefreshToken("sentinel-yt-live")
  youtube.issueRefreshToken("sentinel-yt-revoked")
  youtube.revoke("sentinel-yt-revoked")
  return {
    platforms: {
      x: {
        endpoints: { health: x.url(X_ME_PATH) },
        access_token: x.issueAccessToken("sentinel-x-live"),
        accounts: {
          refused: { access_token: "sentinel-x-unknown" },
          stale: { access_token: "sentinel-x-stale", access_token_expires_at: past },
          empty: {}
        }
      },
      tiktok: {
        endpoints: { health: tiktok.url(TIKTOK_USER_INFO_PATH) },
        access_token: tiktok.issueAccessToken("sentinel-tt-live"),
        accounts: { refused: { access_token: "sentinel-tt-unknown" } }
      },
      instagram: {
        endpoints: { health: instagram.url(INSTAGRAM_ME_PATH) },
        access_token: instagram.issueToken("sentinel-ig-live"),
        accounts: { old: { access_token: instagram.issueToken("sentinel-ig-old", { issuedAt: Date.now() - 61 * DAY }) } }
      },
      linkedin: {
        endpoints: { health: linkedin.url(LINKEDIN_USERINFO_PATH), introspect: linkedin.url(LINKEDIN_INTROSPECT_PATH) },
        access_token: "sentinel-li-live",
        accounts: {
          expired: { access_token: "sentinel-li-expired" },
          revoked: { access_token: "sentinel-li-revoked", client_id: "li-id", client_secret: "li-secret" }
        }
      },
      youtube: {
        endpoints: { token: youtube.url(YOUTUBE_TOKEN_PATH), health: youtube.url(YOUTUBE_TOKENINFO_PATH) },
        client_id: "yt-id",
        client_secret: "yt-secret",
        refresh_token: "sentinel-yt-live",
        accounts: { revoked: { refresh_token: "sentinel-yt-revoked" } }
      }
    }
  }
}

const verify = (config: HeraldConfig, target?: string) =>
  verifyAll(target, { concurrency: 4 }).pipe(
    Effect.provide(
      Layer.mergeAll(RefreshersLive, SecretsLive).pipe(
        Layer.provideMerge(Layer.mergeAll(KeychainMemory.layer(), NodeHttp.layer, ConfigFile.fromValue(config), ScrubberRegistry.layer)),
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))
      )
    )
  )

describe("verifyAll against the fakes", () => {
  it.live("reports ok / expired / invalid / unavailable per connection, and counts what is not ok", () =>
    Effect.gen(function*() {
      const report = yield* verify(configFor())
      const byLabel = Object.fromEntries(
        report.statuses.map((s) => [s.account === "default" ? s.platform : `${s.platform}:${s.account}`, s.health])
      )
      assert.deepStrictEqual(byLabel, {
        instagram: "ok",
        "instagram:old": "expired",
        youtube: "ok",
        "youtube:revoked": "invalid",
        tiktok: "ok",
        "tiktok:refused": "invalid",
        linkedin: "ok",
        "linkedin:expired": "expired",
        "linkedin:revoked": "invalid",
        x: "ok",
        "x:refused": "invalid",
        "x:stale": "expired",
        "x:empty": "unavailable"
      })
      assert.strictEqual(report.attention, 8)
      const detail = (label: string) => report.statuses.find((s) => `${s.platform}:${s.account}` === label)!.detail
      assert.strictEqual(detail("x:default"), "X /2/users/me accepted the access token")
      assert.strictEqual(detail("x:refused"), "the access token was refused (HTTP 401: Unauthorized); run herald auth refresh x:refused")
      assert.strictEqual(detail("x:stale"), "the access token expired on 2020-01-01 (HTTP 401: Unauthorized); run herald auth refresh x:stale")
      assert.match(detail("x:empty"), /^nothing to check: access_token is not set \(tried X_EMPTY_ACCESS_TOKEN \(environment\)/)
      assert.match(detail("instagram:old"), /^the access token expired \(Graph error 190 subcode 463: .*\); run herald auth login instagram:old$/)
      assert.strictEqual(detail("linkedin:revoked"), "LinkedIn introspection reports the access token revoked; run herald auth login linkedin:revoked")
      assert.match(detail("youtube:revoked"), /^the refresh token was refused \(invalid_grant/)
      assert.notInclude(JSON.stringify(report) + renderVerifyTable(report), "sentinel")
      assert.include(renderVerifyTable(report), "8 of 13 connections have tokens that did not pass (marked !)")
    }))

  it.live("a health endpoint that keeps failing is unavailable, not invalid", () =>
    Effect.gen(function*() {
      const config = configFor()
      x.faults.push({ status: 503 }, { status: 503 })
      const report = yield* verify(config, "x:default")
      assert.strictEqual(report.statuses[0]!.health, "unavailable")
      assert.match(report.statuses[0]!.detail, /^could not check the access token: HTTP 503 \(after 2 attempts\)$/)
    }))
})
