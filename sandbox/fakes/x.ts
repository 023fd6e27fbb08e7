/**
 * X OAuth 2.0 (PROVIDERS §5): `POST /2/oauth2/token` with single-use refresh tokens, HTTP
 * Basic for confidential clients and `client_id` in the body for public ones, lower-case
 * `bearer`, `x-rate-limit-*` headers, and `GET /2/users/me`. Login: the consent page
 * `GET /i/oauth2/authorize` (PKCE S256 required) and `grant_type=authorization_code` at the
 * token endpoint, which checks the code_verifier and issues a refresh token only when
 * `offline.access` was granted.
 */
import { AuthorizationCodes, type Consent, errorPage, redirectTo, validRedirect } from "./authorize.js"
import {
  basicAuthMatches,
  bearer,
  type CommonOptions,
  epochSeconds,
  type Fake,
  type FakeResponse,
  json,
  methodNotAllowed,
  notFound,
  SECOND,
  startFakeServer,
  TokenStore
} from "./server.js"

export interface XFakeOptions extends CommonOptions {
  readonly clientId: string
  /** required when confidential */
  readonly clientSecret?: string
  /** confidential clients must send Basic auth; public ones send client_id (default true) */
  readonly confidential?: boolean
  /** the `error` for a spent or unknown refresh token (default `invalid_request`; some servers say `invalid_grant`) */
  readonly deadTokenError?: "invalid_request" | "invalid_grant"
  /** reported: replaying a spent refresh token kills its whole family (unconfirmed; default false) */
  readonly replayRevokesFamily?: boolean
  /** requests per 15-minute window before 429 (default 500) */
  readonly rateLimit?: number
  /** space-separated (default `tweet.read tweet.write users.read offline.access`) */
  readonly scope?: string
  readonly user?: { readonly id: string; readonly name: string; readonly username: string }
  /** what the consent page does (default approve; also settable as `fake.consent`) */
  readonly consent?: Consent
}

export interface XTokenOptions {
  readonly issuedAt?: number
  readonly expiresAt?: number
}

export interface XFake extends Fake {
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly confidential: boolean
  readonly tokens: TokenStore
  /** settable: whether the next consent is approved or denied */
  consent: Consent
  /** the authorization codes the consent page issued (and the authorize requests it saw) */
  readonly codes: AuthorizationCodes
  issueRefreshToken(value?: string, options?: XTokenOptions): string
  issueAccessToken(value?: string, options?: XTokenOptions): string
  currentRefreshToken(): string | undefined
  liveRefreshTokens(): Array<string>
  liveAccessTokens(): Array<string>
  revoke(token: string): void
}

export const X_TOKEN_PATH = "/2/oauth2/token"
export const X_ME_PATH = "/2/users/me"
export const X_AUTHORIZE_PATH = "/i/oauth2/authorize"

const WINDOW_MS = 15 * 60 * SECOND
const DEAD_TOKEN = "Value passed for the token was invalid."

