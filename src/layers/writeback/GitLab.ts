/**
 * Write-back into GitLab CI/CD project variables (DESIGN §1 "Write-back", PROVIDERS §6),
 * so the next scheduled pipeline reads the rotated secret.
 *
 * It updates and never creates: a variable someone created by hand carries the flags
 * (masked, protected, scope) the project wants, and a herald-created one would not. Each
 * PUT re-sends the flags read just before it, because GitLab resets an omitted `raw` to
 * false. Masked values are checked here first: GitLab's own answer ("is invalid") does
 * not say which rule failed.
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
import * as Schema from "effect/Schema"
import type { Connection } from "../../domain/Connection.js"
import type { OwnCredential } from "../../domain/Credential.js"
import { ConfigError, PreflightFailed, WriteBackFailed } from "../../domain/errors.js"
import type { MetadataKey, Outcome } from "../../domain/Plan.js"
import { apiUrlIssue, transportIssue } from "../../domain/net.js"
import { envName, type SecretKey } from "../../domain/Platform.js"
import { isEssentialIn } from "../../domain/PlatformCatalog.js"
import { type Answer, makeSend } from "../../http/restApi.js"
import { DEFAULT_TIMEOUT } from "../../http/exchange.js"
import { defaultRetryPolicy, type RetryPolicy } from "../../http/retry.js"
import { withoutUserinfo } from "../../domain/validateConfig.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Catalog } from "../../services/Catalog.js"
import { Scrubber } from "../../services/Scrubber.js"
import { type Persisted, WriteBack } from "../../services/WriteBack.js"
import { Url } from "../../domain/Config.js"
import { sectionOf } from "../config/section.js"

export interface Settings {
  /** the API v4 root, e.g. https://gitlab.example.com/api/v4 */
  readonly apiUrl: string
  /** full path (`group/blog`) or numeric id */
  readonly project: string | number
  /** selects one of several variables sharing a key (`filter[environment_scope]`) */
  readonly environmentScope?: string
  readonly token: Redacted.Redacted<string>
  /** CI_JOB_ID: this job read its variables at its start (see WriteBack.staleEnvironment) */
  readonly jobId?: string
  readonly retry?: RetryPolicy
  /** per attempt */
  readonly timeout?: Duration.Duration
}

// ---- pure checks ---------------------------------------------------------------------

/**
 * Why GitLab would refuse `value` for a masked variable, or undefined when it would not
 * (current rules, PROVIDERS §6). Never quotes the value.
 */
export const checkMaskedValue = (value: string): string | undefined => {
  if (/[\r\n]/.test(value)) return "it spans several lines, and a masked GitLab variable must be a single line"
  if (value.length < 8) {
    return `it is ${value.length} character${value.length === 1 ? "" : "s"} long, and a masked GitLab variable needs at least 8`
  }
  if (value.includes("$")) return "it contains '$', which a masked GitLab variable cannot hold"
  if (value.includes(" ")) return "it contains a space, which a masked GitLab variable cannot hold"
  if (/\s/.test(value)) return "it contains whitespace (a tab or similar), which a masked GitLab variable cannot hold"
  return undefined
}

/** Older instances accept only the Base64 alphabet plus `@ : . ~` in masked values. */
const fitsLegacyMaskedAlphabet = (value: string): boolean => /^[A-Za-z0-9+/=@:.~_-]*$/.test(value)

// ---- reading GitLab's answers ----------------------------------------------------------

const RemoteVariable = Schema.Struct({
  // `value` is deliberately not decoded: herald never needs the old secret
  key: Schema.String,
  variable_type: Schema.optional(Schema.String),
  protected: Schema.Boolean,
  masked: Schema.Boolean,
  raw: Schema.optional(Schema.Boolean),
  hidden: Schema.optional(Schema.Boolean),
  environment_scope: Schema.optional(Schema.String),
  description: Schema.optional(Schema.NullOr(Schema.String))
})
type RemoteVariable = typeof RemoteVariable.Type

