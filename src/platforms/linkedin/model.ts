/**
 * LinkedIn's token behaviour (PROVIDERS §4), pure: partner refresh at
 * `POST /oauth/v2/accessToken` (client credentials in the form body) gives back the same
 * refresh-token string with a fixed absolute expiry, and a new 60-day access token that
 * never outlives it; a dead refresh token — or any refresh token a standard app presents —
 * answers 400 `invalid_request` "… invalid, expired or revoked" (or `invalid_grant`:
 * settable); `POST /oauth/v2/introspectToken` reports each token's `status` and its own
 * `expires_at`; `GET /v2/userinfo` is the health probe; 429 without Retry-After. Login: the
 * consent page `GET /oauth/v2/authorization` (state, no PKCE) and
 * `grant_type=authorization_code`: a 60-day access token, plus a refresh token for partners.
 */
import {
  baseState,
  bearer,
  type Consent,
  consentPage,
  DAY,
  epochSeconds,
  json,
  methodNotAllowed,
  type ModelReply,
  type ModelState,
  notFound,
  SECOND,
  secondsUntil,
  type TokenModel,
  type TokenRecord,
  withEvent
} from "../tokenModel.js"

export type IntrospectionStatus = "active" | "expired" | "revoked"

export interface LinkedInModelOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** how a dead refresh token is answered (default `invalid_request`, as LinkedIn documents) */
  readonly deadTokenError?: "invalid_request" | "invalid_grant"
  /** access token lifetime, seconds (default 5184000, 60 days) */
  readonly accessExpiresIn?: number
  /** refresh token lifetime from consent, seconds (default 31536000, 365 days) */
  readonly refreshLifetimeSeconds?: number
  /** comma-separated (default `openid,profile,w_member_social`) */
  readonly scope?: string
  readonly member?: { readonly sub: string; readonly name: string }
  readonly consent?: Consent
  /** an approved (MDP) partner app: a consent also issues a refresh token (default false) */
  readonly partner?: boolean
}

export interface LinkedInState extends ModelState {
  readonly clientId: string
  readonly clientSecret: string
  readonly deadTokenError: "invalid_request" | "invalid_grant"
  readonly accessMs: number
  readonly refreshMs: number
  readonly scope: string
  readonly member: { readonly sub: string; readonly name: string }
  readonly partner: boolean
  /** statuses forced on tokens (a test's "introspection says expired") while their expiry is still ahead */
  readonly forced: Map<string, IntrospectionStatus>
}

export const paths = {
  token: "/oauth/v2/accessToken",
  introspect: "/oauth/v2/introspectToken",
  health: "/v2/userinfo",
  authorize: "/oauth/v2/authorization"
} as const

export const REFRESH_LIFETIME_MS = 365 * DAY
export const ACCESS_LIFETIME_MS = 60 * DAY
const DEAD_REQUEST = "The provided authorization grant or refresh token is invalid, expired or revoked"
const DEAD_GRANT = "Token has been expired or revoked."

const missing = (name: string): ModelReply => json(400, { error: "invalid_request", error_description: `A required parameter "${name}" is missing` })
const badClient = (): ModelReply => json(401, { error: "invalid_client", error_description: "Client authentication failed" })

export const statusOf = (s: LinkedInState, r: TokenRecord, at: number): IntrospectionStatus =>
  r.status !== "active" ? "revoked" : s.forced.get(r.value) ?? (s.tokens.live(r.value, r.kind, at) === undefined ? "expired" : "active")

const authorize = (s: LinkedInState, query: Readonly<Record<string, string>>): ModelReply =>
  consentPage(s, query, {
    clientId: s.clientId,
    refuse: {
      client: "The application is not authorized (invalid client_id)",
      redirect: "The redirect_uri does not match the registered value"
    },
    checks: [(q) => (q["response_type"] !== "code" ? "invalid response_type" : undefined)],
    denied: { error: "user_cancelled_authorize", error_description: "The user cancelled the authorization" }
  })

const consentTokens = (s: LinkedInState, at: number) =>
  s.tokens.issuePair(at, { family: s.tokens.newFamily(), accessExpiresAt: at + s.accessMs, refresh: s.partner && { expiresAt: at + s.refreshMs } })

const exchangeCode = (s: LinkedInState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  for (const name of ["code", "client_id", "client_secret", "redirect_uri"]) {
    if (form[name] === undefined || form[name] === "") return missing(name)
  }
  if (form["client_id"] !== s.clientId || form["client_secret"] !== s.clientSecret) return badClient()
  const r = s.codes.redeem(form["code"], { clientId: s.clientId, redirectUri: form["redirect_uri"], verifier: undefined })
  if (!r.ok) {
    return json(400, {
      error: "invalid_request",
      error_description: "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. " +
        "Or authorization code expired."
    })
  }
  const { access, refresh } = consentTokens(s, at)
  return json(200, {
    access_token: access.value,
    expires_in: secondsUntil(at, access.expiresAt ?? at),
    scope: (r.code.scope || s.scope).split(" ").join(","),
    ...(refresh !== undefined
      ? { refresh_token: refresh.value, refresh_token_expires_in: secondsUntil(at, refresh.expiresAt ?? at) }
      : {})
  })
}

