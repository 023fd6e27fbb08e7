/**
 * Write-back into GitHub Actions secrets (DESIGN §1 "Write-back", PROVIDERS §7), so the
 * next scheduled workflow reads the rotated secret: repository secrets, or an
 * environment's with `environment:`.
 *
 * Each value is sealed (libsodium sealed box) with the public key of the repository or
 * environment it goes to and sent with that key's `key_id`. libsodium is loaded the first
 * time a value is sealed, so runs with other backends never load it.
 *
 * It updates and never creates: a secret must exist (checked before each write), because
 * GitHub's PUT creates whatever it is given. GitHub cannot tell whether a token may write
 * without a write, so the preflight proves it once per run by writing and deleting a
 * throw-away secret, HERALD_WRITE_PROBE.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type { Connection } from "../../domain/Connection.js"
import type { OwnCredential } from "../../domain/Credential.js"
import { ConfigError, PreflightFailed, WriteBackFailed } from "../../domain/errors.js"
import type { MetadataKey, Outcome } from "../../domain/Plan.js"
import { apiUrlIssue, transportIssue } from "../../domain/net.js"
import { envName, type SecretKey } from "../../domain/Platform.js"
import { isEssentialIn } from "../../domain/PlatformCatalog.js"
import { VERSION } from "../../version.js"
import { type Answer, defaultTransient, makeSend, type TransientAnswer } from "../../http/restApi.js"
import { DEFAULT_TIMEOUT } from "../../http/exchange.js"
import { defaultRetryPolicy, type RetryPolicy } from "../../http/retry.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Catalog } from "../../services/Catalog.js"
import { type Persisted, WriteBack } from "../../services/WriteBack.js"
import { Url } from "../../domain/Config.js"
import { sectionOf } from "../config/section.js"

/** The secret the preflight writes and deletes again to prove the token may write. */
export const PROBE_SECRET = "HERALD_WRITE_PROBE"

export const DEFAULT_API_URL = "https://api.github.com"
export const API_VERSION = "2022-11-28"

export type TokenSource = "HERALD_GITHUB_TOKEN" | "GH_TOKEN"

export interface Settings {
  /** the REST root: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server */
  readonly apiUrl: string
  /** `owner/name` */
  readonly repository: string
  /** write the environment's secrets instead of the repository's */
  readonly environment?: string
  readonly token: Redacted.Redacted<string>
  /** the variable the token came from, named in messages */
  readonly tokenFrom?: TokenSource
  readonly retry?: RetryPolicy
  /** per attempt */
  readonly timeout?: Duration.Duration
}

// ---- pure pieces ---------------------------------------------------------------------

/**
 * GitHub's rate limits are transient: 429, and 403 with `x-ratelimit-remaining: 0`
 * (primary), a `retry-after` or a "rate limit" message (secondary). Wait for
 * `retry-after`, else until `x-ratelimit-reset`, else (a secondary limit) a minute.
 */
export const githubTransient: TransientAnswer = (answer) => {
  const h = answer.headers
  const exhausted = h["x-ratelimit-remaining"] === "0"
  const limited = answer.status === 429 ||
    (answer.status === 403 && (exhausted || h["retry-after"] !== undefined || /rate limit/i.test(githubSays(answer.body) ?? "")))
  if (!limited) return defaultTransient(answer)
  const reset = Number(h["x-ratelimit-reset"])
  const retryAfter = answer.retryAfter ??
    (exhausted && Number.isFinite(reset) ? Duration.millis(Math.max(0, reset * 1000 - answer.receivedAt)) : undefined) ??
    (answer.status === 403 ? Duration.minutes(1) : undefined)
  return { what: `rate limited (HTTP ${answer.status})`, retryAfter }
}

/** `GitHub-Authentication-Token-Expiration: 2026-10-07 19:07:53 UTC` as RFC 3339, or undefined. */
export const parseTokenExpiration = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim())
  if (m === null) return undefined
  const zone = m[3] === undefined || /^(utc|z)$/i.test(m[3]) ? "Z" : m[3].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")
  const text = `${m[1]}T${m[2]}${zone}`
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z")
}

