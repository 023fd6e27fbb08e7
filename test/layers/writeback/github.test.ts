import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { ConfigError, PreflightFailed, WriteBackFailed } from "../../../src/domain/errors.js"
import * as GitHub from "../../../src/layers/writeback/GitHub.js"
import { answerOf } from "../../../src/http/exchange.js"
import type { RetryPolicy } from "../../../src/http/retry.js"
import { type GitHubFakeOptions, startGitHubFake } from "../../../sandbox/fakes/github.js"
import { connection } from "../../support/connections.js"
import * as NodeHttp from "../../../src/http/NodeHttp.js"
import { CatalogLive } from "../../../src/cli/AppLayer.js"
import * as Layer from "effect/Layer"

const TOKEN = "github_pat_SENTINEL_4f9c2e7d1a"
const NEW_REFRESH = "rft-SENTINEL-NEW-VALUE-0123456789"
const NEW_ACCESS = "act.SENTINEL-new-access-token-abcdefgh"

const tiktok = connection("tiktok")
const fast: RetryPolicy = { retries: 2, base: Duration.millis(5), maxRetryAfter: Duration.seconds(1) }

const fakeWith = (options: GitHubFakeOptions) =>
  Effect.acquireRelease(
    Effect.promise(() => startGitHubFake({ tokens: { [TOKEN]: { secrets: "write" } }, ...options })),
    (fake) => Effect.promise(() => fake.close())
  )

const backendFor = (url: string, extra: Partial<GitHub.Settings> = {}) =>
  GitHub.make({ apiUrl: url, repository: "owner/blog", token: Redacted.make(TOKEN), retry: fast, ...extra }).pipe(
    Effect.provide(Layer.merge(NodeHttp.layer, CatalogLive))
  )

const shown = (e: PreflightFailed | WriteBackFailed | ConfigError): string =>
  [e.message, String(e), JSON.stringify(e), "reason" in e ? e.reason : e.issues.join("\n")].join("\n")

const assertNoSecrets = (text: string) => {
  assert.notInclude(text, TOKEN)
  assert.notInclude(text, NEW_REFRESH)
  assert.notInclude(text, NEW_ACCESS)
  assert.notInclude(text, "SENTINEL")
}

const rotated = {
  secrets: { access_token: Redacted.make(NEW_ACCESS), refresh_token: Redacted.make(NEW_REFRESH) },
  metadata: {}
}

const both = { TIKTOK_REFRESH_TOKEN: "old-refresh", TIKTOK_ACCESS_TOKEN: "old-access" }

