/**
 * A loopback stand-in for GitLab's project CI/CD variables API (PROVIDERS §6), strict
 * where the real one bites: PUT never creates (404 `Variable Not Found`), masked values
 * that break the rules get the bare 400 `{"message":{"value":["is invalid"]}}`, a PUT that
 * omits a flag resets it (`raw` to false, as documented; the others to their create-time
 * defaults) so a client that forgets to re-send flags is caught, `JOB-TOKEN` is refused,
 * and several variables under one key need `filter[environment_scope]` (409 otherwise).
 * POSTs are counted because herald must never create a variable.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export type VariableType = "env_var" | "file"
export type Role = "developer" | "maintainer" | "owner"

export interface Variable {
  key: string
  value: string
  variable_type: VariableType
  protected: boolean
  masked: boolean
  hidden: boolean
  raw: boolean
  environment_scope: string
  description: string | null
}

export type SeedVariable = Partial<Omit<Variable, "key" | "value">> & { readonly key: string; readonly value: string }

export interface TokenGrant {
  /** `api` may write; `read_api` may only read */
  readonly scopes: ReadonlyArray<string>
  readonly role: Role
  /** `expires_at` of /personal_access_tokens/self, a date like 2026-12-07 (default null: never) */
  readonly expiresAt?: string | null
}

/** A canned answer for the next matching requests, before any other handling (auth included). */
export interface Fault {
  readonly method?: string
  /** matches the variable key in the path, when set */
  readonly key?: string
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** how many requests it answers; Infinity for "every" (default 1) */
  times?: number
}

export interface FakeRequest {
  readonly method: string
  /** the raw request target, as sent (to check query encoding) */
  readonly rawUrl: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** which auth header was used, never its value */
  readonly auth: "PRIVATE-TOKEN" | "JOB-TOKEN" | "Authorization" | "none"
  readonly body: Readonly<Record<string, unknown>>
  readonly status: number
}

export interface GitLabFakeOptions {
  /** accepted tokens (sent as PRIVATE-TOKEN); default none, so every call is 401 */
  readonly tokens?: Readonly<Record<string, TokenGrant>>
  /** the project's full path and numeric id; either may address it */
  readonly projectPath?: string
  readonly projectId?: number
  readonly variables?: ReadonlyArray<SeedVariable>
  readonly faults?: ReadonlyArray<Fault>
  /** older instances only accept the Base64 alphabet plus `@ : . ~` in masked values */
  readonly legacyMaskedAlphabet?: boolean
  /** `GET /personal_access_tokens/self` answers 404, as before GitLab 15.5 */
  readonly noTokenSelfEndpoint?: boolean
}

export interface GitLabFake {
  /** the API v4 root, e.g. http://127.0.0.1:PORT/api/v4 */
  readonly url: string
  readonly projectPath: string
  readonly projectId: number
  /** keyed by `variableId(key, scope)` */
  readonly variables: Map<string, Variable>
  readonly get: (key: string, scope?: string) => Variable | undefined
  readonly posts: number
  readonly requests: ReadonlyArray<FakeRequest>
  /** requests of one method to the variables API */
  readonly count: (method: string) => number
  readonly fail: (fault: Fault) => void
  readonly close: () => Promise<void>
}

export const variableId = (key: string, scope = "*"): string => `${key}@${scope}`

/** A variable as a CI secret is usually kept: protected and masked, the rest as GitLab defaults it. */
export const maskedVariable = (key: string, value: string): SeedVariable => ({ key, value, protected: true, masked: true })

const seed = (v: SeedVariable): Variable => ({
  variable_type: "env_var",
  protected: false,
  masked: false,
  hidden: false,
  raw: false,
  environment_scope: "*",
  description: null,
  ...v
})

const LEGACY_MASKED = /^[A-Za-z0-9+/=@:.~_-]{8,}$/