const clip = (s: string): string => (s.length > 160 ? `${s.slice(0, 157)}...` : s)

/** GitHub's own words (`{message}`), on one line. */
const githubSays = (body: unknown): string | undefined => {
  const message = (body as { message?: unknown } | undefined)?.message
  return typeof message === "string" && message.trim() !== "" ? clip(message.replace(/\s*\n+\s*/g, " ").trim()) : undefined
}

const PublicKey = Schema.Struct({ key_id: Schema.String, key: Schema.String })
type PublicKey = typeof PublicKey.Type

// ---- sealing ---------------------------------------------------------------------------

type Sodium = typeof import("libsodium-wrappers").default

/** libsodium, loaded on first use (a ~430 KB chunk that runs with other backends never parse). */
const loadSodium: Effect.Effect<Sodium, string> = Effect.tryPromise({
  try: async () => {
    const sodium = (await import("libsodium-wrappers")).default
    await sodium.ready
    return sodium
  },
  catch: (e) => `cannot load libsodium-wrappers to seal the secret (${e instanceof Error ? e.message.split("\n")[0] : "unknown error"})`
})

// ---- the service ---------------------------------------------------------------------

const CREATE_HINT = "(Settings → Secrets and variables → Actions) and run again"

/** How long one proof of write access (and one read of the public key) stands. */
const PREFLIGHT_TTL = Duration.minutes(10)