export const startXFake = async (options: XFakeOptions): Promise<XFake> => {
  const now = options.now ?? Date.now
  const confidential = options.confidential ?? true
  if (confidential && options.clientSecret === undefined) {
    throw new Error("startXFake: a confidential client needs clientSecret")
  }
  const tokens = new TokenStore(options.tokenPrefix ?? "fake-x", now)
  const limit = options.rateLimit ?? 500
  const scope = options.scope ?? "tweet.read tweet.write users.read offline.access"
  const user = options.user ?? { id: "1000000000000000001", name: "Sandbox Brand", username: "sandbox_brand" }
  const windows = new Map<string, { start: number; used: number }>()
  const codes = new AuthorizationCodes(options.tokenPrefix ?? "fake-x", now)

  /** Count this call against its endpoint's window; the headers X sends, and whether it is over. */
  const rate = (path: string, at: number): { headers: Record<string, string>; over: boolean } => {
    let w = windows.get(path)
    if (w === undefined || at >= w.start + WINDOW_MS) {
      w = { start: at, used: 0 }
      windows.set(path, w)
    }
    w.used++
    return {
      over: w.used > limit,
      headers: {
        "x-rate-limit-limit": String(limit),
        "x-rate-limit-remaining": String(Math.max(0, limit - w.used)),
        "x-rate-limit-reset": String(epochSeconds(w.start + WINDOW_MS))
      }
    }
  }

  const token = (req: { form: Readonly<Record<string, string>>; headers: Readonly<Record<string, string>> }, at: number) => {
    const { form, headers } = req
    if (confidential) {
      if (!basicAuthMatches(headers, options.clientId, options.clientSecret ?? "")) {
        return json(401, { error: "unauthorized_client", error_description: "Missing valid authorization header" })
      }
    } else {
      if (form["client_id"] === undefined || form["client_id"] === "") {
        return json(400, { error: "invalid_request", error_description: "Missing required parameter [client_id]." })
      }
      if (form["client_id"] !== options.clientId) {
        return json(401, { error: "unauthorized_client", error_description: "Missing valid authorization header" })
      }
    }
    if (form["grant_type"] === undefined) {
      return json(400, { error: "invalid_request", error_description: "Missing required parameter [grant_type]." })
    }
    if (form["grant_type"] === "authorization_code") return exchangeCode(form, at)
    if (form["grant_type"] !== "refresh_token") {
      return json(400, { error: "unsupported_grant_type", error_description: "Unsupported grant type." })
    }
    const presented = form["refresh_token"]
    if (presented === undefined || presented === "") {
      return json(400, { error: "invalid_request", error_description: "Missing required parameter [refresh_token]." })
    }
    const old = tokens.live(presented, "refresh")
    if (old === undefined) {
      const known = tokens.get(presented)
      if (known !== undefined && known.status === "spent" && options.replayRevokesFamily === true) {
        tokens.revokeFamily(known.family)
      }
      return json(400, { error: options.deadTokenError ?? "invalid_request", error_description: DEAD_TOKEN })
    }
    old.status = "spent"
    const refresh = tokens.issue("refresh", undefined, { issuedAt: at, family: old.family })
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: at + 7200 * SECOND,
      family: old.family,
      parent: refresh.value
    })
    fake.counters.refreshes++
    fake.counters.rotations++
    return json(200, {
      token_type: "bearer",
      expires_in: 7200,
      access_token: access.value,
      scope,
      refresh_token: refresh.value
    })
  }

  /** The consent page: the test is the browser, `fake.consent` is the user. */
  const authorize = (query: Readonly<Record<string, string>>): FakeResponse => {
    codes.requests.push(query)
    if (query["client_id"] !== options.clientId) return errorPage("Something went wrong: unknown client_id")
    if (!validRedirect(query["redirect_uri"])) return errorPage("Something went wrong: invalid redirect_uri")
    if (query["response_type"] !== "code") return errorPage("Something went wrong: response_type must be code")
    if (!query["code_challenge"] || query["code_challenge_method"] !== "S256") {
      return errorPage("Something went wrong: code_challenge is required")
    }
    const state = query["state"] !== undefined ? { state: query["state"] } : {}
    if (fake.consent === "deny") return redirectTo(query["redirect_uri"], { error: "access_denied", ...state })
    const code = codes.issue(query, options.clientId)
    return redirectTo(query["redirect_uri"], { code: code.value, ...state })
  }

  /** A code becomes a new token family; without offline.access X issues no refresh token. */
  const exchangeCode = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    const r = codes.redeem(form["code"], {
      clientId: options.clientId,
      redirectUri: form["redirect_uri"],
      verifier: form["code_verifier"]
    })
    if (!r.ok) {
      return r.reason === "verifier-missing"
        ? json(400, { error: "invalid_request", error_description: "Missing required parameter [code_verifier]." })
        : json(400, { error: "invalid_request", error_description: "Value passed for the authorization code was invalid." })
    }
    const family = tokens.newFamily()
    const offline = r.code.scope.split(" ").includes("offline.access")
    const refresh = offline ? tokens.issue("refresh", undefined, { issuedAt: at, family }) : undefined
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: at + 7200 * SECOND,
      family,
      ...(refresh !== undefined ? { parent: refresh.value } : {})
    })
    return json(200, {
      token_type: "bearer",
      expires_in: 7200,
      access_token: access.value,
      scope: r.code.scope,
      ...(refresh !== undefined ? { refresh_token: refresh.value } : {})
    })
  }

  const me = (headers: Readonly<Record<string, string>>): FakeResponse =>
    tokens.live(bearer(headers), "access") === undefined
      ? json(401, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" })
      : json(200, { data: user })

  const withRate = (path: string, at: number, answer: () => FakeResponse): FakeResponse => {
    const r = rate(path, at)
    if (r.over) return json(429, { errors: [{ code: 88, message: "Rate limit exceeded" }] }, r.headers)
    const a = answer()
    return { ...a, headers: { ...r.headers, ...a.headers } }
  }

  const base = await startFakeServer("x", options, (req) => {
    switch (req.path) {
      case X_TOKEN_PATH:
        return req.method === "POST" ? withRate(req.path, req.now, () => token(req, req.now)) : methodNotAllowed(req.method)
      case X_AUTHORIZE_PATH:
        return req.method === "GET" ? authorize(req.query) : methodNotAllowed(req.method)
      case X_ME_PATH:
        return req.method === "GET" ? withRate(req.path, req.now, () => me(req.headers)) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  })

  const fake: XFake = Object.assign(base, {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    confidential,
    tokens,
    consent: options.consent ?? "approve",
    codes,
    issueRefreshToken: (value?: string, o: XTokenOptions = {}) =>
      tokens.issue("refresh", value, {
        issuedAt: o.issuedAt ?? now(),
        ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt } : {})
      }).value,
    issueAccessToken: (value?: string, o: XTokenOptions = {}) => {
      const issuedAt = o.issuedAt ?? now()
      return tokens.issue("access", value, { issuedAt, expiresAt: o.expiresAt ?? issuedAt + 7200 * SECOND }).value
    },
    currentRefreshToken: () => tokens.liveValues("refresh").at(-1),
    liveRefreshTokens: () => tokens.liveValues("refresh"),
    liveAccessTokens: () => tokens.liveValues("access"),
    revoke: (t: string) => {
      tokens.revoke(t)
    }
  })
  return fake
}