describe("GitHub write-back", () => {
  it.scopedLive("seals each value for the repository's key, updates existing secrets (204) and proves write access with a probe", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both })
      const backend = yield* backendFor(fake.url)
      yield* backend.preflight(tiktok, ["refresh_token", "access_token"])
      // the probe was written and deleted again
      assert.deepStrictEqual(fake.creates, [GitHub.PROBE_SECRET])
      assert.deepStrictEqual(fake.deletes, [GitHub.PROBE_SECRET])
      assert.isUndefined(fake.secret(GitHub.PROBE_SECRET))
      const persisted = yield* backend.persist(tiktok, rotated)
      // the fake opened the sealed boxes with its private key
      assert.strictEqual(fake.secret("TIKTOK_REFRESH_TOKEN"), NEW_REFRESH)
      assert.strictEqual(fake.secret("TIKTOK_ACCESS_TOKEN"), NEW_ACCESS)
      assert.strictEqual(persisted.storedIn, "github")
      assert.strictEqual(persisted.where, "GitHub Actions secrets TIKTOK_REFRESH_TOKEN, TIKTOK_ACCESS_TOKEN (repository owner/blog)")
      assert.deepStrictEqual(fake.creates, [GitHub.PROBE_SECRET])
      const puts = fake.requests.filter((r) => r.method === "PUT" && !r.path.includes(GitHub.PROBE_SECRET))
      assert.deepStrictEqual(puts.map((r) => r.status), [204, 204])
      for (const r of fake.requests) {
        assert.match(r.userAgent ?? "", /^herald\//)
        assert.strictEqual(r.accept, "application/vnd.github+json")
        assert.strictEqual(r.apiVersion, GitHub.API_VERSION)
        assert.strictEqual(r.auth, "Bearer")
      }
      for (const r of puts) assert.deepStrictEqual([...r.fields].sort(), ["encrypted_value", "key_id"])
    }))

  it.scopedLive("the probe is written once per run, however many connections are checked", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: { ...both, X_REFRESH_TOKEN: "x" } })
      const backend = yield* backendFor(fake.url)
      yield* Effect.all([
        backend.preflight(tiktok, ["refresh_token", "access_token"]),
        backend.preflight(connection("x"), ["refresh_token", "access_token"])
      ], { concurrency: 2 })
      assert.deepStrictEqual(fake.creates, [GitHub.PROBE_SECRET])
    }))

  it.scopedLive("environment secrets are sealed with the environment's own key; the repository's stay untouched", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both, environments: { production: { secrets: both } } })
      assert.notStrictEqual(fake.environment("production")!.publicKey, fake.repo.publicKey)
      const backend = yield* backendFor(fake.url, { environment: "production" })
      yield* backend.preflight(tiktok, ["refresh_token", "access_token"])
      const persisted = yield* backend.persist(tiktok, rotated)
      assert.strictEqual(fake.secret("TIKTOK_REFRESH_TOKEN", "production"), NEW_REFRESH)
      assert.strictEqual(fake.secret("TIKTOK_REFRESH_TOKEN"), "old-refresh")
      assert.include(persisted.where, "environment production of owner/blog")
      assert.deepStrictEqual(fake.creates, [`production/${GitHub.PROBE_SECRET}`])
    }))

  it.scopedLive("access-token secret absent: the rotation goes ahead, only the refresh token is written, the report names the other", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: { TIKTOK_REFRESH_TOKEN: "old-refresh" } })
      const backend = yield* backendFor(fake.url)
      yield* backend.preflight(tiktok, ["refresh_token", "access_token"])
      const persisted = yield* backend.persist(tiktok, rotated)
      assert.strictEqual(fake.secret("TIKTOK_REFRESH_TOKEN"), NEW_REFRESH)
      assert.isUndefined(fake.secret("TIKTOK_ACCESS_TOKEN"))
      assert.isTrue(persisted.warnings.some((w) => w.startsWith("TIKTOK_ACCESS_TOKEN not written")), persisted.warnings.join("\n"))
      // never created
      assert.deepStrictEqual(fake.creates, [GitHub.PROBE_SECRET])
      assertNoSecrets(persisted.where + persisted.warnings.join("\n"))
    }))

  it.scopedLive("refresh-token secret absent: the preflight fails naming it, and nothing is written", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: { TIKTOK_ACCESS_TOKEN: "old-access" } })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token", "access_token"]))
      assert.strictEqual(error._tag, "PreflightFailed")
      assert.strictEqual(
        error.reason,
        "GitHub Actions secret TIKTOK_REFRESH_TOKEN does not exist in repository owner/blog: create it (Settings → Secrets and variables → Actions) and run again"
      )
      assert.strictEqual(fake.count("PUT"), 0)
      assert.deepStrictEqual(fake.creates, [])
    }))

  it.scopedLive("persist never creates a secret that disappeared after the preflight", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: { TIKTOK_ACCESS_TOKEN: "old-access" } })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.persist(tiktok, rotated))
      assert.include(error.reason, "TIKTOK_REFRESH_TOKEN does not exist")
      assert.deepStrictEqual(fake.creates, [])
      assertNoSecrets(shown(error))
    }))

  it.scopedLive("401: the preflight fails naming the token variable and what it needs", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both, tokens: { other: { secrets: "write" } } })
      const backend = yield* backendFor(fake.url, { tokenFrom: "GH_TOKEN" })
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.include(error.reason, "GitHub refused GH_TOKEN (HTTP 401 Bad credentials)")
      assert.include(error.reason, `"Secrets: read and write"`)
      assertNoSecrets(shown(error))
    }))

  it.scopedLive("403, a token that may read but not write: the probe fails the preflight, nothing rotated", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both, tokens: { [TOKEN]: { secrets: "read" } } })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.include(error.reason, `HERALD_GITHUB_TOKEN cannot write Actions secrets in repository owner/blog (probe secret ${GitHub.PROBE_SECRET})`)
      assert.include(error.reason, "HTTP 403")
      assert.deepStrictEqual(fake.creates, [])
    }))

  it.scopedLive("403 from a workflow's GITHUB_TOKEN passed as HERALD_GITHUB_TOKEN says so", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both, tokens: { [TOKEN]: { secrets: "none" } } })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.include(error.reason, "the workflow's own GITHUB_TOKEN never can")
    }))

  it.scopedLive("404: an unknown repository is named with what to check", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both })
      const backend = yield* backendFor(fake.url, { repository: "owner/other" })
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.include(error.reason, "repository owner/other was not found, or HERALD_GITHUB_TOKEN cannot see it")
    }))

  it.scopedLive("422: GitHub's refusal is passed on, and a refresh token it refuses fails the write-back", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both })
      fake.fail({ method: "PUT", name: "TIKTOK_REFRESH_TOKEN", status: 422, body: { message: "Invalid request.\n\nValue too large." }, times: 2 })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.persist(tiktok, rotated))
      assert.include(error.reason, "GitHub refused secret TIKTOK_REFRESH_TOKEN (HTTP 422 Invalid request. Value too large.)")
      assertNoSecrets(shown(error))
    }))

  it.scopedLive("a key rotated between reading and writing: the stale key_id is refused, the new key is read and the value sealed again", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both })
      const backend = yield* backendFor(fake.url)
      const original = fake.repo.keyId
      // the key changes after herald has read it: herald's first PUT carries the old key_id
      fake.onRequest = (method, path) => {
        if (method === "GET" && path.endsWith("/secrets/TIKTOK_REFRESH_TOKEN")) {
          fake.rotateKey()
          fake.onRequest = undefined
        }
      }
      yield* backend.persist(tiktok, { secrets: { refresh_token: Redacted.make(NEW_REFRESH) }, metadata: {} })
      assert.notStrictEqual(fake.repo.keyId, original)
      assert.deepStrictEqual(fake.requests.filter((r) => r.method === "PUT").map((r) => r.status), [422, 204])
      assert.strictEqual(fake.secret("TIKTOK_REFRESH_TOKEN"), NEW_REFRESH)
    }))

  it.scopedLive("429 and a 403 rate limit are transient: retried, honouring retry-after and x-ratelimit-reset, then succeed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both })
      fake.fail({ method: "PUT", status: 429, headers: { "retry-after": "0" } })
      fake.fail({
        method: "PUT",
        status: 403,
        body: { message: "API rate limit exceeded" },
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000)) }
      })
      const backend = yield* backendFor(fake.url)
      yield* backend.persist(tiktok, { secrets: { refresh_token: Redacted.make(NEW_REFRESH) }, metadata: {} })
      assert.strictEqual(fake.secret("TIKTOK_REFRESH_TOKEN"), NEW_REFRESH)
    }))

  it.scopedLive("a rate limit that resets later than a run waits: bounded, says to run again later", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both })
      fake.fail({
        status: 403,
        body: { message: "API rate limit exceeded" },
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 1800) },
        times: Number.POSITIVE_INFINITY
      })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.include(error.reason, "GitHub is unavailable: rate limited (HTTP 403)")
      assert.include(error.reason, "run again later")
      assert.strictEqual(fake.requests.length, 1)
    }))

  it.scopedLive("500 on every PUT: WriteBackFailed after bounded retries, never showing a value", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both })
      fake.fail({ method: "PUT", status: 502, times: Number.POSITIVE_INFINITY })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.persist(tiktok, rotated))
      assert.include(error.reason, "GitHub is unavailable: HTTP 502 (after 3 attempts)")
      assert.strictEqual(fake.requests.filter((r) => r.method === "PUT" && r.path.endsWith("/TIKTOK_REFRESH_TOKEN")).length, 3)
      assertNoSecrets(shown(error))
    }))

  it.scopedLive("expiry metadata updates Actions variables of the same name that exist, and creates none", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both, variables: { TIKTOK_REFRESH_TOKEN_EXPIRES_AT: "2026-01-01T00:00:00Z" } })
      const backend = yield* backendFor(fake.url)
      const persisted = yield* backend.persist(tiktok, {
        ...rotated,
        metadata: { refresh_token_expires_at: "2027-05-21T14:00:00Z", access_token_expires_at: "2026-12-02T02:00:00Z" }
      })
      assert.strictEqual(fake.variable("TIKTOK_REFRESH_TOKEN_EXPIRES_AT"), "2027-05-21T14:00:00Z")
      assert.isUndefined(fake.variable("TIKTOK_ACCESS_TOKEN_EXPIRES_AT"))
      assert.deepStrictEqual(fake.creates, [])
      assert.deepStrictEqual(persisted.warnings, [])
    }))

  it.scopedLive("the token's expiry comes from GitHub-Authentication-Token-Expiration", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ secrets: both, tokens: { [TOKEN]: { secrets: "write", expiresAt: "2026-12-07 19:07:53 UTC" } } })
      const backend = yield* backendFor(fake.url)
      const credential = yield* backend.credential!
      assert.strictEqual(credential?.expiresAt, "2026-12-07T19:07:53Z")
      assert.strictEqual(credential?.name, "HERALD_GITHUB_TOKEN")
    }))

  it.effect("make refuses plain http to a non-loopback host (a defect: the layer checks first)", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(backendFor("http://github.example.com"))
      assert.isTrue(exit._tag === "Failure")
    }))
})