const clip = (s: string): string => (s.length > 160 ? `${s.slice(0, 157)}...` : s)

/** GitLab's own words: `{message: "..."}`, `{message: {field: [...]}}` or `{error: "..."}`. */
const gitlabSays = (body: unknown): string | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const b = body as Record<string, unknown>
  if (typeof b["message"] === "string") return clip(b["message"])
  if (typeof b["message"] === "object" && b["message"] !== null) {
    const parts = Object.entries(b["message"] as Record<string, unknown>).map(([field, msgs]) =>
      `${field} ${Array.isArray(msgs) ? msgs.filter((m) => typeof m === "string").join(", ") : "is invalid"}`
    )
    return parts.length > 0 ? clip(parts.join("; ")) : undefined
  }
  if (typeof b["error"] === "string") return clip(b["error"])
  return undefined
}

const isVariableNotFound = (answer: Answer): boolean =>
  answer.status === 404 && /variable not found/i.test(gitlabSays(answer.body) ?? "")

const isMaskedValueRejected = (answer: Answer): boolean => {
  const message = (answer.body as { message?: { value?: unknown } } | undefined)?.message
  return answer.status === 400 && typeof message === "object" && message !== null && Array.isArray(message.value)
}

// ---- the service ---------------------------------------------------------------------

const CREATE_HINT = "(Settings → CI/CD → Variables, masked and protected) and run again"