export const make = (settings: Settings) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    // which secrets are essential is each platform's to say (DESIGN §1)
    const catalog = yield* Catalog
    const urlProblem = apiUrlIssue(settings.apiUrl)
    // the layer has already refused such a URL with a ConfigError; a library caller that
    // passes one anyway has a bug, and no token is sent over plain http
    if (urlProblem !== undefined) return yield* Effect.dieMessage(`GitHub api_url ${urlProblem}`)
    const [owner, name] = settings.repository.split("/")
    if (owner === undefined || name === undefined || owner === "" || name === "") {
      return yield* Effect.dieMessage(`GitHub repository must be owner/name, not ${settings.repository}`)
    }

    const tokenFrom = settings.tokenFrom ?? "HERALD_GITHUB_TOKEN"
    const base = settings.apiUrl.replace(/\/+$/, "")
    const repoUrl = `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`
    const environment = settings.environment
    const scopeUrl = environment === undefined ? `${repoUrl}/actions` : `${repoUrl}/environments/${encodeURIComponent(environment)}`
    const where = environment === undefined ? `repository ${settings.repository}` : `environment ${environment} of ${settings.repository}`
    const send_ = makeSend(client, {
      service: "GitHub",
      policy: settings.retry ?? defaultRetryPolicy,
      timeout: settings.timeout ?? DEFAULT_TIMEOUT,
      transient: githubTransient
    })
    const sodium = yield* Effect.cached(loadSodium)
    // the token's expiry as the last answer stated it (every answer to an expiring token carries it)
    const expiry = yield* Ref.make<Option.Option<string | undefined>>(Option.none())

    const send = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<Answer, string> =>
      send_(
        request.pipe(
          HttpClientRequest.bearerToken(Redacted.value(settings.token)),
          HttpClientRequest.setHeaders({
            accept: "application/vnd.github+json",
            "x-github-api-version": API_VERSION,
            "user-agent": `herald/${VERSION}`
          })
        )
      ).pipe(
        Effect.tap((answer) =>
          answer.status === 401 ? Effect.void : Ref.set(expiry, Option.some(parseTokenExpiration(answer.headers["github-authentication-token-expiration"])))
        )
      )

    const needs = `${tokenFrom} needs "Secrets: read and write"${environment === undefined ? "" : ` and "Environments: read"`} on ${settings.repository} ` +
      `(a fine-grained personal access token), or use a GitHub App installation token with the secrets permission`

    /** Anything but success or a missing secret, in words a user can act on. */
    const explain = (answer: Answer, what: string): string => {
      const says = githubSays(answer.body)
      switch (answer.status) {
        case 401:
          return `GitHub refused ${tokenFrom} (HTTP 401${says ? ` ${says}` : ""}): it is expired, revoked or mistyped; ${needs}`
        case 403:
          return /not accessible by integration/i.test(says ?? "")
            ? `GitHub refused ${what} (HTTP 403 ${says}): ${tokenFrom} cannot manage Actions secrets — the workflow's own GITHUB_TOKEN never can; ${needs}`
            : `GitHub refused ${what} (HTTP 403${says ? ` ${says}` : ""}): ${needs}`
        case 404:
          return `GitHub answered 404 for ${what}: ${where} was not found, or ${tokenFrom} cannot see it; check auth.writeback.github.repository` +
            `${environment === undefined ? "" : " and environment"} and the token's repository access`
        case 422:
          return `GitHub refused ${what} (HTTP 422${says ? ` ${says}` : ""})`
        default:
          return `GitHub answered HTTP ${answer.status} for ${what}${says ? `: ${says}` : ""}`
      }
    }

    const publicKey: Effect.Effect<PublicKey, string> = Effect.gen(function*() {
      const answer = yield* send(HttpClientRequest.get(`${scopeUrl}/secrets/public-key`))
      if (answer.status !== 200) return yield* Effect.fail(explain(answer, `the public key of ${where}`))
      return yield* Schema.decodeUnknown(PublicKey)(answer.body).pipe(
        Effect.mapError(() => `GitHub answered the public key of ${where} with a body herald cannot read`)
      )
    })

    const secretUrl = (secret: string) => `${scopeUrl}/secrets/${encodeURIComponent(secret)}`

    const exists = (secret: string): Effect.Effect<boolean, string> =>
      Effect.gen(function*() {
        const answer = yield* send(HttpClientRequest.get(secretUrl(secret)))
        if (answer.status === 200) return true
        if (answer.status === 404) return false
        return yield* Effect.fail(explain(answer, `secret ${secret}`))
      })

    const seal = (value: Redacted.Redacted<string>, key: PublicKey): Effect.Effect<string, string> =>
      Effect.flatMap(sodium, (s) =>
        Effect.try({
          try: () =>
            s.to_base64(
              s.crypto_box_seal(Redacted.value(value), s.from_base64(key.key, s.base64_variants.ORIGINAL)),
              s.base64_variants.ORIGINAL
            ),
          catch: () => `the public key of ${where} is not a valid Curve25519 key`
        }))

    /** PUT a sealed value; a key rotated since it was read is read again, once. Returns the status. */
    const put = (secret: string, value: Redacted.Redacted<string>, key: PublicKey): Effect.Effect<number, string> =>
      Effect.gen(function*() {
        let current = key
        for (let round = 0; round < 2; round++) {
          const sealed = yield* seal(value, current)
          const answer = yield* send(
            HttpClientRequest.put(secretUrl(secret)).pipe(HttpClientRequest.bodyUnsafeJson({ encrypted_value: sealed, key_id: current.key_id }))
          )
          if (answer.status === 201 || answer.status === 204) return answer.status
          if (answer.status === 422 && round === 0) {
            const fresh = yield* publicKey
            if (fresh.key_id !== current.key_id) {
              current = fresh
              continue
            }
          }
          return yield* Effect.fail(explain(answer, `secret ${secret}`))
        }
        return yield* Effect.fail(`GitHub kept refusing secret ${secret}`)
      })

    const notFound = (names: ReadonlyArray<string>): string =>
      names.length === 1
        ? `GitHub Actions secret ${names[0]} does not exist in ${where}: create it ${CREATE_HINT}`
        : `GitHub Actions secrets ${names.join(", ")} do not exist in ${where}: create them ${CREATE_HINT}`

    /**
     * Once per run, not per connection: the public key is readable, and the token may write
     * and delete a secret (GitHub has no dry-run write, so a throw-away secret is the only
     * proof). A layer an app keeps for longer asks again after PREFLIGHT_TTL, so a token
     * fixed in the meantime is seen.
     */
    const keyReadable: Effect.Effect<PublicKey, string> = yield* Effect.cachedWithTTL(publicKey, PREFLIGHT_TTL)
    const proveWrite: Effect.Effect<void, string> = yield* Effect.cachedWithTTL(Effect.gen(function*() {
      const key = yield* keyReadable
      const probe = Redacted.make("herald write probe: safe to delete")
      yield* put(PROBE_SECRET, probe, key).pipe(
        Effect.mapError((reason) => `${tokenFrom} cannot write Actions secrets in ${where} (probe secret ${PROBE_SECRET}): ${reason}`)
      )
      const removed = yield* send(HttpClientRequest.del(secretUrl(PROBE_SECRET))).pipe(Effect.either)
      if (Either.isLeft(removed) || (removed.right.status !== 204 && removed.right.status !== 404)) {
        yield* Effect.logWarning(`GitHub probe secret ${PROBE_SECRET} in ${where} could not be deleted; delete it by hand`)
      }
    }), PREFLIGHT_TTL)

    // untraced, like persist: called per connection inside refreshOne's span
    const preflight = Effect.fnUntraced(function*(connection: Connection, keys: ReadonlyArray<SecretKey>) {
      const failed = (reason: string) => new PreflightFailed({ platform: connection.platform, account: connection.account, reason })
      // only the essential secrets need to exist before a rotation (DESIGN §1)
      const essential = keys.filter((key) => isEssentialIn(catalog.platforms, connection.platform, key))
      if (essential.length === 0) return
      // first, as GitHub answers 404 both for a missing secret and for a repository the token cannot see
      yield* keyReadable.pipe(Effect.mapError(failed))
      const names = essential.map((key) => envName(connection, key))
      const found = yield* Effect.forEach(names, (n) => Effect.map(exists(n), (ok) => [n, ok] as const)).pipe(Effect.mapError(failed))
      const missing = found.filter(([, ok]) => !ok).map(([n]) => n)
      if (missing.length > 0) return yield* Effect.fail(failed(notFound(missing)))
      // last: a run that is skipped anyway writes no probe
      yield* proveWrite.pipe(Effect.mapError(failed))
    })

    const variableUrl = (variable: string) => `${scopeUrl}/variables/${encodeURIComponent(variable)}`

    /** Updates an Actions variable that exists; false when there is none. */
    const updateVariable = (variable: string, value: string): Effect.Effect<boolean, string> =>
      Effect.gen(function*() {
        const current = yield* send(HttpClientRequest.get(variableUrl(variable)))
        if (current.status === 404) return false
        if (current.status !== 200) return yield* Effect.fail(explain(current, `variable ${variable}`))
        const answer = yield* send(HttpClientRequest.patch(variableUrl(variable)).pipe(HttpClientRequest.bodyUnsafeJson({ name: variable, value })))
        if (answer.status === 204 || answer.status === 200) return true
        return yield* Effect.fail(explain(answer, `variable ${variable}`))
      })

    const persist = Effect.fnUntraced(function*(connection: Connection, update: Pick<Outcome, "secrets" | "metadata">) {
      const essential = (key: SecretKey) => isEssentialIn(catalog.platforms, connection.platform, key)
      // the essential secrets first: they are the ones that cannot be got back
      const secrets = Object.entries(update.secrets)
        .filter((e): e is [SecretKey, Redacted.Redacted<string>] => e[1] !== undefined)
        .sort(([a], [b]) => Number(essential(b)) - Number(essential(a)))
      const written: Array<string> = []
      const problems: Array<string> = []
      const warnings: Array<string> = []
      const fail = (reason: string) => new WriteBackFailed({ platform: connection.platform, account: connection.account, reason })

      if (secrets.length > 0) {
        // read when writing, not at the preflight: the key may have been rotated since
        const key = yield* publicKey.pipe(Effect.mapError(fail))
        for (const [secretKey, value] of secrets) {
          const secret = envName(connection, secretKey)
          const result = yield* Effect.either(Effect.gen(function*() {
            if (!(yield* exists(secret))) {
              return yield* Effect.fail(
                essential(secretKey)
                  ? notFound([secret])
                  : `${secret} not written: ${where} has no such Actions secret (create it ${CREATE_HINT} if your workflows read it)`
              )
            }
            yield* put(secret, value, key)
          }))
          if (Either.isRight(result)) {
            written.push(secret)
            continue
          }
          // an optional secret that cannot be written does not undo a rotation: the report says so
          if (essential(secretKey)) problems.push(result.left)
          else warnings.push(result.left.startsWith(`${secret} not written`) ? result.left : `${secret} not written: ${result.left}`)
        }
      }
      if (problems.length > 0) {
        return yield* Effect.fail(fail(problems.join("; ") + (written.length > 0 ? ` (updated: ${written.join(", ")})` : "")))
      }

      // expiry metadata is optional: Actions variables of the same name, where they exist
      const metadataWritten: Array<string> = []
      for (const [key, at] of Object.entries(update.metadata) as Array<[MetadataKey, string | undefined]>) {
        if (at === undefined) continue
        const variable = envName(connection, key)
        const result = yield* Effect.either(updateVariable(variable, at))
        if (Either.isLeft(result)) warnings.push(`expiry not stored: ${result.left}`)
        else if (result.right) metadataWritten.push(variable)
      }

      const shown = written.length > 0 ? written : metadataWritten
      const kind = written.length > 0 ? "secret" : "variable"
      const text = shown.length === 0
        ? `nothing to store in GitHub Actions (${where})`
        : `GitHub Actions ${kind}${shown.length === 1 ? "" : "s"} ${shown.join(", ")} (${where})`
      return { where: text, warnings, ...(written.length > 0 ? { storedIn: "github" } : {}) } satisfies Persisted
    })

    const credential: Effect.Effect<OwnCredential | undefined> = Effect.gen(function*() {
      let seen = yield* Ref.get(expiry)
      if (Option.isNone(seen)) {
        // nothing answered yet this run (a dry run, nothing to rotate): the cheapest authenticated
        // read, shared with the preflight so an unreachable GitHub is not asked again
        yield* keyReadable.pipe(Effect.ignore)
        seen = yield* Ref.get(expiry)
      }
      if (Option.isNone(seen)) return undefined
      return {
        backend: "github",
        name: tokenFrom,
        expiresAt: seen.value,
        renew: `create a new token with "Secrets: read and write" on ${settings.repository} and replace the ${tokenFrom} secret ` +
          `(or switch to a GitHub App installation token, minted per run)`
      } satisfies OwnCredential
    })

    // the secrets written here are the next workflow's environment: nothing shadows them
    return WriteBack.of({ name: "github", shadowedByEnvironment: false, preflight, persist, credential })
  })

