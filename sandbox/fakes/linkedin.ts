/**
 * LinkedIn (PROVIDERS §4): partner refresh at `POST /oauth/v2/accessToken` gives back the
 * same refresh-token string with a fixed absolute expiry; a dead one answers 400
 * `invalid_request` (or `invalid_grant`); `POST /oauth/v2/introspectToken` reports each
 * token's status and expiry; `GET /v2/userinfo` is the health probe. Login: the consent
 * page `GET /oauth/v2/authorization` (state, no PKCE) and `grant_type=authorization_code`
 * at the token endpoint; a 60-day access token, plus a refresh token for partner apps.
 */
import { AuthorizationCodes, type Consent, errorPage, redirectTo, validRedirect } from "./authorize.js"
import {
  bearer,
  type CommonOptions,
  DAY,
  epochSeconds,
  type Fake,
  type FakeResponse,
  json,
  methodNotAllowed,
  notFound,
  SECOND,
  secondsUntil,
  startFakeServer,
  type TokenRecord,
  TokenStore
} from "./server.js"

export type IntrospectionStatus = "active" | "expired" | "revoked"

export interface LinkedInFakeOptions extends CommonOptions {
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
  /** what the consent page does (default approve; also settable as `fake.consent`) */
  readonly consent?: Consent
  /** an approved (MDP) partner app: a login also issues a refresh token (default false) */
  readonly partner?: boolean
}

export interface LinkedInFake extends Fake {
  readonly clientId: string
  readonly clientSecret: string
  readonly tokens: TokenStore
  /** settable: whether the next consent is approved or denied */
  consent: Consent
  /** the authorization codes the consent page issued (and the authorize requests it saw) */
  readonly codes: AuthorizationCodes
  /**
   * Seed an access token expiring at `expiresAtEpochSeconds`; `status` forces what
   * introspection reports (`expired` is also reported once the clock passes the expiry).
   */
  addAccessToken(token: string, expiresAtEpochSeconds: number, status?: IntrospectionStatus): void
  /** Seed a partner refresh token; its absolute expiry never moves. Returns its value. */
  issueRefreshToken(value?: string, options?: { readonly issuedAt?: number; readonly expiresAt?: number }): string
  revoke(token: string): void
  liveRefreshTokens(): Array<string>
  liveAccessTokens(): Array<string>
  /** what introspection would say about a token now */
  introspect(token: string): Record<string, unknown>
}

export const LINKEDIN_TOKEN_PATH = "/oauth/v2/accessToken"
export const LINKEDIN_INTROSPECT_PATH = "/oauth/v2/introspectToken"
export const LINKEDIN_USERINFO_PATH = "/v2/userinfo"
export const LINKEDIN_AUTHORIZE_PATH = "/oauth/v2/authorization"

const DEAD_REQUEST = "The provided authorization grant or refresh token is invalid, expired or revoked"
const DEAD_GRANT = "Token has been expired or revoked."

const missing = (name: string): FakeResponse =>
  json(400, { error: "invalid_request", error_description: `A required parameter "${name}" is missing` })

const badClient = (): FakeResponse =>
  json(401, { error: "invalid_client", error_description: "Client authentication failed" })