export const make = (settings: Settings) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    // which secrets are essential is each platform's to say (DESIGN §1)
    const catalog = yield* Catalog
    const urlProblem = apiUrlIssue(settings.apiUrl)
    // the layer has already refused such a URL with a ConfigError; a library caller that
    // passes one anyway has a bug, and no token is sent over plain http
    if (urlProblem !== undefined) return yield* Effect.dieMessage(`GitLab api_url ${urlProblem}`)

    const base = settings.apiUrl.replace(/\/+$/, "")
    const project = String(settings.project)
    const projectUrl = `${base}/projects/${encodeURIComponent(project)}`
    const policy = settings.retry ?? defaultRetryPolicy
    const timeout = settings.timeout ?? DEFAULT_TIMEOUT
    const scope = settings.environmentScope
    const scopeNote = scope === undefined ? "" : ` (environment scope ${scope})`

    const authorize = (request: HttpClientRequest.HttpClientRequest) =>
      request.pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.setHeader("PRIVATE-TOKEN", Redacted.value(settings.token))
      )

    const withScope = (request: HttpClientRequest.HttpClientRequest) =>
      // setUrlParam encodes the brackets (`filter%5Benvironment_scope%5D`), as GitLab's docs ask
      scope === undefined ? request : HttpClientRequest.setUrlParam(request, "filter[environment_scope]", scope)

    const send = makeSend(client, { service: "GitLab", policy, timeout })

    const tokenRefused = (answer: Answer) => {
      const detail = answer.status === 403 && gitlabSays(answer.body) === "insufficient_scope" ? " insufficient_scope" : ""
      return `GitLab refused the token (HTTP ${answer.status}${detail}): GITLAB_TOKEN needs the api scope and the Maintainer role on ${project}`
    }

    /** Anything but success or a missing variable, in words a user can act on. */
    const explain = (answer: Answer, name: string): string => {
      const says = gitlabSays(answer.body)
      switch (answer.status) {
        case 401:
        case 403:
          return tokenRefused(answer)
        case 404:
          return /project not found/i.test(says ?? "")
            ? `GitLab project ${project} was not found, or GITLAB_TOKEN cannot see it: check auth.writeback.gitlab.project and the token's access`
            : `GitLab answered HTTP 404${says ? ` (${says})` : ""} for variable ${name}: check auth.writeback.gitlab.api_url (the API v4 root, e.g. https://gitlab.example.com/api/v4)`
        case 409:
          return `several GitLab variables are named ${name} (one per environment scope): set auth.writeback.gitlab.environment_scope to the one herald should update`
        default:
          return `GitLab answered HTTP ${answer.status} for variable ${name}${says ? `: ${says}` : ""}`
      }
    }

    /** The variable's flags, None when it does not exist. */
    const read = (name: string): Effect.Effect<Option.Option<RemoteVariable>, string> =>
      Effect.gen(function*() {
        const answer = yield* send(withScope(authorize(HttpClientRequest.get(`${projectUrl}/variables/${encodeURIComponent(name)}`))))
        if (isVariableNotFound(answer)) return Option.none()
        if (answer.status !== 200) return yield* Effect.fail(explain(answer, name))
        return yield* Schema.decodeUnknown(RemoteVariable)(answer.body).pipe(
          Effect.map(Option.some),
          Effect.mapError(() => `GitLab answered variable ${name} with a body herald cannot read`)
        )
      })

    /**
     * A token without the api scope can read variables but not write them; the preflight
     * GET alone would pass it. Instances without this endpoint (before 15.5) or tokens it
     * does not describe are let through: the PUT will say.
     */
    const checkTokenScope: Effect.Effect<void, string> = Effect.gen(function*() {
      const answer = yield* send(authorize(HttpClientRequest.get(`${base}/personal_access_tokens/self`)))
      if (answer.status === 401) return yield* Effect.fail(tokenRefused(answer))
      const scopes = (answer.body as { scopes?: unknown } | undefined)?.scopes
      if (answer.status !== 200 || !Array.isArray(scopes)) return
      if (!scopes.includes("api")) {
        const has = scopes.filter((s) => typeof s === "string").join(", ") || "none"
        return yield* Effect.fail(
          `GitLab token lacks the api scope (it has ${has}): GITLAB_TOKEN needs the api scope and the Maintainer role on ${project}`
        )
      }
    })

    const notFound = (names: ReadonlyArray<string>): string =>
      names.length === 1
        ? `GitLab variable ${names[0]} does not exist in project ${project}${scopeNote}: create it ${CREATE_HINT}`
        : `GitLab variables ${names.join(", ")} do not exist in project ${project}${scopeNote}: create them ${CREATE_HINT}`

    /** PUT `value` over an existing variable, re-sending its flags. */
    const update = (
      name: string,
      current: RemoteVariable,
      value: Redacted.Redacted<string>,
      masked: { readonly problem: string | undefined; readonly legacyOk: boolean }
    ): Effect.Effect<void, string> =>
      Effect.gen(function*() {
        if (current.masked && masked.problem !== undefined) {
          return yield* Effect.fail(`the new value cannot be stored in masked GitLab variable ${name}: ${masked.problem}`)
        }
        const flags = {
          protected: current.protected,
          masked: current.masked,
          ...(current.raw === undefined ? {} : { raw: current.raw }),
          ...(current.variable_type === undefined ? {} : { variable_type: current.variable_type }),
          ...(current.environment_scope === undefined ? {} : { environment_scope: current.environment_scope }),
          ...(typeof current.description === "string" ? { description: current.description } : {})
        }
        const answer = yield* send(
          withScope(authorize(HttpClientRequest.put(`${projectUrl}/variables/${encodeURIComponent(name)}`))).pipe(
            HttpClientRequest.bodyUnsafeJson({ ...flags, value: Redacted.value(value) })
          )
        )
        if (answer.status >= 200 && answer.status < 300) return
        if (isVariableNotFound(answer)) return yield* Effect.fail(notFound([name]))
        if (isMaskedValueRejected(answer)) {
          return yield* Effect.fail(
            current.masked
              ? `GitLab rejected the new value of masked variable ${name} (HTTP 400 "is invalid") although it meets the current masking rules` +
                (masked.legacyOk
                  ? "; it may equal the name of another variable"
                  : "; this instance seems to use the older rule that allows only A-Z a-z 0-9 + / = @ : . ~ - _ in masked values, and the value has other characters")
              : `GitLab rejected the new value of variable ${name} (HTTP 400 "is invalid")`
          )
        }
        return yield* Effect.fail(explain(answer, name))
      })

    // untraced, like persist: called per connection inside refreshOne's span, where a span and a
    // call-site capture of its own cost more than the call
    const preflight = Effect.fnUntraced(function*(connection: Connection, keys: ReadonlyArray<SecretKey>) {
      const failed = (reason: string) =>
        new PreflightFailed({ platform: connection.platform, account: connection.account, reason })
      // only the essential secrets need a variable before a rotation; the rest are written where they exist
      const essential = keys.filter((key) => isEssentialIn(catalog.platforms, connection.platform, key))
      if (essential.length === 0) return
      yield* checkTokenScope.pipe(Effect.mapError(failed))
      const names = essential.map((key) => envName(connection, key))
      const found = yield* Effect.forEach(names, (name) => Effect.map(read(name), (v) => [name, v] as const)).pipe(
        Effect.mapError(failed)
      )
      const missing = found.filter(([, v]) => Option.isNone(v)).map(([name]) => name)
      if (missing.length > 0) return yield* Effect.fail(failed(notFound(missing)))
    })

    const persist = Effect.fnUntraced(function*(
      connection: Connection,
      update_: Pick<Outcome, "secrets" | "metadata">
    ) {
      // the essential secrets first: they are the ones that cannot be got back
      const essential = (key: SecretKey) => isEssentialIn(catalog.platforms, connection.platform, key)
      const secrets = Object.entries(update_.secrets)
        .filter((e): e is [SecretKey, Redacted.Redacted<string>] => e[1] !== undefined)
        .sort(([a], [b]) => Number(essential(b)) - Number(essential(a)))
      const written: Array<string> = []
      const problems: Array<string> = []
      const warnings: Array<string> = []

      // each secret on its own: one that cannot be written must not stop the others
      for (const [key, value] of secrets) {
        const name = envName(connection, key)
        // the value is only measured here (length, characters), never kept or shown
        const raw = Redacted.value(value)
        const masked = { problem: checkMaskedValue(raw), legacyOk: fitsLegacyMaskedAlphabet(raw) }
        const result = yield* Effect.either(Effect.gen(function*() {
          const current = yield* read(name)
          if (Option.isNone(current)) {
            return yield* Effect.fail(
              essential(key)
                ? notFound([name])
                : `${name} not written: project ${project}${scopeNote} has no such variable (create it ${CREATE_HINT} if your jobs read it)`
            )
          }
          yield* update(name, current.value, value, masked)
          return current.value
        }))
        if (Either.isLeft(result)) {
          // an optional secret that cannot be written does not undo a rotation: the report says so
          if (essential(key)) problems.push(result.left)
          else warnings.push(result.left.startsWith(`${name} not written`) ? result.left : `${name} not written: ${result.left}`)
          continue
        }
        written.push(name)
        if (!result.right.masked) warnings.push(`GitLab variable ${name} is not masked: job logs could show it; mark it masked`)
        if (!result.right.protected) {
          warnings.push(`GitLab variable ${name} is not protected: pipelines on any branch can read it; mark it protected`)
        }
      }

      if (problems.length > 0) {
        return yield* Effect.fail(
          new WriteBackFailed({
            platform: connection.platform,
            account: connection.account,
            reason: problems.join("; ") + (written.length > 0 ? ` (updated: ${written.join(", ")})` : "")
          })
        )
      }

      // expiry metadata is optional: update the variables that exist, skip the rest
      // silently, and never fail a run whose secrets are safely stored over it
      const metadataWritten: Array<string> = []
      for (const [key, at] of Object.entries(update_.metadata) as Array<[MetadataKey, string | undefined]>) {
        if (at === undefined) continue
        const name = envName(connection, key)
        const result = yield* Effect.either(Effect.gen(function*() {
          const current = yield* read(name)
          if (Option.isNone(current)) return false
          yield* update(name, current.value, Redacted.make(at), { problem: checkMaskedValue(at), legacyOk: fitsLegacyMaskedAlphabet(at) })
          return true
        }))
        if (Either.isLeft(result)) warnings.push(`expiry not stored: ${result.left}`)
        else if (result.right) metadataWritten.push(name)
      }

      const shown = written.length > 0 ? written : metadataWritten
      const where = shown.length === 0
        ? `nothing to store in GitLab CI/CD variables${scopeNote}`
        : `GitLab CI/CD variable${shown.length === 1 ? "" : "s"} ${shown.join(", ")}${scopeNote}`
      return { where, warnings, ...(written.length > 0 ? { storedIn: "gitlab" } : {}) } satisfies Persisted
    })

    /** GitLab 16+ tokens always expire (a year at most): the date comes from the token's own description. */
    const credential: Effect.Effect<OwnCredential | undefined> = send(authorize(HttpClientRequest.get(`${base}/personal_access_tokens/self`))).pipe(
      Effect.map((answer) => {
        const expiresAt = (answer.body as { expires_at?: unknown } | undefined)?.expires_at
        if (answer.status !== 200 || typeof expiresAt !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(expiresAt)) return undefined
        return {
          backend: "gitlab",
          name: "GITLAB_TOKEN",
          // a date: the token stops working as that day begins (UTC)
          expiresAt: expiresAt.length === 10 ? `${expiresAt}T00:00:00Z` : expiresAt,
          renew: `create a new access token with the api scope and the Maintainer role on ${project} and replace the GITLAB_TOKEN CI/CD variable`
        } satisfies OwnCredential
      }),
      Effect.orElseSucceed(() => undefined)
    )

    // the variables written here are the next pipeline's environment: nothing shadows them
    return WriteBack.of({
      name: "gitlab",
      shadowedByEnvironment: false,
      ...(settings.jobId !== undefined ? { staleEnvironment: settings.jobId } : {}),
      preflight,
      persist,
      credential
    })
  })