// ---- the layer, from config ----------------------------------------------------------

const optional = (name: string) => Config.option(Config.nonEmptyString(name))

const Env = Config.all({
  heraldToken: Config.option(Config.redacted(Config.nonEmptyString("HERALD_GITHUB_TOKEN"))),
  ghToken: Config.option(Config.redacted(Config.nonEmptyString("GH_TOKEN"))),
  workflowToken: optional("GITHUB_TOKEN"),
  repository: optional("GITHUB_REPOSITORY"),
  apiUrl: optional("GITHUB_API_URL")
})

const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/

/** `auth.writeback.github` in the config file: repository secrets, or one environment's. */
export const configSection = Schema.Struct({
  repository: Schema.optional(Schema.String),
  api_url: Schema.optional(Url),
  environment: Schema.optional(Schema.String)
})
export type ConfigSection = typeof configSection.Type

/** Pure: what the config check says about a well-formed section (DESIGN §2 rule 8 for api_url; owner/name). */
export const configIssues = (section: ConfigSection): ReadonlyArray<string> => {
  const issues: Array<string> = []
  const t = section.api_url === undefined ? undefined : transportIssue(section.api_url)
  if (t !== undefined) issues.push(`api_url: ${t}`)
  if (section.repository !== undefined && !REPOSITORY.test(section.repository.trim())) {
    issues.push(`repository: expected owner/name (e.g. octo-org/blog), not ${section.repository}`)
  }
  return issues
}

