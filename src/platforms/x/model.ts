/**
 * X OAuth 2.0's token behaviour (PROVIDERS §5), pure: `POST /2/oauth2/token` with
 * single-use refresh tokens (a spent one answers `invalid_request` "Value passed for the
 * token was invalid."), HTTP Basic for confidential clients and `client_id` in the body for
 * public ones, lower-case `bearer`, `x-rate-limit-*` headers on a 15-minute window and
 * 429 `{"errors":[{"code":88}]}` past it, and `GET /2/users/me`. Login: the consent page
 * `GET /i/oauth2/authorize` (PKCE S256 required) and `grant_type=authorization_code`,
 * which issues a refresh token only when `offline.access` was granted.
 */
import {
  baseState,
  basicAuthMatches,
  bearer,
  type Consent,
  consentPage,
  epochSeconds,
  type Granted,
  json,
  methodNotAllowed,
  type ModelReply,
  type ModelRequest,
  type ModelState,
  notFound,
  SECOND,
  type TokenModel,
  withEvent
} from "../tokenModel.js"

export interface XModelOptions {
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
  readonly consent?: Consent
}

export interface XState extends ModelState {
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly confidential: boolean
  readonly deadTokenError: "invalid_request" | "invalid_grant"
  readonly replayRevokesFamily: boolean
  readonly rateLimit: number
  readonly scope: string
  readonly user: { readonly id: string; readonly name: string; readonly username: string }
  /** rate windows per path */
  readonly windows: Map<string, { start: number; used: number }>
}

export const paths = {
  token: "/2/oauth2/token",
  health: "/2/users/me",
  authorize: "/i/oauth2/authorize"
} as const

export const ACCESS_SECONDS = 7200
const WINDOW_MS = 15 * 60 * SECOND
export const DEAD_TOKEN = "Value passed for the token was invalid."

/** Count this call against its endpoint's window: the headers X sends, and whether it is over. */
const rate = (s: XState, path: string, at: number): { headers: Record<string, string>; over: boolean } => {
  let w = s.windows.get(path)
  if (w === undefined || at >= w.start + WINDOW_MS) {
    w = { start: at, used: 0 }
    s.windows.set(path, w)
  }
  w.used++
  return {
    over: w.used > s.rateLimit,
    headers: {
      "x-rate-limit-limit": String(s.rateLimit),
      "x-rate-limit-remaining": String(Math.max(0, s.rateLimit - w.used)),
      "x-rate-limit-reset": String(epochSeconds(w.start + WINDOW_MS))
    }
  }
}

const tooMany = (headers: Readonly<Record<string, string>>): ModelReply =>
  json(429, { errors: [{ code: 88, message: "Rate limit exceeded" }] }, headers)

const unauthorized = (): ModelReply => json(401, { error: "unauthorized_client", error_description: "Missing valid authorization header" })
const invalidRequest = (description: string): ModelReply => json(400, { error: "invalid_request", error_description: description })

const pair = (s: XState, at: number, family: number, withRefresh: boolean): Granted =>
  s.tokens.issuePair(at, { family, accessExpiresAt: at + ACCESS_SECONDS * SECOND, refresh: withRefresh && {} })

const tokenBody = (p: Granted, scope: string) => ({
  token_type: "bearer",
  expires_in: ACCESS_SECONDS,
  access_token: p.access?.value,
  scope,
  ...(p.refresh !== undefined ? { refresh_token: p.refresh.value } : {})
})

const token = (s: XState, req: ModelRequest, at: number): ModelReply => {
  const { form, headers } = req
  if (s.confidential) {
    if (!basicAuthMatches(headers, s.clientId, s.clientSecret ?? "")) return unauthorized()
  } else {
    if (form["client_id"] === undefined || form["client_id"] === "") return invalidRequest("Missing required parameter [client_id].")
    if (form["client_id"] !== s.clientId) return unauthorized()
  }
  if (form["grant_type"] === undefined) return invalidRequest("Missing required parameter [grant_type].")
  if (form["grant_type"] === "authorization_code") return exchangeCode(s, form, at)
  if (form["grant_type"] !== "refresh_token") return json(400, { error: "unsupported_grant_type", error_description: "Unsupported grant type." })
  const presented = form["refresh_token"]
  if (presented === undefined || presented === "") return invalidRequest("Missing required parameter [refresh_token].")
  const old = s.tokens.live(presented, "refresh", at)
  if (old === undefined) {
    const known = s.tokens.get(presented)
    if (known !== undefined && known.status === "spent" && s.replayRevokesFamily) s.tokens.revokeFamily(known.family)
    return withEvent(json(400, { error: s.deadTokenError, error_description: DEAD_TOKEN }), "dead")
  }
  s.tokens.spend(old, at)
  return withEvent(json(200, tokenBody(pair(s, at, old.family, true), s.scope)), "rotated")
}