export const startLinkedInFake = async (options: LinkedInFakeOptions): Promise<LinkedInFake> => {
  const now = options.now ?? Date.now
  const tokens = new TokenStore(options.tokenPrefix ?? "fake-linkedin", now)
  const codes = new AuthorizationCodes(options.tokenPrefix ?? "fake-linkedin", now)
  const accessMs = (options.accessExpiresIn ?? 5_184_000) * SECOND
  const refreshMs = (options.refreshLifetimeSeconds ?? 31_536_000) * SECOND
  const scope = options.scope ?? "openid,profile,w_member_social"
  const member = options.member ?? { sub: "sandbox-member-0001", name: "Sandbox Member" }

  /** statuses a test forced with addAccessToken(…, "expired") while the expiry is still ahead */
  const forced = new Map<string, IntrospectionStatus>()

  const statusOf = (r: TokenRecord, at: number): IntrospectionStatus =>
    r.status !== "active" ? "revoked" : forced.get(r.value) ?? (tokens.isExpired(r, at) ? "expired" : "active")

  /** The consent page: the test is the browser, `fake.consent` is the user. */
  const authorize = (query: Readonly<Record<string, string>>): FakeResponse => {
    codes.requests.push(query)
    if (query["client_id"] !== options.clientId) return errorPage("The application is not authorized (invalid client_id)")
    if (!validRedirect(query["redirect_uri"])) return errorPage("The redirect_uri does not match the registered value")
    if (query["response_type"] !== "code") return errorPage("invalid response_type")
    const state = query["state"] !== undefined ? { state: query["state"] } : {}
    if (fake.consent === "deny") {
      return redirectTo(query["redirect_uri"], {
        error: "user_cancelled_authorize",
        error_description: "The user cancelled the authorization",
        ...state
      })
    }
    const code = codes.issue(query, options.clientId)
    return redirectTo(query["redirect_uri"], { code: code.value, ...state })
  }

  const exchangeCode = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    for (const name of ["code", "client_id", "client_secret", "redirect_uri"]) {
      if (form[name] === undefined || form[name] === "") return missing(name)
    }
    if (form["client_id"] !== options.clientId || form["client_secret"] !== options.clientSecret) return badClient()
    const r = codes.redeem(form["code"], { clientId: options.clientId, redirectUri: form["redirect_uri"], verifier: undefined })
    if (!r.ok) {
      return json(400, {
        error: "invalid_request",
        error_description: "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code. " +
          "Or authorization code expired."
      })
    }
    const family = tokens.newFamily()
    const refresh = options.partner === true
      ? tokens.issue("refresh", undefined, { issuedAt: at, expiresAt: at + refreshMs, family })
      : undefined
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: at + accessMs,
      family,
      ...(refresh !== undefined ? { parent: refresh.value } : {})
    })
    return json(200, {
      access_token: access.value,
      expires_in: secondsUntil(at, access.expiresAt ?? at),
      scope: (r.code.scope || scope).split(" ").join(","),
      ...(refresh !== undefined
        ? { refresh_token: refresh.value, refresh_token_expires_in: secondsUntil(at, refresh.expiresAt ?? at) }
        : {})
    })
  }

  const token = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    if (form["grant_type"] === "authorization_code") return exchangeCode(form, at)
    for (const name of ["grant_type", "client_id", "client_secret", "refresh_token"]) {
      if (form[name] === undefined || form[name] === "") return missing(name)
    }
    if (form["client_id"] !== options.clientId || form["client_secret"] !== options.clientSecret) return badClient()
    if (form["grant_type"] !== "refresh_token") {
      return json(400, { error: "unsupported_grant_type", error_description: "The grant type is not supported" })
    }
    const refresh = tokens.live(form["refresh_token"], "refresh")
    if (refresh === undefined) {
      return options.deadTokenError === "invalid_grant"
        ? json(400, { error: "invalid_grant", error_description: DEAD_GRANT })
        : json(400, { error: "invalid_request", error_description: DEAD_REQUEST })
    }
    // both die together near day 365: a new access token never outlives its refresh token
    const refreshEnd = refresh.expiresAt ?? at + refreshMs
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: Math.min(at + accessMs, refreshEnd),
      family: refresh.family,
      parent: refresh.value
    })
    fake.counters.refreshes++
    return json(200, {
      access_token: access.value,
      expires_in: secondsUntil(at, access.expiresAt ?? at),
      refresh_token: refresh.value,
      refresh_token_expires_in: secondsUntil(at, refreshEnd),
      scope
    })
  }

  const introspection = (t: string | undefined, at: number): Record<string, unknown> => {
    const r = tokens.get(t)
    // RFC 7662: a token the server does not know is just inactive
    if (r === undefined) return { active: false }
    const status = statusOf(r, at)
    return {
      active: status === "active",
      status,
      client_id: options.clientId,
      created_at: epochSeconds(r.issuedAt),
      authorized_at: epochSeconds(r.issuedAt),
      ...(r.expiresAt !== undefined ? { expires_at: epochSeconds(r.expiresAt) } : {}),
      scope,
      auth_type: "3L"
    }
  }

  const introspectRoute = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    for (const name of ["client_id", "client_secret", "token"]) {
      if (form[name] === undefined || form[name] === "") return missing(name)
    }
    if (form["client_id"] !== options.clientId || form["client_secret"] !== options.clientSecret) return badClient()
    return json(200, introspection(form["token"], at))
  }

  const userinfo = (headers: Readonly<Record<string, string>>, at: number): FakeResponse => {
    const r = tokens.get(bearer(headers))
    if (r === undefined || r.kind !== "access" || r.status === "revoked") {
      return json(401, { serviceErrorCode: 65600, message: "Invalid access token", status: 401 })
    }
    if (statusOf(r, at) === "expired") {
      return json(401, { serviceErrorCode: 65601, message: "The token used in the request has expired", status: 401 })
    }
    return json(200, { sub: member.sub, name: member.name, locale: { country: "US", language: "en" } })
  }

  const base = await startFakeServer("linkedin", options, (req) => {
    switch (req.path) {
      case LINKEDIN_TOKEN_PATH:
        return req.method === "POST" ? token(req.form, req.now) : methodNotAllowed(req.method)
      case LINKEDIN_INTROSPECT_PATH:
        return req.method === "POST" ? introspectRoute(req.form, req.now) : methodNotAllowed(req.method)
      case LINKEDIN_AUTHORIZE_PATH:
        return req.method === "GET" ? authorize(req.query) : methodNotAllowed(req.method)
      case LINKEDIN_USERINFO_PATH:
        return req.method === "GET" ? userinfo(req.headers, req.now) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  })

  const fake: LinkedInFake = Object.assign(base, {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    tokens,
    consent: options.consent ?? "approve",
    codes,
    addAccessToken: (t: string, expiresAtEpochSeconds: number, status: IntrospectionStatus = "active") => {
      const expiresAt = expiresAtEpochSeconds * SECOND
      const record = tokens.issue("access", t, {
        // LinkedIn access tokens live 60 days: seed the issue time to match the expiry
        issuedAt: Math.min(now(), expiresAt - accessMs),
        expiresAt
      })
      forced.delete(t)
      if (status === "revoked") record.status = "revoked"
      if (status === "expired") forced.set(t, "expired")
    },
    issueRefreshToken: (value?: string, o: { readonly issuedAt?: number; readonly expiresAt?: number } = {}) => {
      const issuedAt = o.issuedAt ?? now()
      return tokens.issue("refresh", value, { issuedAt, expiresAt: o.expiresAt ?? issuedAt + refreshMs }).value
    },
    revoke: (t: string) => {
      tokens.revoke(t)
    },
    liveRefreshTokens: () => tokens.liveValues("refresh"),
    liveAccessTokens: () => tokens.liveValues("access").filter((t) => !forced.has(t)),
    introspect: (t: string) => introspection(t, now())
  })
  return fake
}

/** LinkedIn's programmatic refresh-token lifetime, ms. */
export const LINKEDIN_REFRESH_LIFETIME_MS = 365 * DAY
