/**
 * TikTok Login Kit v2's token behaviour (PROVIDERS §3), pure: `POST /v2/oauth/token/`
 * (trailing slash) with `client_key`; every refresh rotates, and the presented refresh
 * token dies the moment its successor exists; OAuth errors `{error, error_description,
 * log_id}` under an HTTP status TikTok does not document (settable, 200 or 400);
 * `GET /v2/user/info/` with the `error.code: "ok"` envelope; 429 `rate_limit_exceeded`.
 * Login: the consent page `GET /v2/auth/authorize/` (client_key, comma-separated scope,
 * PKCE S256 hex-encoded) and `grant_type=authorization_code`, which checks the verifier.
 */
import {
  baseState,
  bearer,
  type Consent,
  consentPage,
  type Granted,
  json,
  methodNotAllowed,
  type ModelReply,
  type ModelRequest,
  type ModelState,
  notFound,
  SECOND,
  secondsUntil,
  type TokenModel,
  withEvent
} from "../tokenModel.js"

export interface TikTokModelOptions {
  readonly clientKey: string
  readonly clientSecret: string
  /** HTTP status of OAuth error bodies (TikTok's is unconfirmed; default 400) */
  readonly oauthErrorStatus?: 200 | 400
  /** lifetime of each refresh token issued, seconds (default 15552000, 180 days) */
  readonly refreshExpiresIn?: number
  /** access token lifetime, seconds (default 7200) */
  readonly accessExpiresIn?: number
  readonly openId?: string
  readonly displayName?: string
  /** comma-separated (default `user.info.basic,video.list,video.publish`) */
  readonly scope?: string
  readonly consent?: Consent
}

export interface TikTokState extends ModelState {
  readonly clientKey: string
  readonly clientSecret: string
  /** settable: the HTTP status of the next OAuth error bodies */
  oauthErrorStatus: 200 | 400
  readonly refreshExpiresIn: number
  readonly accessExpiresIn: number
  readonly openId: string
  readonly displayName: string
  readonly scope: string
  /** answers given so far, numbering their log ids */
  logs: number
}

export const paths = {
  token: "/v2/oauth/token/",
  health: "/v2/user/info/",
  authorize: "/v2/auth/authorize/"
} as const

// log ids only need to look like TikTok's and differ between answers
const logId = (s: TikTokState, now: number): string =>
  `${new Date(now).toISOString().replace(/\D/g, "").slice(0, 14)}${(++s.logs).toString(16).toUpperCase().padStart(12, "0")}`

const oauthError = (s: TikTokState, now: number, error: string, description: string): ModelReply =>
  json(s.oauthErrorStatus, { error, error_description: description, log_id: logId(s, now) })

/** A new refresh + access pair in `family`. */
const pair = (s: TikTokState, at: number, family: number): Granted =>
  s.tokens.issuePair(at, {
    family,
    accessExpiresAt: at + s.accessExpiresIn * SECOND,
    refresh: { expiresAt: at + s.refreshExpiresIn * SECOND }
  })

const tokenBody = (s: TikTokState, at: number, p: Granted, scope: string) => ({
  open_id: s.openId,
  scope,
  access_token: p.access?.value,
  expires_in: s.accessExpiresIn,
  refresh_token: p.refresh?.value,
  refresh_expires_in: secondsUntil(at, p.refresh?.expiresAt ?? at),
  token_type: "Bearer"
})

const token = (s: TikTokState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  // a client_id is not a client_key, however right its value
  if (form["client_key"] === undefined) return oauthError(s, at, "invalid_request", "Required parameter client_key is missing.")
  if (form["client_key"] !== s.clientKey || form["client_secret"] !== s.clientSecret) {
    return oauthError(s, at, "invalid_client", "Client key or secret is invalid.")
  }
  if (form["grant_type"] === "authorization_code") return exchangeCode(s, form, at)
  if (form["grant_type"] !== "refresh_token") return oauthError(s, at, "unsupported_grant_type", "The grant type is not supported.")
  const presented = form["refresh_token"]
  if (presented === undefined || presented === "") {
    return oauthError(s, at, "invalid_request", "Required parameter refresh_token is missing.")
  }
  const old = s.tokens.live(presented, "refresh", at)
  if (old === undefined) return withEvent(oauthError(s, at, "invalid_grant", "Refresh token is invalid or expired."), "dead")
  // rotation: the presented token dies the moment its successor exists
  s.tokens.spend(old, at)
  const p = pair(s, at, old.family)
  return withEvent(json(200, tokenBody(s, at, p, s.scope)), "rotated")
}