// ---- the layer, from config ----------------------------------------------------------

const Env = Config.all({
  token: Config.option(Config.redacted(Config.nonEmptyString("GITLAB_TOKEN"))),
  projectId: Config.option(Config.nonEmptyString("CI_PROJECT_ID")),
  apiUrl: Config.option(Config.nonEmptyString("CI_API_V4_URL")),
  jobId: Config.option(Config.nonEmptyString("CI_JOB_ID"))
})

/** `auth.writeback.gitlab` in the config file. */
export const configSection = Schema.Struct({
  project: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  api_url: Schema.optional(Url),
  environment_scope: Schema.optional(Schema.String)
})
export type ConfigSection = typeof configSection.Type

/** Pure: what the config check says about a well-formed section (DESIGN §2 rule 8 for api_url). */
export const configIssues = (section: ConfigSection): ReadonlyArray<string> => {
  const t = section.api_url === undefined ? undefined : transportIssue(section.api_url)
  return t === undefined ? [] : [`api_url: ${t}`]
}

/** Settings from `auth.writeback.gitlab` and the environment; every problem named at once. */
export const settingsFromConfig = Effect.fn("WriteBack.gitlab.settings")(function*(file: string, section: ConfigSection | undefined) {
  const env = yield* Env.pipe(
    Effect.mapError(() =>
      new ConfigError({ file, issues: ["GitLab write-back: cannot read GITLAB_TOKEN, CI_PROJECT_ID or CI_API_V4_URL from the environment"] })
    )
  )
  const issues: Array<string> = []
  if (Option.isNone(env.token)) {
    issues.push(
      "GITLAB_TOKEN is not set: auth.writeback.backend is gitlab, which needs a GitLab access token with the api scope and the Maintainer role (CI_JOB_TOKEN cannot update CI/CD variables)"
    )
  }
  const configured = section?.project
  const project = configured !== undefined && String(configured).trim() !== ""
    ? String(configured).trim()
    : Option.getOrUndefined(env.projectId)
  if (project === undefined) {
    issues.push(
      "auth.writeback.gitlab.project is not set and CI_PROJECT_ID is not in the environment: set the project's path (group/blog) or numeric id"
    )
  }
  const [apiUrl, apiUrlFrom] = section?.api_url !== undefined
    ? [section.api_url, "auth.writeback.gitlab.api_url"]
    : [Option.getOrUndefined(env.apiUrl), "CI_API_V4_URL"]
  if (apiUrl === undefined) {
    issues.push(
      "auth.writeback.gitlab.api_url is not set and CI_API_V4_URL is not in the environment: set the API v4 root, e.g. https://gitlab.example.com/api/v4"
    )
  } else {
    const problem = apiUrlIssue(apiUrl)
    // CI_API_V4_URL may carry user:password@ (a proxy's login): never repeated
    if (problem !== undefined) issues.push(`${apiUrlFrom} ${problem}: ${withoutUserinfo(apiUrl)}`)
  }
  const scope = section?.environment_scope
  if (scope !== undefined && scope.trim() === "") issues.push("auth.writeback.gitlab.environment_scope is empty: remove it or name a scope")

  if (issues.length > 0 || Option.isNone(env.token) || project === undefined || apiUrl === undefined) {
    return yield* Effect.fail(new ConfigError({ file, issues }))
  }
  return {
    apiUrl,
    project,
    token: env.token.value,
    ...(Option.isSome(env.jobId) ? { jobId: env.jobId.value } : {}),
    ...(scope === undefined ? {} : { environmentScope: scope })
  } satisfies Settings
})

