import * as ScrubberRegistry from "../../../src/layers/scrubber/Registry.js"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { ConfigError, PreflightFailed, WriteBackFailed } from "../../../src/domain/errors.js"
import * as GitLab from "../../../src/layers/writeback/GitLab.js"
import type { RetryPolicy } from "../../../src/http/retry.js"
import { AppConfig } from "../../../src/services/AppConfig.js"
import { WriteBack } from "../../../src/services/WriteBack.js"
import { type GitLabFakeOptions, type SeedVariable, startGitLabFake } from "../../../sandbox/fakes/gitlab.js"
import { connection } from "../../support/connections.js"
import * as NodeHttp from "../../../src/http/NodeHttp.js"
import { CatalogLive } from "../../../src/cli/AppLayer.js"

const TOKEN = "glpat-SENTINEL-4f9c2e7d1a"
const NEW_REFRESH = "rft-SENTINEL-NEW-VALUE-0123456789"
const NEW_ACCESS = "act.new-access-token-abcdefgh"

const tiktok = connection("tiktok")
const fast: RetryPolicy = { retries: 2, base: Duration.millis(5), maxRetryAfter: Duration.seconds(1) }

const existing = (key: string, extra: Partial<SeedVariable> = {}): SeedVariable => ({
  key,
  value: "old-value-123456789",
  protected: true,
  masked: true,
  raw: true,
  ...extra
})

const fakeWith = (options: GitLabFakeOptions) =>
  Effect.acquireRelease(
    Effect.promise(() => startGitLabFake({ tokens: { [TOKEN]: { scopes: ["api"], role: "maintainer" } }, ...options })),
    (fake) => Effect.promise(() => fake.close())
  )

const backendFor = (url: string, extra: Partial<GitLab.Settings> = {}) =>
  GitLab.make({ apiUrl: url, project: "group/blog", token: Redacted.make(TOKEN), retry: fast, ...extra }).pipe(
    Effect.provide(Layer.merge(NodeHttp.layer, CatalogLive))
  )

/** Every way an error can be shown: none may hold a secret. */
const shown = (e: PreflightFailed | WriteBackFailed | ConfigError): string =>
  [e.message, String(e), JSON.stringify(e), "reason" in e ? e.reason : e.issues.join("\n")].join("\n")

const assertNoSecrets = (text: string) => {
  assert.notInclude(text, TOKEN)
  assert.notInclude(text, NEW_REFRESH)
  assert.notInclude(text, NEW_ACCESS)
}

const rotated = {
  secrets: { access_token: Redacted.make(NEW_ACCESS), refresh_token: Redacted.make(NEW_REFRESH) },
  metadata: {}
}

describe("checkMaskedValue", () => {
  it("accepts a long single-line token", () => {
    assert.isUndefined(GitLab.checkMaskedValue("act.AbC-123_xyz~:@/+="))
  })
  it("says which rule a value breaks, without quoting it", () => {
    assert.include(GitLab.checkMaskedValue("short")!, "5 characters long")
    assert.include(GitLab.checkMaskedValue("abcdefgh\nijklmnop")!, "single line")
    assert.include(GitLab.checkMaskedValue("abcd$efghij")!, "'$'")
    assert.include(GitLab.checkMaskedValue("abcd efghij")!, "a space")
    assert.include(GitLab.checkMaskedValue("abcd\tefghij")!, "whitespace")
    assert.notInclude(GitLab.checkMaskedValue("secret-with space")!, "secret-with")
  })
})