const authorize = (s: XState, query: Readonly<Record<string, string>>): ModelReply =>
  consentPage(s, query, {
    clientId: s.clientId,
    refuse: { client: "Something went wrong: unknown client_id", redirect: "Something went wrong: invalid redirect_uri" },
    checks: [
      (q) => (q["response_type"] !== "code" ? "Something went wrong: response_type must be code" : undefined),
      (q) => (!q["code_challenge"] || q["code_challenge_method"] !== "S256" ? "Something went wrong: code_challenge is required" : undefined)
    ],
    denied: { error: "access_denied" }
  })

/** A code becomes a new token family; without offline.access X issues no refresh token. */
const exchangeCode = (s: XState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  const r = s.codes.redeem(form["code"], { clientId: s.clientId, redirectUri: form["redirect_uri"], verifier: form["code_verifier"] })
  if (!r.ok) {
    return r.reason === "verifier-missing"
      ? invalidRequest("Missing required parameter [code_verifier].")
      : invalidRequest("Value passed for the authorization code was invalid.")
  }
  const offline = r.code.scope.split(" ").includes("offline.access")
  return json(200, tokenBody(pair(s, at, s.tokens.newFamily(), offline), r.code.scope))
}

const me = (s: XState, headers: Readonly<Record<string, string>>, at: number): ModelReply =>
  s.tokens.live(bearer(headers), "access", at) === undefined
    ? json(401, { title: "Unauthorized", type: "about:blank", status: 401, detail: "Unauthorized" })
    : json(200, { data: s.user })

const withRate = (s: XState, path: string, at: number, answer: () => ModelReply): ModelReply => {
  const r = rate(s, path, at)
  if (r.over) return tooMany(r.headers)
  const a = answer()
  return { ...a, headers: { ...r.headers, ...a.headers } }
}

export const model: TokenModel<XState, XModelOptions> = {
  id: "x",
  paths,
  init: (o, env) => {
    const confidential = o.confidential ?? true
    if (confidential && o.clientSecret === undefined) throw new Error("X model: a confidential client needs clientSecret")
    return {
      ...baseState(o.consent, env),
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      confidential,
      deadTokenError: o.deadTokenError ?? "invalid_request",
      replayRevokesFamily: o.replayRevokesFamily ?? false,
      rateLimit: o.rateLimit ?? 500,
      scope: o.scope ?? "tweet.read tweet.write users.read offline.access",
      user: o.user ?? { id: "1000000000000000001", name: "Sandbox Brand", username: "sandbox_brand" },
      windows: new Map()
    }
  },
  answer: (s, req, now) => {
    switch (req.path) {
      case paths.token:
        return req.method === "POST" ? withRate(s, req.path, now, () => token(s, req, now)) : methodNotAllowed(req.method)
      case paths.authorize:
        return req.method === "GET" ? authorize(s, req.query) : methodNotAllowed(req.method)
      case paths.health:
        return req.method === "GET" ? withRate(s, req.path, now, () => me(s, req.headers, now)) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  },
  grant: (s, now) => pair(s, now, s.tokens.newFamily(), true),
  rateLimited: (s, now) =>
    tooMany({
      "x-rate-limit-limit": String(s.rateLimit),
      "x-rate-limit-remaining": "0",
      "x-rate-limit-reset": String(epochSeconds(now + WINDOW_MS))
    }),
  lifetimes: () => ({ access: ACCESS_SECONDS * SECOND, refresh: undefined }),
  errorBodies: {
    deadToken: { error: "invalid_request", error_description: DEAD_TOKEN },
    invalidClient: { error: "unauthorized_client", error_description: "Missing valid authorization header" }
  }
}