/**
 * GitLab's answers are relayed in these errors, and GitLab quotes what it was sent ("value
 * … is invalid"): every secret the run knows, GITLAB_TOKEN and the new values included, is
 * scrubbed from their reasons.
 */
export const scrubbed = (writeBack: WriteBack["Type"], scrubber: Scrubber["Type"]): WriteBack["Type"] => ({
  ...writeBack,
  preflight: (connection, keys) =>
    Effect.catchAll(writeBack.preflight(connection, keys), (e) =>
      Effect.flatMap(scrubber.scrub(e.reason), (reason) =>
        Effect.fail(new PreflightFailed({ platform: e.platform, account: e.account, reason })))),
  persist: (connection, update) =>
    scrubber.register(Object.values(update.secrets)).pipe(
      Effect.zipRight(writeBack.persist(connection, update)),
      Effect.catchAll((e) =>
        Effect.flatMap(scrubber.scrub(e.reason), (reason) =>
          Effect.fail(
            new WriteBackFailed({
              platform: e.platform,
              account: e.account,
              reason,
              ...(e.recoveryPath !== undefined ? { recoveryPath: e.recoveryPath } : {})
            })
          )))
    )
})

/** `auth.writeback.backend: gitlab`. */
export const layer: Layer.Layer<WriteBack, ConfigError, AppConfig | HttpClient.HttpClient | Scrubber | Catalog> = Layer.effect(
  WriteBack,
  Effect.gen(function*() {
    const app = yield* AppConfig
    const scrubber = yield* Scrubber
    const section = yield* sectionOf(app, "writeback", "gitlab", configSection)
    const settings = yield* settingsFromConfig(app.file, section)
    yield* scrubber.register([settings.token])
    const timeout = app.config.auth?.timeout_seconds
    const writeBack = yield* make(timeout === undefined ? settings : { ...settings, timeout: Duration.seconds(timeout) })
    return scrubbed(writeBack, scrubber)
  })
)