describe("githubTransient", () => {
  const now = Date.parse("2026-12-02T12:00:00Z")
  const answer = (status: number, headers: Record<string, string> = {}, message?: string) =>
    answerOf(status, headers, JSON.stringify(message === undefined ? {} : { message }), now)
  const seconds = (a: ReturnType<typeof GitHub.githubTransient>) => (a?.retryAfter === undefined ? undefined : Duration.toSeconds(a.retryAfter))

  it("a primary limit waits until x-ratelimit-reset; retry-after wins; a secondary limit without either waits a minute", () => {
    assert.strictEqual(seconds(GitHub.githubTransient(answer(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 90) }))), 90)
    assert.strictEqual(seconds(GitHub.githubTransient(answer(403, { "retry-after": "30", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 90) }))), 30)
    assert.strictEqual(seconds(GitHub.githubTransient(answer(403, {}, "You have exceeded a secondary rate limit."))), 60)
    assert.strictEqual(seconds(GitHub.githubTransient(answer(429, { "retry-after": "2" }))), 2)
  })

  it("a plain 403 (no permission) and a 422 are final; 5xx is transient", () => {
    assert.isUndefined(GitHub.githubTransient(answer(403, {}, "Resource not accessible by personal access token")))
    assert.isUndefined(GitHub.githubTransient(answer(422)))
    assert.strictEqual(GitHub.githubTransient(answer(502))?.what, "HTTP 502")
  })
})

