/**
 * A loopback stand-in for GitHub's Actions secrets and variables API (PROVIDERS §7),
 * strict where the real one bites: a token and a User-Agent are required; the repository
 * and each environment have their own X25519 key pair, and a PUT must name the current
 * `key_id` of the key it was sealed with; every body is opened with the real libsodium
 * `crypto_box_seal_open`, so a value that was not sealed for this key is refused; a PUT
 * answers 201 when it creates and 204 when it updates; a secret's value can never be read
 * back. Creates are counted, because herald must never create a secret (the probe aside).
 * Tokens are granted per test: read-only, read-write, or the workflow's own GITHUB_TOKEN,
 * which cannot touch secrets at all; an expiring token's answers carry
 * `GitHub-Authentication-Token-Expiration`, as GitHub's do.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import sodium from "libsodium-wrappers"

export interface TokenGrant {
  /** what the token may do with Actions secrets and variables */
  readonly secrets: "write" | "read" | "none"
  /** `2026-10-07 19:07:53 UTC`, sent back in GitHub-Authentication-Token-Expiration */
  readonly expiresAt?: string
}

/** A canned answer for the next matching requests, before any other handling (auth included). */
export interface Fault {
  readonly method?: string
  /** matches the secret or variable name in the path, when set */
  readonly name?: string
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** how many requests it answers; Infinity for "every" (default 1) */
  times?: number
}

export interface StoredSecret {
  readonly name: string
  /** the plaintext, as opened with the key it was sealed for */
  value: string
  readonly createdAt: string
  updatedAt: string
  writes: number
}

export interface StoredVariable {
  readonly name: string
  value: string
}

export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly userAgent: string | undefined
  readonly accept: string | undefined
  readonly apiVersion: string | undefined
  /** "Bearer", "token" or "none"; never the token */
  readonly auth: string
  /** the JSON body's field names */
  readonly fields: ReadonlyArray<string>
  readonly status: number
}

export interface GitHubFakeOptions {
  readonly tokens?: Readonly<Record<string, TokenGrant>>
  /** `owner/name` (default owner/blog) */
  readonly repository?: string
  /** environments that exist, with their secrets and variables */
  readonly environments?: Readonly<Record<string, { readonly secrets?: Readonly<Record<string, string>>; readonly variables?: Readonly<Record<string, string>> }>>
  /** repository secrets that exist, name → plaintext */
  readonly secrets?: Readonly<Record<string, string>>
  /** repository Actions variables, name → value */
  readonly variables?: Readonly<Record<string, string>>
  readonly faults?: ReadonlyArray<Fault>
}

export interface Scope {
  readonly keyId: string
  readonly publicKey: string
  readonly secrets: Map<string, StoredSecret>
  readonly variables: Map<string, StoredVariable>
}

export interface GitHubFake {
  /** the REST root, like https://api.github.com */
  readonly url: string
  readonly repository: string
  readonly repo: Scope
  readonly environment: (name: string) => Scope | undefined
  /** the plaintext of a repository (or environment) secret */
  readonly secret: (name: string, environment?: string) => string | undefined
  readonly variable: (name: string, environment?: string) => string | undefined
  /** secrets that a PUT created (201) */
  readonly creates: ReadonlyArray<string>
  readonly deletes: ReadonlyArray<string>
  readonly requests: ReadonlyArray<FakeRequest>
  /** PUTs of secrets (probe included) */
  readonly count: (method: string) => number
  /** a new key pair for the repository (or an environment): a sealed value for the old key_id is refused */
  readonly rotateKey: (environment?: string) => void
  /** called with each request before it is handled (to change the fake's state mid-exchange) */
  onRequest: ((method: string, path: string) => void) | undefined
  readonly fail: (fault: Fault) => void
  readonly close: () => Promise<void>
}

interface KeyPair {
  keyId: string
  publicKey: Uint8Array
  privateKey: Uint8Array
}

interface ScopeState {
  key: KeyPair
  readonly secrets: Map<string, StoredSecret>
  readonly variables: Map<string, StoredVariable>
}

const b64 = (bytes: Uint8Array) => sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL)