/** Settings from `auth.writeback.github` and the environment; every problem named at once. */
export const settingsFromConfig = Effect.fn("WriteBack.github.settings")(function*(file: string, section: ConfigSection | undefined) {
  const env = yield* Env.pipe(
    Effect.mapError(() =>
      new ConfigError({ file, issues: ["GitHub write-back: cannot read HERALD_GITHUB_TOKEN, GH_TOKEN, GITHUB_REPOSITORY or GITHUB_API_URL from the environment"] })
    )
  )
  const issues: Array<string> = []
  const [token, tokenFrom] = Option.isSome(env.heraldToken)
    ? [env.heraldToken.value, "HERALD_GITHUB_TOKEN" as const]
    : Option.isSome(env.ghToken)
    ? [env.ghToken.value, "GH_TOKEN" as const]
    : [undefined, undefined]
  if (token === undefined) {
    issues.push(
      Option.isSome(env.workflowToken)
        ? "only GITHUB_TOKEN is set, and a workflow's own GITHUB_TOKEN cannot write Actions secrets: create a fine-grained personal access token " +
          `with "Secrets: read and write" on the repository (or mint a GitHub App installation token, e.g. with actions/create-github-app-token) ` +
          "and pass it as HERALD_GITHUB_TOKEN"
        : "HERALD_GITHUB_TOKEN (or GH_TOKEN) is not set: auth.writeback.backend is github, which needs a fine-grained personal access token " +
          `with "Secrets: read and write" on the repository, or a GitHub App installation token`
    )
  }
  const [repository, repositoryFrom] = section?.repository !== undefined
    ? [section.repository.trim(), "auth.writeback.github.repository"]
    : [Option.getOrUndefined(env.repository), "GITHUB_REPOSITORY"]
  if (repository === undefined) {
    issues.push("auth.writeback.github.repository is not set and GITHUB_REPOSITORY is not in the environment: set it to owner/name")
  } else if (!REPOSITORY.test(repository)) {
    issues.push(`${repositoryFrom} must be owner/name (e.g. octo-org/blog), not ${repository}`)
  }
  const [apiUrl, apiUrlFrom] = section?.api_url !== undefined
    ? [section.api_url, "auth.writeback.github.api_url"]
    : [Option.getOrElse(env.apiUrl, () => DEFAULT_API_URL), Option.isSome(env.apiUrl) ? "GITHUB_API_URL" : "the default API URL"]
  const problem = apiUrlIssue(apiUrl)
  if (problem !== undefined) issues.push(`${apiUrlFrom} ${problem}: ${apiUrl}`)
  const environment = section?.environment
  if (environment !== undefined && environment.trim() === "") {
    issues.push("auth.writeback.github.environment is empty: remove it for repository secrets, or name the environment")
  }

  if (issues.length > 0 || token === undefined || tokenFrom === undefined || repository === undefined) {
    return yield* Effect.fail(new ConfigError({ file, issues }))
  }
  return {
    apiUrl,
    repository,
    token,
    tokenFrom,
    ...(environment === undefined ? {} : { environment: environment.trim() })
  } satisfies Settings
})

/** `auth.writeback.backend: github`. */
export const layer: Layer.Layer<WriteBack, ConfigError, AppConfig | HttpClient.HttpClient | Catalog> = Layer.effect(
  WriteBack,
  Effect.gen(function*() {
    const app = yield* AppConfig
    const section = yield* sectionOf(app, "writeback", "github", configSection)
    const settings = yield* settingsFromConfig(app.file, section)
    const timeout = app.config.auth?.timeout_seconds
    return yield* make(timeout === undefined ? settings : { ...settings, timeout: Duration.seconds(timeout) })
  })
)