describe("parseTokenExpiration", () => {
  it("reads GitHub's format, with UTC or an offset", () => {
    assert.strictEqual(GitHub.parseTokenExpiration("2026-10-07 19:07:53 UTC"), "2026-10-07T19:07:53Z")
    assert.strictEqual(GitHub.parseTokenExpiration("2026-10-07 19:07:53 -0700"), "2026-10-08T02:07:53Z")
    assert.isUndefined(GitHub.parseTokenExpiration("soon"))
    assert.isUndefined(GitHub.parseTokenExpiration(undefined))
  })
})

describe("GitHub write-back settings", () => {
  const settings = (env: Record<string, string>, section?: Parameters<typeof GitHub.settingsFromConfig>[1]) =>
    GitHub.settingsFromConfig("herald.yaml", section).pipe(Effect.withConfigProvider(ConfigProvider.fromJson(env)))

  it.effect("HERALD_GITHUB_TOKEN first, then GH_TOKEN; repository and API URL from the workflow's environment", () =>
    Effect.gen(function*() {
      const a = yield* settings({ HERALD_GITHUB_TOKEN: TOKEN, GH_TOKEN: "other", GITHUB_REPOSITORY: "octo/blog" })
      assert.strictEqual(a.tokenFrom, "HERALD_GITHUB_TOKEN")
      assert.strictEqual(Redacted.value(a.token), TOKEN)
      assert.strictEqual(a.repository, "octo/blog")
      assert.strictEqual(a.apiUrl, "https://api.github.com")
      const b = yield* settings({ GH_TOKEN: TOKEN, GITHUB_REPOSITORY: "octo/blog", GITHUB_API_URL: "https://ghe.example.com/api/v3" }, {
        repository: "octo/site",
        environment: "production"
      })
      assert.strictEqual(b.tokenFrom, "GH_TOKEN")
      assert.strictEqual(b.repository, "octo/site")
      assert.strictEqual(b.apiUrl, "https://ghe.example.com/api/v3")
      assert.strictEqual(b.environment, "production")
    }))

  it.effect("only the workflow's GITHUB_TOKEN: a ConfigError that says it cannot write secrets and what to use", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(settings({ GITHUB_TOKEN: "ghs_SENTINEL_workflow", GITHUB_REPOSITORY: "octo/blog" }))
      assert.strictEqual(error.issues.length, 1)
      assert.include(error.issues[0]!, "only GITHUB_TOKEN is set, and a workflow's own GITHUB_TOKEN cannot write Actions secrets")
      assert.include(error.issues[0]!, "HERALD_GITHUB_TOKEN")
      assert.include(error.issues[0]!, "Secrets: read and write")
      assertNoSecrets(shown(error))
    }))

  it.effect("an empty HERALD_GITHUB_TOKEN (a secret Actions does not have) counts as missing", () =>
    Effect.gen(function*() {
      const a = yield* settings({ HERALD_GITHUB_TOKEN: "", GH_TOKEN: TOKEN, GITHUB_REPOSITORY: "octo/blog" })
      assert.strictEqual(a.tokenFrom, "GH_TOKEN")
      const error = yield* Effect.flip(settings({ HERALD_GITHUB_TOKEN: "", GITHUB_TOKEN: "ghs_x", GITHUB_REPOSITORY: "octo/blog" }))
      assert.include(error.issues[0]!, "only GITHUB_TOKEN is set")
    }))

  it.effect("no token, no repository, plain http: every problem at once", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(settings({ GITHUB_API_URL: "http://ghe.example.com/api/v3" }))
      assert.strictEqual(error.issues.length, 3, error.issues.join("\n"))
      assert.include(error.issues[0]!, "HERALD_GITHUB_TOKEN (or GH_TOKEN) is not set")
      assert.include(error.issues[1]!, "GITHUB_REPOSITORY is not in the environment")
      assert.include(error.issues[2]!, "GITHUB_API_URL must use https://")
    }))
})