// key ids look like GitHub's (19 digits), which is more than a Number holds exactly
let keySeq = 3380204578043523000n
const newKey = (): KeyPair => {
  const kp = sodium.crypto_box_keypair()
  keySeq += 1n
  return { keyId: String(keySeq), publicKey: kp.publicKey, privateKey: kp.privateKey }
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z")

const scopeOf = (secrets: Readonly<Record<string, string>> = {}, variables: Readonly<Record<string, string>> = {}): ScopeState => ({
  key: newKey(),
  secrets: new Map(Object.entries(secrets).map(([name, value]) => [name, { name, value, createdAt: now(), updatedAt: now(), writes: 0 }])),
  variables: new Map(Object.entries(variables).map(([name, value]) => [name, { name, value }]))
})

const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest" }

export const startGitHubFake = async (options: GitHubFakeOptions = {}): Promise<GitHubFake> => {
  await sodium.ready
  const repository = options.repository ?? "owner/blog"
  const tokens = options.tokens ?? {}
  const repo = scopeOf(options.secrets, options.variables)
  const environments = new Map<string, ScopeState>(
    Object.entries(options.environments ?? {}).map(([name, e]) => [name, scopeOf(e.secrets, e.variables)])
  )
  const faults: Array<Fault> = [...(options.faults ?? [])].map((f) => ({ ...f }))
  const requests: Array<FakeRequest> = []
  const creates: Array<string> = []
  const deletes: Array<string> = []

  const readBody = (req: http.IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    })

  const server = http.createServer((req, res) => {
    void (async () => {
      const method = req.method ?? "GET"
      const url = new URL(req.url ?? "/", "http://fake.invalid")
      const text = await readBody(req)
      let body: Record<string, unknown> = {}
      try {
        body = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>)
      } catch {
        body = { __unparsable: text }
      }
      const authorization = req.headers["authorization"] ?? ""
      const scheme = /^(Bearer|token)\s+/i.exec(authorization)?.[1] ?? "none"
      const token = authorization.replace(/^(Bearer|token)\s+/i, "").trim()
      const grant = scheme === "none" ? undefined : tokens[token]
      const segments = url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent)

      const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        requests.push({
          method,
          path: url.pathname,
          userAgent: req.headers["user-agent"],
          accept: req.headers["accept"],
          apiVersion: typeof req.headers["x-github-api-version"] === "string" ? req.headers["x-github-api-version"] : undefined,
          auth: scheme,
          fields: Object.keys(body),
          status
        })
        const common: Record<string, string> = grant?.expiresAt !== undefined
          ? { "github-authentication-token-expiration": grant.expiresAt }
          : {}
        res.writeHead(status, payload === undefined ? { ...common, ...headers } : { "content-type": "application/json; charset=utf-8", ...common, ...headers })
        res.end(payload === undefined ? undefined : JSON.stringify(payload))
      }

      // /repos/{owner}/{repo}/[environments/{env}/](actions/)?(secrets|variables)/{name}
      const owner = `${segments[1] ?? ""}/${segments[2] ?? ""}`
      let rest = segments.slice(3)
      let envName: string | undefined = undefined
      if (rest[0] === "environments") {
        envName = rest[1]
        rest = rest.slice(2)
      } else if (rest[0] === "actions") {
        rest = rest.slice(1)
      }
      const kind = rest[0]
      const name = rest[1]

      fake.onRequest?.(method, url.pathname)
      const faultIndex = faults.findIndex((f) =>
        (f.times ?? 1) > 0 && (f.method === undefined || f.method === method) && (f.name === undefined || f.name === name)
      )
      if (faultIndex >= 0) {
        const fault = faults[faultIndex]!
        fault.times = (fault.times ?? 1) - 1
        return reply(fault.status, fault.body ?? { message: `${fault.status} fault` }, { ...fault.headers })
      }

      // GitHub refuses a request without a User-Agent before it looks at anything else
      if (typeof req.headers["user-agent"] !== "string" || req.headers["user-agent"].trim() === "") {
        return reply(403, {
          message: "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."
        })
      }
      if (scheme === "none") return reply(401, { message: "Requires authentication", documentation_url: "https://docs.github.com/rest" })
      if (grant === undefined) return reply(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" })

      if (segments[0] !== "repos" || owner !== repository) return reply(404, NOT_FOUND)
      const scope = envName === undefined ? repo : environments.get(envName)
      if (scope === undefined) return reply(404, NOT_FOUND)
      if (kind !== "secrets" && kind !== "variables") return reply(404, NOT_FOUND)
      // the workflow's GITHUB_TOKEN has no secrets permission at all
      if (grant.secrets === "none") {
        return reply(403, { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest" })
      }
      const forbidden = () => reply(403, { message: "Resource not accessible by personal access token", documentation_url: "https://docs.github.com/rest" })

      if (kind === "secrets") {
        if (name === "public-key" && rest.length === 2) {
          if (method !== "GET") return reply(404, NOT_FOUND)
          return reply(200, { key_id: scope.key.keyId, key: b64(scope.key.publicKey) })
        }
        if (name === undefined || rest.length !== 2) return reply(404, NOT_FOUND)
        const existing = scope.secrets.get(name.toUpperCase())
        switch (method) {
          case "GET":
            // names and dates only: a secret's value never leaves GitHub
            return existing === undefined
              ? reply(404, NOT_FOUND)
              : reply(200, { name: existing.name, created_at: existing.createdAt, updated_at: existing.updatedAt })
          case "PUT": {
            if (grant.secrets !== "write") return forbidden()
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || /^GITHUB_/i.test(name)) {
              return reply(422, { message: "Invalid request.\n\nName is invalid.", documentation_url: "https://docs.github.com/rest" })
            }
            const sealed = body["encrypted_value"]
            const keyId = body["key_id"]
            if (typeof sealed !== "string" || typeof keyId !== "string") {
              return reply(422, { message: "Invalid request.\n\n\"encrypted_value\" and \"key_id\" are required.", documentation_url: "https://docs.github.com/rest" })
            }
            if (keyId !== scope.key.keyId) {
              return reply(422, { message: "Invalid request.\n\nkey_id does not match the current public key.", documentation_url: "https://docs.github.com/rest" })
            }
            let plaintext: string
            try {
              const opened = sodium.crypto_box_seal_open(sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL), scope.key.publicKey, scope.key.privateKey)
              plaintext = sodium.to_string(opened)
            } catch {
              return reply(422, { message: "Invalid request.\n\nencrypted_value could not be decrypted with the key.", documentation_url: "https://docs.github.com/rest" })
            }
            const upper = name.toUpperCase()
            if (existing === undefined) {
              scope.secrets.set(upper, { name: upper, value: plaintext, createdAt: now(), updatedAt: now(), writes: 1 })
              creates.push(envName === undefined ? upper : `${envName}/${upper}`)
              return reply(201, {})
            }
            existing.value = plaintext
            existing.updatedAt = now()
            existing.writes++
            return reply(204)
          }
          case "DELETE":
            if (grant.secrets !== "write") return forbidden()
            if (existing === undefined) return reply(404, NOT_FOUND)
            scope.secrets.delete(name.toUpperCase())
            deletes.push(envName === undefined ? existing.name : `${envName}/${existing.name}`)
            return reply(204)
          default:
            return reply(404, NOT_FOUND)
        }
      }

      // Actions variables: readable, PATCH updates, POST creates
      if (name === undefined) {
        if (method !== "POST") return reply(404, NOT_FOUND)
        if (grant.secrets !== "write") return forbidden()
        const n = typeof body["name"] === "string" ? body["name"].toUpperCase() : ""
        if (n === "" || typeof body["value"] !== "string") return reply(422, { message: "Invalid request." })
        if (scope.variables.has(n)) return reply(409, { message: "Already exists" })
        scope.variables.set(n, { name: n, value: body["value"] })
        creates.push(`variable:${n}`)
        return reply(201, {})
      }
      const variable = scope.variables.get(name.toUpperCase())
      switch (method) {
        case "GET":
          return variable === undefined ? reply(404, NOT_FOUND) : reply(200, { name: variable.name, value: variable.value })
        case "PATCH":
          if (grant.secrets !== "write") return forbidden()
          if (variable === undefined) return reply(404, NOT_FOUND)
          if (typeof body["value"] !== "string") return reply(422, { message: "Invalid request." })
          variable.value = body["value"]
          return reply(204)
        default:
          return reply(404, NOT_FOUND)
      }
    })()
  })

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  const view = (s: ScopeState): Scope => ({
    get keyId() {
      return s.key.keyId
    },
    get publicKey() {
      return b64(s.key.publicKey)
    },
    secrets: s.secrets,
    variables: s.variables
  })

  const fake: GitHubFake = {
    onRequest: undefined,
    url: `http://127.0.0.1:${port}`,
    repository,
    repo: view(repo),
    environment: (name) => {
      const e = environments.get(name)
      return e === undefined ? undefined : view(e)
    },
    secret: (name, environment) => (environment === undefined ? repo : environments.get(environment))?.secrets.get(name)?.value,
    variable: (name, environment) => (environment === undefined ? repo : environments.get(environment))?.variables.get(name)?.value,
    creates,
    deletes,
    requests,
    count: (method) => requests.filter((r) => r.method === method && /\/secrets\/(?!public-key)/.test(r.path)).length,
    rotateKey: (environment) => {
      const s = environment === undefined ? repo : environments.get(environment)
      if (s !== undefined) s.key = newKey()
    },
    fail: (fault) => {
      faults.push({ ...fault })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
  return fake
}