const token = (s: LinkedInState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  if (form["grant_type"] === "authorization_code") return exchangeCode(s, form, at)
  for (const name of ["grant_type", "client_id", "client_secret", "refresh_token"]) {
    if (form[name] === undefined || form[name] === "") return missing(name)
  }
  if (form["client_id"] !== s.clientId || form["client_secret"] !== s.clientSecret) return badClient()
  if (form["grant_type"] !== "refresh_token") return json(400, { error: "unsupported_grant_type", error_description: "The grant type is not supported" })
  const refresh = s.tokens.live(form["refresh_token"], "refresh", at)
  if (refresh === undefined) {
    return withEvent(
      s.deadTokenError === "invalid_grant"
        ? json(400, { error: "invalid_grant", error_description: DEAD_GRANT })
        : json(400, { error: "invalid_request", error_description: DEAD_REQUEST }),
      "dead"
    )
  }
  // both die together near day 365: a new access token never outlives its refresh token
  const refreshEnd = refresh.expiresAt ?? at + s.refreshMs
  const { access } = s.tokens.issuePair(at, {
    family: refresh.family,
    accessExpiresAt: Math.min(at + s.accessMs, refreshEnd),
    refresh: false,
    parent: refresh.value
  })
  return withEvent(
    json(200, {
      access_token: access.value,
      expires_in: secondsUntil(at, access.expiresAt ?? at),
      refresh_token: refresh.value,
      refresh_token_expires_in: secondsUntil(at, refreshEnd),
      scope: s.scope
    }),
    "refreshed"
  )
}

/** What introspection says about a token at `at`. */
export const introspection = (s: LinkedInState, t: string | undefined, at: number): Record<string, unknown> => {
  const r = s.tokens.get(t)
  // RFC 7662: a token the server does not know is just inactive
  if (r === undefined) return { active: false }
  const status = statusOf(s, r, at)
  return {
    active: status === "active",
    status,
    client_id: s.clientId,
    created_at: epochSeconds(r.issuedAt),
    authorized_at: epochSeconds(r.issuedAt),
    ...(r.expiresAt !== undefined ? { expires_at: epochSeconds(r.expiresAt) } : {}),
    scope: s.scope,
    auth_type: "3L"
  }
}

const introspectRoute = (s: LinkedInState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  for (const name of ["client_id", "client_secret", "token"]) {
    if (form[name] === undefined || form[name] === "") return missing(name)
  }
  if (form["client_id"] !== s.clientId || form["client_secret"] !== s.clientSecret) return badClient()
  return json(200, introspection(s, form["token"], at))
}

const userinfo = (s: LinkedInState, headers: Readonly<Record<string, string>>, at: number): ModelReply => {
  const r = s.tokens.get(bearer(headers))
  if (r === undefined || r.kind !== "access" || r.status === "revoked") {
    return json(401, { serviceErrorCode: 65600, message: "Invalid access token", status: 401 })
  }
  if (statusOf(s, r, at) === "expired") {
    return json(401, { serviceErrorCode: 65601, message: "The token used in the request has expired", status: 401 })
  }
  return json(200, { sub: s.member.sub, name: s.member.name, locale: { country: "US", language: "en" } })
}

/** Seed an access token expiring at `expiresAt` (epoch ms); `status` forces what introspection reports. */
export const addAccessToken = (s: LinkedInState, value: string, expiresAt: number, now: number, status: IntrospectionStatus = "active"): TokenRecord => {
  // LinkedIn access tokens live 60 days: the issue time matches the expiry
  const record = s.tokens.issue("access", value, { issuedAt: Math.min(now, expiresAt - s.accessMs), expiresAt })
  s.forced.delete(value)
  if (status === "revoked") record.status = "revoked"
  if (status === "expired") s.forced.set(value, "expired")
  return record
}

export const model: TokenModel<LinkedInState, LinkedInModelOptions> = {
  id: "linkedin",
  paths,
  init: (o, env) => ({
    ...baseState(o.consent, env),
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    deadTokenError: o.deadTokenError ?? "invalid_request",
    accessMs: (o.accessExpiresIn ?? 5_184_000) * SECOND,
    refreshMs: (o.refreshLifetimeSeconds ?? 31_536_000) * SECOND,
    scope: o.scope ?? "openid,profile,w_member_social",
    member: o.member ?? { sub: "sandbox-member-0001", name: "Sandbox Member" },
    partner: o.partner ?? false,
    forced: new Map()
  }),
  answer: (s, req, now) => {
    switch (req.path) {
      case paths.token:
        return req.method === "POST" ? token(s, req.form, now) : methodNotAllowed(req.method)
      case paths.introspect:
        return req.method === "POST" ? introspectRoute(s, req.form, now) : methodNotAllowed(req.method)
      case paths.authorize:
        return req.method === "GET" ? authorize(s, req.query) : methodNotAllowed(req.method)
      case paths.health:
        return req.method === "GET" ? userinfo(s, req.headers, now) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  },
  grant: (s, now) => consentTokens(s, now),
  // LinkedIn documents 429 for quota and infrastructure protection, without Retry-After
  rateLimited: () => json(429, { message: "Resource level throttle limit for calls to this resource is reached.", status: 429 }),
  lifetimes: (s) => ({ access: s.accessMs, refresh: s.refreshMs }),
  errorBodies: {
    deadToken: { error: "invalid_request", error_description: DEAD_REQUEST },
    invalidClient: { error: "invalid_client", error_description: "Client authentication failed" }
  }
}
