/**
 * herald's own write-back credentials as connections (issue 17 item 4): the GitHub token's
 * expiry (GitHub-Authentication-Token-Expiration) and GITLAB_TOKEN's (`expires_at` of
 * /personal_access_tokens/self) are a status in the report and alert within
 * `auth.writeback.reauth_warn_days` (14), with what to do. Time is the TestClock's.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import type { HeraldConfig } from "../../src/domain/Config.js"
import * as GitHub from "../../src/layers/writeback/GitHub.js"
import * as GitLab from "../../src/layers/writeback/GitLab.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { WriteBack } from "../../src/services/WriteBack.js"
import { json, makeMemoryHttp } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"
import { CatalogLive } from "../../src/cli/AppLayer.js"

const githubBackend = (expiration: string | undefined) => {
  const http = makeMemoryHttp((req) =>
    req.url.pathname.endsWith("/secrets/public-key")
      ? json(200, { key_id: "1", key: "AAAA" }, expiration === undefined ? {} : { "github-authentication-token-expiration": expiration })
      : json(404, { message: "Not Found" })
  )
  return Layer.effect(WriteBack, GitHub.make({ apiUrl: "https://api.github.com", repository: "owner/blog", token: Redacted.make("SENTINEL-gh") })).pipe(
    Layer.provide(Layer.merge(http.layer, CatalogLive))
  )
}

const gitlabBackend = (expiresAt: string | null) => {
  const http = makeMemoryHttp((req) =>
    req.url.pathname.endsWith("/personal_access_tokens/self")
      ? json(200, { id: 1, scopes: ["api"], active: true, revoked: false, expires_at: expiresAt })
      : json(404, { message: "404 Not Found" })
  )
  return Layer.effect(WriteBack, GitLab.make({ apiUrl: "https://gitlab.example.com/api/v4", project: "group/blog", token: Redacted.make("SENTINEL-gl") })).pipe(
    Layer.provide(Layer.merge(http.layer, CatalogLive))
  )
}

const run = (backend: Layer.Layer<WriteBack>, config: HeraldConfig = {}, dryRun = false) => {
  const { layer, world } = makeWorld({ config, http: () => json(500, {}) })
  return refreshAll("all", { dryRun, concurrency: 1 }).pipe(
    Effect.provide(backend),
    Effect.provide(layer),
    Effect.map((report) => ({ report, world }))
  )
}

describe("herald's own CI credentials", () => {
  it.effect("a GitHub token 5 days from expiry: reauth-required, an alert naming it and what to do", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-12-02T12:00:00Z"))
      const { report, world } = yield* run(githubBackend("2026-12-07 19:07:53 UTC"))
      assert.strictEqual(report.attention, 1)
      const status = report.statuses[0]!
      assert.deepInclude(status, {
        platform: "github",
        account: "HERALD_GITHUB_TOKEN",
        action: "reauth-required",
        alert: true,
        expiresAt: "2026-12-07T19:07:53Z",
        reauthBy: "2026-12-07T19:07:53Z"
      })
      assert.include(status.detail, "HERALD_GITHUB_TOKEN expires in 5 days (2026-12-07)")
      assert.include(status.detail, "replace the HERALD_GITHUB_TOKEN secret")
      // the alert went out
      assert.strictEqual(world.notified.length, 1)
      assert.notInclude(JSON.stringify(report), "SENTINEL")
    }))

  it.effect("the same token 20 days out: reported, healthy, no alert; reauth_warn_days moves the line", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-11-17T12:00:00Z"))
      const calm = yield* run(githubBackend("2026-12-07 19:07:53 UTC"))
      assert.strictEqual(calm.report.attention, 0)
      assert.deepInclude(calm.report.statuses[0]!, { platform: "github", action: "healthy", alert: false })
      assert.include(calm.report.statuses[0]!.detail, "expires in 20 days")
      const early = yield* run(githubBackend("2026-12-07 19:07:53 UTC"), { auth: { writeback: { reauth_warn_days: 30 } } })
      assert.strictEqual(early.report.attention, 1)
      // time moves on: the same run a fortnight later alerts without any other change
      yield* TestClock.adjust("15 days")
      const later = yield* run(githubBackend("2026-12-07 19:07:53 UTC"))
      assert.strictEqual(later.report.attention, 1)
      assert.include(later.report.statuses[0]!.detail, "expires in 5 days")
    }))

  it.effect("a token with no expiry header (an app installation token, a classic token without expiry): no status", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-12-02T12:00:00Z"))
      const { report } = yield* run(githubBackend(undefined))
      assert.deepStrictEqual(report.statuses, [])
    }))

  it.effect("GITLAB_TOKEN expiring in 3 days alerts; a dry run (auth status) reports it too", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-12-02T12:00:00Z"))
      const { report } = yield* run(gitlabBackend("2026-12-06"))
      assert.deepInclude(report.statuses[0]!, {
        platform: "gitlab",
        account: "GITLAB_TOKEN",
        action: "reauth-required",
        alert: true,
        expiresAt: "2026-12-06T00:00:00Z"
      })
      assert.include(report.statuses[0]!.detail, "GITLAB_TOKEN expires in 3 days (2026-12-06)")
      assert.include(report.statuses[0]!.detail, "api scope and the Maintainer role")
      const dry = yield* run(gitlabBackend("2026-12-06"), {}, true)
      assert.strictEqual(dry.report.statuses[0]!.action, "reauth-required")
      assert.strictEqual(dry.world.notified.length, 0)
    }))

  it.effect("an expired GITLAB_TOKEN says so; one without expires_at is not reported", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-12-02T12:00:00Z"))
      const { report } = yield* run(gitlabBackend("2026-11-30"))
      assert.include(report.statuses[0]!.detail, "GITLAB_TOKEN expired on 2026-11-30")
      const never = yield* run(gitlabBackend(null))
      assert.deepStrictEqual(never.report.statuses, [])
    }))
})