const maskedValueOk = (value: string, legacy: boolean): boolean =>
  legacy ? LEGACY_MASKED.test(value) : /^\S{8,}$/.test(value) && !value.includes("$")

const bool = (v: unknown): boolean => v === true || v === "true" || v === 1 || v === "1"

const present = (v: Variable) => {
  // hidden variables never show their value (PROVIDERS §6)
  const { value, ...rest } = v
  return v.hidden ? { ...rest, value: null } : { ...rest, value }
}

export const startGitLabFake = async (options: GitLabFakeOptions = {}): Promise<GitLabFake> => {
  const projectPath = options.projectPath ?? "group/blog"
  const projectId = options.projectId ?? 42
  const tokens = options.tokens ?? {}
  const variables = new Map<string, Variable>()
  for (const v of options.variables ?? []) {
    const s = seed(v)
    variables.set(variableId(s.key, s.environment_scope), s)
  }
  const faults: Array<Fault> = [...(options.faults ?? [])].map((f) => ({ ...f }))
  const requests: Array<FakeRequest> = []
  let posts = 0

  const readBody = (req: http.IncomingMessage): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        const type = req.headers["content-type"] ?? ""
        if (text === "") return resolve({})
        try {
          if (type.includes("json")) return resolve(JSON.parse(text) as Record<string, unknown>)
          return resolve(Object.fromEntries(new URLSearchParams(text)))
        } catch {
          return resolve({ __unparsable: text })
        }
      })
    })

  const server = http.createServer((req, res) => {
    void (async () => {
      const method = req.method ?? "GET"
      const rawUrl = req.url ?? "/"
      const url = new URL(rawUrl, "http://fake.invalid")
      const query = Object.fromEntries(url.searchParams)
      const body = await readBody(req)
      const auth = req.headers["private-token"] !== undefined
        ? "PRIVATE-TOKEN"
        : req.headers["job-token"] !== undefined
        ? "JOB-TOKEN"
        : req.headers["authorization"] !== undefined
        ? "Authorization"
        : "none"
      // segments are decoded one by one: `group%2Fblog` is one segment
      const segments = url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent)

      const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        requests.push({ method, rawUrl, path: url.pathname, query, auth, body, status })
        res.writeHead(status, payload === undefined ? headers : { "content-type": "application/json", ...headers })
        res.end(payload === undefined ? undefined : JSON.stringify(payload))
      }

      const key = segments[0] === "api" && segments[2] === "projects" ? segments[5] : undefined
      const faultIndex = faults.findIndex((f) =>
        (f.times ?? 1) > 0 && (f.method === undefined || f.method === method) && (f.key === undefined || f.key === key)
      )
      if (faultIndex >= 0) {
        const fault = faults[faultIndex]!
        fault.times = (fault.times ?? 1) - 1
        if (method === "POST") posts++
        return reply(fault.status, fault.body ?? { message: `${fault.status} fault` }, { ...fault.headers })
      }

      if (segments[0] !== "api" || segments[1] !== "v4") return reply(404, { error: "404 Not Found" })

      // CI_JOB_TOKEN is not on the variables API's allow-list (PROVIDERS §6)
      const token = req.headers["private-token"]
      const grant = typeof token === "string" ? tokens[token] : undefined
      if (grant === undefined) return reply(401, { message: "401 Unauthorized" })

      if (segments[2] === "personal_access_tokens" && segments[3] === "self" && segments.length === 4) {
        if (options.noTokenSelfEndpoint === true) return reply(404, { error: "404 Not Found" })
        return reply(200, { id: 1, name: "herald", revoked: false, active: true, scopes: grant.scopes, expires_at: grant.expiresAt ?? null })
      }

      if (segments[2] !== "projects" || segments[3] === undefined || segments[4] !== "variables" || segments.length > 6) {
        return reply(404, { error: "404 Not Found" })
      }
      if (segments[3] !== projectPath && segments[3] !== String(projectId)) {
        return reply(404, { message: "404 Project Not Found" })
      }
      // variables need the Maintainer role (admin_cicd_variables); writes need the api scope
      if (grant.role === "developer") return reply(403, { message: "403 Forbidden" })
      const writes = method !== "GET"
      if (writes && !grant.scopes.includes("api")) {
        return reply(403, {
          error: "insufficient_scope",
          error_description: "The request requires higher privileges than provided by the access token.",
          scope: "api"
        })
      }

      if (method === "POST" && key === undefined) {
        posts++
        const k = typeof body["key"] === "string" ? body["key"] : ""
        const value = typeof body["value"] === "string" ? body["value"] : undefined
        if (!/^[A-Za-z0-9_]{1,255}$/.test(k) || value === undefined) return reply(400, { message: "400 Bad request" })
        const scope = typeof body["environment_scope"] === "string" ? body["environment_scope"] : "*"
        if (variables.has(variableId(k, scope))) return reply(400, { message: { key: [`(${k}) has already been taken`] } })
        const v = seed({
          key: k,
          value,
          environment_scope: scope,
          protected: bool(body["protected"]),
          masked: bool(body["masked"]) || bool(body["masked_and_hidden"]),
          hidden: bool(body["masked_and_hidden"]),
          raw: bool(body["raw"]),
          variable_type: body["variable_type"] === "file" ? "file" : "env_var"
        })
        if (v.masked && !maskedValueOk(v.value, options.legacyMaskedAlphabet === true)) {
          return reply(400, { message: { value: ["is invalid"] } })
        }
        variables.set(variableId(v.key, v.environment_scope), v)
        return reply(201, present(v))
      }
      if (key === undefined) return reply(405, { error: "405 Method Not Allowed" })

      const filter = query["filter[environment_scope]"]
      const matches = [...variables.values()].filter((v) =>
        v.key === key && (filter === undefined || v.environment_scope === filter)
      )
      if (matches.length === 0) return reply(404, { message: "404 Variable Not Found" })
      if (matches.length > 1) {
        return reply(409, { message: "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'" })
      }
      const current = matches[0]!

      switch (method) {
        case "GET":
          return reply(200, present(current))
        case "DELETE":
          variables.delete(variableId(current.key, current.environment_scope))
          return reply(204)
        case "PUT": {
          if (typeof body["value"] !== "string") return reply(400, { error: "value is missing" })
          if ("masked_and_hidden" in body || "hidden" in body) {
            return reply(400, { error: "masked_and_hidden does not have a valid value" })
          }
          // omitted flags fall back to defaults: the documented `raw: false`, and (stricter
          // than GitLab is known to be) the others too, so every flag must be re-sent
          const next: Variable = {
            ...current,
            value: body["value"],
            raw: "raw" in body ? bool(body["raw"]) : false,
            protected: "protected" in body ? bool(body["protected"]) : false,
            masked: current.hidden ? true : "masked" in body ? bool(body["masked"]) : false,
            variable_type: body["variable_type"] === "file" ? "file" : "env_var",
            environment_scope: typeof body["environment_scope"] === "string" ? body["environment_scope"] : "*",
            description: typeof body["description"] === "string" ? body["description"] : current.description
          }
          if (next.masked && !maskedValueOk(next.value, options.legacyMaskedAlphabet === true)) {
            return reply(400, { message: { value: ["is invalid"] } })
          }
          variables.delete(variableId(current.key, current.environment_scope))
          variables.set(variableId(next.key, next.environment_scope), next)
          return reply(200, present(next))
        }
        default:
          return reply(405, { error: "405 Method Not Allowed" })
      }
    })()
  })

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/api/v4`,
    projectPath,
    projectId,
    variables,
    get: (key, scope) => variables.get(variableId(key, scope)),
    get posts() {
      return posts
    },
    requests,
    count: (method) => requests.filter((r) => r.method === method && r.path.includes("/variables")).length,
    fail: (fault) => {
      faults.push({ ...fault })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