// TikTok shows an error page naming the parameter instead of redirecting
const authorize = (s: TikTokState, query: Readonly<Record<string, string>>): ModelReply =>
  consentPage(s, query, {
    clientParam: "client_key",
    clientId: s.clientKey,
    refuse: { client: "client_key", redirect: "redirect_uri" },
    checks: [
      (q) => (q["response_type"] !== "code" ? "response_type" : undefined),
      (q) => (!q["code_challenge"] || q["code_challenge_method"] !== "S256" ? "code_challenge" : undefined)
    ],
    denied: { error: "access_denied", error_description: "The user denied the authorization request." },
    approved: (q) => ({ scopes: q["scope"] ?? "" })
  })

/** A code from the consent page becomes a new token family (a fresh consent). */
const exchangeCode = (s: TikTokState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  const r = s.codes.redeem(form["code"], { clientId: s.clientKey, redirectUri: form["redirect_uri"], verifier: form["code_verifier"] })
  if (!r.ok) return oauthError(s, at, r.error, r.description)
  const p = pair(s, at, s.tokens.newFamily())
  return json(200, { ...tokenBody(s, at, p, r.code.scope), refresh_expires_in: s.refreshExpiresIn })
}

const userInfo = (s: TikTokState, headers: Readonly<Record<string, string>>, at: number): ModelReply =>
  s.tokens.live(bearer(headers), "access", at) === undefined
    ? json(401, {
      data: {},
      error: { code: "access_token_invalid", message: "The access token is invalid or not found in the request.", log_id: logId(s, at) }
    })
    : json(200, {
      data: { user: { open_id: s.openId, display_name: s.displayName } },
      error: { code: "ok", message: "", log_id: logId(s, at) }
    })

export const model: TokenModel<TikTokState, TikTokModelOptions> = {
  id: "tiktok",
  paths,
  init: (o, env) => ({
    ...baseState(o.consent, env),
    clientKey: o.clientKey,
    clientSecret: o.clientSecret,
    oauthErrorStatus: o.oauthErrorStatus ?? 400,
    refreshExpiresIn: o.refreshExpiresIn ?? 15_552_000,
    accessExpiresIn: o.accessExpiresIn ?? 7200,
    openId: o.openId ?? "fake-open-id-0001",
    displayName: o.displayName ?? "Sandbox Creator",
    scope: o.scope ?? "user.info.basic,video.list,video.publish",
    logs: 0
  }),
  answer: (s, req: ModelRequest, now) => {
    switch (req.path) {
      case paths.token:
        return req.method === "POST" ? token(s, req.form, now) : methodNotAllowed(req.method)
      case paths.authorize:
        return req.method === "GET" ? authorize(s, req.query) : methodNotAllowed(req.method)
      case paths.health:
        return req.method === "GET" || req.method === "POST" ? userInfo(s, req.headers, now) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  },
  grant: (s, now): Granted => pair(s, now, s.tokens.newFamily()),
  rateLimited: (s, now) =>
    json(429, { data: {}, error: { code: "rate_limit_exceeded", message: "Too many requests.", log_id: logId(s, now) } }),
  lifetimes: (s) => ({ access: s.accessExpiresIn * SECOND, refresh: s.refreshExpiresIn * SECOND }),
  errorBodies: {
    deadToken: { error: "invalid_grant", error_description: "Refresh token is invalid or expired.", log_id: "20260101000000ABCDEF" },
    invalidClient: { error: "invalid_client", error_description: "Client key or secret is invalid.", log_id: "20260101000000ABCDEF" }
  }
}