describe("GitLab write-back", () => {
  it.scopedLive("updates existing masked, protected variables and keeps every flag", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({
        variables: [
          existing("TIKTOK_REFRESH_TOKEN", { raw: true, description: "rotated by herald" }),
          existing("TIKTOK_ACCESS_TOKEN", { raw: false, variable_type: "file" })
        ]
      })
      const backend = yield* backendFor(fake.url)
      assert.strictEqual(backend.name, "gitlab")
      assert.isFalse(backend.shadowedByEnvironment)
      yield* backend.preflight(tiktok, ["refresh_token", "access_token"])
      const persisted = yield* backend.persist(tiktok, rotated)

      const refresh = fake.get("TIKTOK_REFRESH_TOKEN")!
      assert.strictEqual(refresh.value, NEW_REFRESH)
      assert.deepInclude(refresh, {
        protected: true,
        masked: true,
        raw: true,
        variable_type: "env_var",
        environment_scope: "*",
        description: "rotated by herald"
      })
      const access = fake.get("TIKTOK_ACCESS_TOKEN")!
      assert.strictEqual(access.value, NEW_ACCESS)
      assert.deepInclude(access, { protected: true, masked: true, raw: false, variable_type: "file" })

      // refresh token first: it is the one that cannot be got back
      const puts = fake.requests.filter((r) => r.method === "PUT").map((r) => r.path)
      assert.deepStrictEqual(puts, [
        "/api/v4/projects/group%2Fblog/variables/TIKTOK_REFRESH_TOKEN",
        "/api/v4/projects/group%2Fblog/variables/TIKTOK_ACCESS_TOKEN"
      ])
      assert.isTrue(fake.requests.every((r) => r.auth === "PRIVATE-TOKEN"))
      assert.strictEqual(persisted.where, "GitLab CI/CD variables TIKTOK_REFRESH_TOKEN, TIKTOK_ACCESS_TOKEN")
      assert.deepStrictEqual(persisted.warnings, [])
      assertNoSecrets(persisted.where)
      assert.strictEqual(fake.posts, 0)
    }))

  it.scopedLive("addresses a project by numeric id and account variables by envName", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("X_BRAND_REFRESH_TOKEN")] })
      const backend = yield* backendFor(fake.url, { project: 42 })
      const brand = connection("x", {}, "brand")
      yield* backend.preflight(brand, ["refresh_token"])
      const persisted = yield* backend.persist(brand, {
        secrets: { refresh_token: Redacted.make(NEW_REFRESH) },
        metadata: {}
      })
      assert.strictEqual(fake.get("X_BRAND_REFRESH_TOKEN")!.value, NEW_REFRESH)
      assert.strictEqual(persisted.where, "GitLab CI/CD variable X_BRAND_REFRESH_TOKEN")
      assert.isTrue(fake.requests.every((r) => r.path.startsWith("/api/v4/projects/42/") || r.path.includes("personal_access_tokens")))
    }))

  it.scopedLive("a missing variable fails the preflight with how to create it, and nothing is written", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_ACCESS_TOKEN")] })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token", "access_token"]))
      assert.strictEqual(error._tag, "PreflightFailed")
      assert.strictEqual(
        error.reason,
        "GitLab variable TIKTOK_REFRESH_TOKEN does not exist in project group/blog: create it (Settings → CI/CD → Variables, masked and protected) and run again"
      )
      assert.strictEqual(fake.count("PUT"), 0)
      assert.strictEqual(fake.posts, 0)
      assert.strictEqual(fake.get("TIKTOK_ACCESS_TOKEN")!.value, "old-value-123456789")
    }))

  it.scopedLive("only TIKTOK_REFRESH_TOKEN exists: the preflight passes and the rotation lands, the access token named as not written", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      const backend = yield* backendFor(fake.url)
      // the access token is optional (DESIGN §1): the next run needs only the refresh token
      yield* backend.preflight(tiktok, ["refresh_token", "access_token"])
      const persisted = yield* backend.persist(tiktok, rotated)
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN")!.value, NEW_REFRESH)
      assert.isUndefined(fake.get("TIKTOK_ACCESS_TOKEN"))
      assert.strictEqual(persisted.where, "GitLab CI/CD variable TIKTOK_REFRESH_TOKEN")
      assert.strictEqual(persisted.storedIn, "gitlab")
      const note = persisted.warnings.find((w) => w.startsWith("TIKTOK_ACCESS_TOKEN not written"))
      assert.isDefined(note, persisted.warnings.join("\n"))
      assert.include(note!, "has no such variable")
      assert.strictEqual(fake.posts, 0)
      assertNoSecrets(persisted.warnings.join("\n"))
    }))

  it.scopedLive("persist never creates a refresh-token variable that disappeared after the preflight", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_ACCESS_TOKEN")] })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.persist(tiktok, rotated))
      assert.strictEqual(error._tag, "WriteBackFailed")
      assert.include(error.reason, "GitLab variable TIKTOK_REFRESH_TOKEN does not exist")
      assert.strictEqual(fake.posts, 0)
      assertNoSecrets(shown(error))
    }))

  it.scopedLive("an optional secret GitLab refuses is a note, not a failed write-back", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN"), existing("TIKTOK_ACCESS_TOKEN")] })
      fake.fail({ method: "PUT", key: "TIKTOK_ACCESS_TOKEN", status: 500, times: Number.POSITIVE_INFINITY })
      const backend = yield* backendFor(fake.url)
      const persisted = yield* backend.persist(tiktok, rotated)
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN")!.value, NEW_REFRESH)
      assert.isTrue(persisted.warnings.some((w) => w.startsWith("TIKTOK_ACCESS_TOKEN not written: GitLab is unavailable")), persisted.warnings.join("\n"))
    }))

  it.scopedLive("a refused token (401) fails the preflight naming the api scope and the Maintainer role", () =>
    Effect.gen(function*() {
      // the fake knows another token: herald's is refused
      const fake = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startGitLabFake({
            tokens: { "glpat-other": { scopes: ["api"], role: "maintainer" } },
            variables: [existing("TIKTOK_REFRESH_TOKEN")]
          })
        ),
        (f) => Effect.promise(() => f.close())
      )
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.strictEqual(error._tag, "PreflightFailed")
      assert.strictEqual(
        error.reason,
        "GitLab refused the token (HTTP 401): GITLAB_TOKEN needs the api scope and the Maintainer role on group/blog"
      )
      assertNoSecrets(shown(error))
      assert.strictEqual(fake.count("PUT"), 0)
    }))

  it.scopedLive("a read_api token or a Developer fails the preflight, not the write", () =>
    Effect.gen(function*() {
      const readOnly = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startGitLabFake({
            tokens: { [TOKEN]: { scopes: ["read_api"], role: "maintainer" } },
            variables: [existing("TIKTOK_REFRESH_TOKEN")]
          })
        ),
        (f) => Effect.promise(() => f.close())
      )
      const e1 = yield* Effect.flip((yield* backendFor(readOnly.url)).preflight(tiktok, ["refresh_token"]))
      assert.include(e1.reason, "lacks the api scope (it has read_api)")
      assert.include(e1.reason, "Maintainer role on group/blog")

      const developer = yield* Effect.acquireRelease(
        Effect.promise(() =>
          startGitLabFake({
            tokens: { [TOKEN]: { scopes: ["api"], role: "developer" } },
            variables: [existing("TIKTOK_REFRESH_TOKEN")]
          })
        ),
        (f) => Effect.promise(() => f.close())
      )
      const e2 = yield* Effect.flip((yield* backendFor(developer.url)).preflight(tiktok, ["refresh_token"]))
      assert.strictEqual(
        e2.reason,
        "GitLab refused the token (HTTP 403): GITLAB_TOKEN needs the api scope and the Maintainer role on group/blog"
      )
      assertNoSecrets(shown(e1) + shown(e2))
    }))

  it.scopedLive("an instance without /personal_access_tokens/self (before 15.5) still passes the preflight", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ noTokenSelfEndpoint: true, variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      yield* (yield* backendFor(fake.url)).preflight(tiktok, ["refresh_token"])
    }))

  it.scopedLive("the stand-in refuses JOB-TOKEN, as GitLab does for the variables API", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      const status = yield* Effect.promise(() =>
        fetch(`${fake.url}/projects/42/variables/TIKTOK_REFRESH_TOKEN`, { headers: { "JOB-TOKEN": TOKEN } }).then((r) => r.status)
      )
      assert.strictEqual(status, 401)
    }))

  it.scopedLive("an unknown project is named as such", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      const backend = yield* backendFor(fake.url, { project: "group/typo" })
      const error = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.include(error.reason, "GitLab project group/typo was not found")
    }))

  it.scopedLive("a value a masked variable cannot hold is refused locally, precisely, with no PUT", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN"), existing("TIKTOK_ACCESS_TOKEN")] })
      const backend = yield* backendFor(fake.url)
      const bad = "rft-SENTINEL has a space"
      const error = yield* Effect.flip(backend.persist(tiktok, {
        secrets: { refresh_token: Redacted.make(bad) },
        metadata: {}
      }))
      assert.strictEqual(
        error.reason,
        "the new value cannot be stored in masked GitLab variable TIKTOK_REFRESH_TOKEN: it contains a space, which a masked GitLab variable cannot hold"
      )
      assert.notInclude(shown(error), bad)
      assert.notInclude(shown(error), "is invalid")
      assert.strictEqual(fake.count("PUT"), 0)
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN")!.value, "old-value-123456789")
    }))

  it.scopedLive("an unmasked variable takes any value, with a warning to mask it", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN", { masked: false })] })
      const backend = yield* backendFor(fake.url)
      const persisted = yield* backend.persist(tiktok, { secrets: { refresh_token: Redacted.make("short") }, metadata: {} })
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN")!.value, "short")
      assert.deepStrictEqual(persisted.warnings, [
        "GitLab variable TIKTOK_REFRESH_TOKEN is not masked: job logs could show it; mark it masked"
      ])
    }))

  it.scopedLive("GitLab's bare 'is invalid' from an older instance is explained", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ legacyMaskedAlphabet: true, variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.persist(tiktok, {
        secrets: { refresh_token: Redacted.make("rft-SENTINEL!with#odd&chars") },
        metadata: {}
      }))
      assert.include(error.reason, "HTTP 400 \"is invalid\"")
      assert.include(error.reason, "older rule that allows only A-Z a-z 0-9 + / = @ : . ~ - _")
      assert.notInclude(shown(error), "rft-SENTINEL")
      assert.strictEqual(fake.count("PUT"), 1)
    }))

  it.scopedLive("500 on every PUT: WriteBackFailed after bounded retries, never showing the value", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({
        variables: [existing("TIKTOK_REFRESH_TOKEN"), existing("TIKTOK_ACCESS_TOKEN")],
        faults: [{ method: "PUT", status: 500, times: Infinity }]
      })
      const backend = yield* backendFor(fake.url)
      const error = yield* Effect.flip(backend.persist(tiktok, rotated))
      assert.strictEqual(error._tag, "WriteBackFailed")
      // two variables, each tried 1 + fast.retries times
      assert.strictEqual(fake.count("PUT"), 2 * (1 + fast.retries))
      assert.include(error.reason, "GitLab is unavailable: HTTP 500 (after 3 attempts)")
      assert.notInclude(error.reason, "updated:")
      assertNoSecrets(shown(error))
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN")!.value, "old-value-123456789")
      assert.strictEqual(fake.posts, 0)
    }))

  it.scopedLive("429 and 503 are retried, honouring Retry-After, then succeed", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({
        variables: [existing("TIKTOK_REFRESH_TOKEN")],
        faults: [
          { method: "GET", key: "TIKTOK_REFRESH_TOKEN", status: 503 },
          { method: "PUT", status: 429, headers: { "retry-after": "0" } }
        ]
      })
      const backend = yield* backendFor(fake.url)
      yield* backend.preflight(tiktok, ["refresh_token"])
      yield* backend.persist(tiktok, { secrets: { refresh_token: Redacted.make(NEW_REFRESH) }, metadata: {} })
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN")!.value, NEW_REFRESH)
      assert.strictEqual(fake.count("PUT"), 2)
    }))

  it.scopedLive("environment_scope selects one of several same-named variables, encoded as GitLab asks", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({
        variables: [
          existing("TIKTOK_REFRESH_TOKEN", { environment_scope: "production" }),
          existing("TIKTOK_REFRESH_TOKEN", { environment_scope: "review/*", value: "review-value-12345" })
        ]
      })
      const unscoped = yield* backendFor(fake.url)
      const conflict = yield* Effect.flip(unscoped.preflight(tiktok, ["refresh_token"]))
      assert.include(conflict.reason, "set auth.writeback.gitlab.environment_scope")

      const backend = yield* backendFor(fake.url, { environmentScope: "review/*" })
      yield* backend.preflight(tiktok, ["refresh_token"])
      const persisted = yield* backend.persist(tiktok, {
        secrets: { refresh_token: Redacted.make(NEW_REFRESH) },
        metadata: {}
      })
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN", "review/*")!.value, NEW_REFRESH)
      assert.deepInclude(fake.get("TIKTOK_REFRESH_TOKEN", "review/*")!, { protected: true, masked: true, raw: true })
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN", "production")!.value, "old-value-123456789")
      const put = fake.requests.find((r) => r.method === "PUT")!
      assert.include(put.rawUrl, "?filter%5Benvironment_scope%5D=review%2F*")
      assert.strictEqual(persisted.where, "GitLab CI/CD variable TIKTOK_REFRESH_TOKEN (environment scope review/*)")
    }))

  it.scopedLive("expiry metadata updates existing _EXPIRES_AT variables and silently skips the rest", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({
        variables: [
          existing("TIKTOK_REFRESH_TOKEN"),
          existing("TIKTOK_ACCESS_TOKEN"),
          existing("TIKTOK_ACCESS_TOKEN_EXPIRES_AT", { masked: false, protected: false, raw: true, value: "2026-01-01T00:00:00Z" })
        ]
      })
      const backend = yield* backendFor(fake.url)
      const persisted = yield* backend.persist(tiktok, {
        ...rotated,
        metadata: { access_token_expires_at: "2026-11-22T16:00:00Z", refresh_token_expires_at: "2027-05-21T14:00:00Z" }
      })
      const at = fake.get("TIKTOK_ACCESS_TOKEN_EXPIRES_AT")!
      assert.strictEqual(at.value, "2026-11-22T16:00:00Z")
      assert.deepInclude(at, { masked: false, protected: false, raw: true })
      assert.isUndefined(fake.get("TIKTOK_REFRESH_TOKEN_EXPIRES_AT"))
      assert.deepStrictEqual(persisted.warnings, [])
      assert.strictEqual(persisted.where, "GitLab CI/CD variables TIKTOK_REFRESH_TOKEN, TIKTOK_ACCESS_TOKEN")
      assert.strictEqual(fake.posts, 0)
    }))

  it.scopedLive("a failing metadata write is a warning, not a failed write-back", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({
        variables: [existing("TIKTOK_REFRESH_TOKEN"), existing("TIKTOK_ACCESS_TOKEN_EXPIRES_AT", { masked: false })],
        faults: [{ method: "PUT", key: "TIKTOK_ACCESS_TOKEN_EXPIRES_AT", status: 502, times: Infinity }]
      })
      const backend = yield* backendFor(fake.url)
      const persisted = yield* backend.persist(tiktok, {
        secrets: { refresh_token: Redacted.make(NEW_REFRESH) },
        metadata: { access_token_expires_at: "2026-11-22T16:00:00Z" }
      })
      assert.strictEqual(fake.get("TIKTOK_REFRESH_TOKEN")!.value, NEW_REFRESH)
      assert.strictEqual(persisted.warnings.length, 1)
      assert.include(persisted.warnings[0]!, "expiry not stored: GitLab is unavailable: HTTP 502")
    }))

  it.effect("make refuses plain http to a non-loopback host (a defect: the layer checks first)", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(backendFor("http://gitlab.example.com/api/v4"))
      assert.isTrue(exit._tag === "Failure")
    }))
})

describe("GitLab write-back layer", () => {
  const appConfig = (gitlab?: { project?: string | number; api_url?: string; environment_scope?: string }) =>
    Layer.succeed(AppConfig, {
      file: "/home/me/.config/herald/config.yaml",
      exists: true,
      config: { auth: { writeback: { backend: "gitlab", ...(gitlab === undefined ? {} : { gitlab }) } } },
      connections: []
    })

  const build = (env: Record<string, string>, gitlab?: Parameters<typeof appConfig>[0]) =>
    WriteBack.pipe(
      Effect.provide(GitLab.layer.pipe(Layer.provide(Layer.mergeAll(appConfig(gitlab), NodeHttp.layer, ScrubberRegistry.layer, CatalogLive)))),
      Effect.withConfigProvider(ConfigProvider.fromJson(env))
    )

  it.scopedLive("defaults project and api_url to CI_PROJECT_ID and CI_API_V4_URL", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      const backend = yield* build({ GITLAB_TOKEN: TOKEN, CI_PROJECT_ID: "42", CI_API_V4_URL: fake.url })
      assert.strictEqual(backend.name, "gitlab")
      yield* backend.preflight(tiktok, ["refresh_token"])
      assert.isTrue(fake.requests.some((r) => r.path === "/api/v4/projects/42/variables/TIKTOK_REFRESH_TOKEN"))
    }))

  it.scopedLive("inside a CI job it says the job's environment is stale after a write (CI_JOB_ID), outside it does not", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      const inJob = yield* build({ GITLAB_TOKEN: TOKEN, CI_PROJECT_ID: "42", CI_API_V4_URL: fake.url, CI_JOB_ID: "4711" })
      assert.strictEqual(inJob.staleEnvironment, "4711")
      const outside = yield* build({ GITLAB_TOKEN: TOKEN, CI_PROJECT_ID: "42", CI_API_V4_URL: fake.url })
      assert.isUndefined(outside.staleEnvironment)
    }))

  it.scopedLive("config wins over the CI variables", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({ variables: [existing("TIKTOK_REFRESH_TOKEN")] })
      const backend = yield* build(
        { GITLAB_TOKEN: TOKEN, CI_PROJECT_ID: "999", CI_API_V4_URL: "https://gitlab.invalid/api/v4" },
        { project: "group/blog", api_url: fake.url }
      )
      yield* backend.preflight(tiktok, ["refresh_token"])
      assert.isTrue(fake.requests.some((r) => r.path === "/api/v4/projects/group%2Fblog/variables/TIKTOK_REFRESH_TOKEN"))
    }))

  it.scopedLive("GitLab's messages quoting the new value or the token are scrubbed from preflight and persist errors", () =>
    Effect.gen(function*() {
      const fake = yield* fakeWith({
        variables: [existing("TIKTOK_REFRESH_TOKEN"), existing("TIKTOK_ACCESS_TOKEN")],
        faults: [
          { method: "PUT", key: "TIKTOK_REFRESH_TOKEN", status: 422, body: { message: `value ${NEW_REFRESH} is invalid (sent with ${TOKEN})` } }
        ]
      })
      const backend = yield* build({ GITLAB_TOKEN: TOKEN, CI_PROJECT_ID: "group/blog", CI_API_V4_URL: fake.url })
      const persisted = yield* Effect.flip(backend.persist(tiktok, rotated))
      assert.include(persisted.reason, "value <redacted> is invalid")
      assertNoSecrets(shown(persisted))
      fake.fail({ method: "GET", status: 418, body: { message: `token ${TOKEN} has expired` }, times: Infinity })
      const preflight = yield* Effect.flip(backend.preflight(tiktok, ["refresh_token"]))
      assert.include(preflight.reason, "token <redacted> has expired")
      assertNoSecrets(shown(preflight))
    }))

  it.effect("missing token, project and api_url: one ConfigError naming each and the file", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build({ CI_JOB_TOKEN: "job-token-value" }))
      assert.strictEqual(error._tag, "ConfigError")
      assert.strictEqual(error.file, "/home/me/.config/herald/config.yaml")
      assert.strictEqual(error.issues.length, 3)
      assert.include(error.issues[0]!, "GITLAB_TOKEN is not set")
      assert.include(error.issues[0]!, "CI_JOB_TOKEN cannot update CI/CD variables")
      assert.include(error.issues[1]!, "auth.writeback.gitlab.project")
      assert.include(error.issues[1]!, "CI_PROJECT_ID")
      assert.include(error.issues[2]!, "auth.writeback.gitlab.api_url")
      assert.include(error.issues[2]!, "CI_API_V4_URL")
      assert.include(error.message, "/home/me/.config/herald/config.yaml")
      assert.notInclude(shown(error), "job-token-value")
    }))

  it.effect("a CI_API_V4_URL with user:password@ is refused without repeating the userinfo", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        build({ GITLAB_TOKEN: TOKEN, CI_PROJECT_ID: "42", CI_API_V4_URL: "http://deploy:SENTINEL-PROXY-PW@gitlab.example.com/api/v4" })
      )
      assert.deepStrictEqual(error.issues, [
        "CI_API_V4_URL must use https:// (plain http is allowed only for loopback hosts): http://gitlab.example.com/api/v4"
      ])
      assert.notInclude(shown(error), "SENTINEL-PROXY-PW")
      assert.notInclude(shown(error), "deploy:")
    }))

  it.effect("an empty GITLAB_TOKEN counts as missing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(build({ GITLAB_TOKEN: "" }, { project: "group/blog", api_url: "https://gitlab.com/api/v4" }))
      assert.deepStrictEqual(error.issues.length, 1)
      assert.include(error.issues[0]!, "GITLAB_TOKEN is not set")
    }))

  it.effect("plain http to a non-loopback host is a ConfigError naming where the URL came from", () =>
    Effect.gen(function*() {
      const fromFile = yield* Effect.flip(
        build({ GITLAB_TOKEN: TOKEN }, { project: "group/blog", api_url: "http://gitlab.example.com/api/v4" })
      )
      assert.deepStrictEqual(fromFile.issues, [
        "auth.writeback.gitlab.api_url must use https:// (plain http is allowed only for loopback hosts): http://gitlab.example.com/api/v4"
      ])
      const fromEnv = yield* Effect.flip(
        build({ GITLAB_TOKEN: TOKEN, CI_PROJECT_ID: "42", CI_API_V4_URL: "http://gitlab.example.com/api/v4" })
      )
      assert.include(fromEnv.issues[0]!, "CI_API_V4_URL must use https://")
      assertNoSecrets(shown(fromFile) + shown(fromEnv))
    }))
})
