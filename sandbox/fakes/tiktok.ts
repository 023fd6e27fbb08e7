/**
 * TikTok Login Kit v2 (PROVIDERS §3): `POST /v2/oauth/token/` (trailing slash) with
 * `client_key`, rotating refresh tokens whose predecessor dies at once, OAuth errors
 * `{error, error_description, log_id}` under a test-chosen HTTP status, and
 * `GET /v2/user/info/` with the `error.code: "ok"` envelope. Login Kit for desktop: the
 * consent page `GET /v2/auth/authorize/` (client_key, comma-separated scope, PKCE with the
 * challenge hex-encoded, as TikTok specifies) and `grant_type=authorization_code` at the
 * token endpoint, which checks the code_verifier.
 */
import { AuthorizationCodes, type Consent, errorPage, redirectTo, validRedirect } from "./authorize.js"
import {
  bearer,
  type CommonOptions,
  type Fake,
  type FakeResponse,
  json,
  logId,
  methodNotAllowed,
  notFound,
  SECOND,
  secondsUntil,
  startFakeServer,
  TokenStore
} from "./server.js"

export interface TikTokFakeOptions extends CommonOptions {
  readonly clientKey: string
  readonly clientSecret: string
  /** HTTP status of OAuth error bodies (TikTok's is unconfirmed; default 400) */
  readonly oauthErrorStatus?: 200 | 400
  /** lifetime of each refresh token issued by a refresh, seconds (default 15552000, 180 days) */
  readonly refreshExpiresIn?: number
  /** access token lifetime, seconds (default 7200) */
  readonly accessExpiresIn?: number
  readonly openId?: string
  readonly displayName?: string
  /** comma-separated (default `user.info.basic,video.list,video.publish`) */
  readonly scope?: string
  /** what the consent page does (default approve; also settable as `fake.consent`) */
  readonly consent?: Consent
}

export interface TikTokTokenOptions {
  /** epoch ms (default: now) */
  readonly issuedAt?: number
  /** epoch ms (default: issuedAt + refreshExpiresIn / accessExpiresIn) */
  readonly expiresAt?: number
}

export interface TikTokFake extends Fake {
  readonly clientKey: string
  readonly clientSecret: string
  /** settable: the HTTP status of the next OAuth error bodies */
  oauthErrorStatus: 200 | 400
  /** settable: whether the next consent is approved or denied */
  consent: Consent
  /** the authorization codes the consent page issued (and the authorize requests it saw) */
  readonly codes: AuthorizationCodes
  readonly tokens: TokenStore
  /** Seed a refresh token herald may start from; returns its value. */
  issueRefreshToken(value?: string, options?: TikTokTokenOptions): string
  issueAccessToken(value?: string, options?: TikTokTokenOptions): string
  /** The newest refresh token still usable, if any. */
  currentRefreshToken(): string | undefined
  liveRefreshTokens(): Array<string>
  liveAccessTokens(): Array<string>
  revoke(token: string): void
}

export const TIKTOK_TOKEN_PATH = "/v2/oauth/token/"
export const TIKTOK_USER_INFO_PATH = "/v2/user/info/"
export const TIKTOK_AUTHORIZE_PATH = "/v2/auth/authorize/"

export const startTikTokFake = async (options: TikTokFakeOptions): Promise<TikTokFake> => {
  const now = options.now ?? Date.now
  const tokens = new TokenStore(options.tokenPrefix ?? "fake-tiktok", now)
  const refreshExpiresIn = options.refreshExpiresIn ?? 15_552_000
  const accessExpiresIn = options.accessExpiresIn ?? 7200
  const openId = options.openId ?? "fake-open-id-0001"
  const scope = options.scope ?? "user.info.basic,video.list,video.publish"
  const codes = new AuthorizationCodes(options.tokenPrefix ?? "fake-tiktok", now, "hex")

  const oauthError = (error: string, description: string): FakeResponse =>
    json(fake.oauthErrorStatus, { error, error_description: description, log_id: logId() })

  const token = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    if (form["client_key"] === undefined) {
      // a client_id is not a client_key, however right its value
      return oauthError("invalid_request", "Required parameter client_key is missing.")
    }
    if (form["client_key"] !== options.clientKey || form["client_secret"] !== options.clientSecret) {
      return oauthError("invalid_client", "Client key or secret is invalid.")
    }
    if (form["grant_type"] === "authorization_code") return exchangeCode(form, at)
    if (form["grant_type"] !== "refresh_token") {
      return oauthError("unsupported_grant_type", "The grant type is not supported.")
    }
    const presented = form["refresh_token"]
    if (presented === undefined || presented === "") {
      return oauthError("invalid_request", "Required parameter refresh_token is missing.")
    }
    const old = tokens.live(presented, "refresh")
    if (old === undefined) return oauthError("invalid_grant", "Refresh token is invalid or expired.")
    // rotation: the presented token dies the moment its successor exists
    old.status = "spent"
    const refresh = tokens.issue("refresh", undefined, {
      issuedAt: at,
      expiresAt: at + refreshExpiresIn * SECOND,
      family: old.family
    })
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: at + accessExpiresIn * SECOND,
      family: old.family,
      parent: refresh.value
    })
    fake.counters.refreshes++
    fake.counters.rotations++
    return json(200, {
      open_id: openId,
      scope,
      access_token: access.value,
      expires_in: accessExpiresIn,
      refresh_token: refresh.value,
      refresh_expires_in: secondsUntil(at, refresh.expiresAt ?? at),
      token_type: "Bearer"
    })
  }

  /** The consent page: the test is the browser, `fake.consent` is the user. */
  const authorize = (query: Readonly<Record<string, string>>): FakeResponse => {
    codes.requests.push(query)
    // TikTok shows an error page naming the parameter instead of redirecting
    if (query["client_key"] !== options.clientKey) return errorPage("client_key")
    if (!validRedirect(query["redirect_uri"])) return errorPage("redirect_uri")
    if (query["response_type"] !== "code") return errorPage("response_type")
    if (!query["code_challenge"] || query["code_challenge_method"] !== "S256") return errorPage("code_challenge")
    const state = query["state"] !== undefined ? { state: query["state"] } : {}
    if (fake.consent === "deny") {
      return redirectTo(query["redirect_uri"], {
        error: "access_denied",
        error_description: "The user denied the authorization request.",
        ...state
      })
    }
    const code = codes.issue(query, options.clientKey)
    return redirectTo(query["redirect_uri"], { code: code.value, scopes: query["scope"] ?? "", ...state })
  }

  /** A code from the consent page becomes a new token family (a fresh consent). */
  const exchangeCode = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    const r = codes.redeem(form["code"], {
      clientId: options.clientKey,
      redirectUri: form["redirect_uri"],
      verifier: form["code_verifier"]
    })
    if (!r.ok) return oauthError(r.error, r.description)
    const family = tokens.newFamily()
    const refresh = tokens.issue("refresh", undefined, { issuedAt: at, expiresAt: at + refreshExpiresIn * SECOND, family })
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: at + accessExpiresIn * SECOND,
      family,
      parent: refresh.value
    })
    return json(200, {
      open_id: openId,
      scope: r.code.scope,
      access_token: access.value,
      expires_in: accessExpiresIn,
      refresh_token: refresh.value,
      refresh_expires_in: refreshExpiresIn,
      token_type: "Bearer"
    })
  }

  const userInfo = (headers: Readonly<Record<string, string>>): FakeResponse => {
    if (tokens.live(bearer(headers), "access") === undefined) {
      return json(401, {
        data: {},
        error: {
          code: "access_token_invalid",
          message: "The access token is invalid or not found in the request.",
          log_id: logId()
        }
      })
    }
    return json(200, {
      data: { user: { open_id: openId, display_name: options.displayName ?? "Sandbox Creator" } },
      error: { code: "ok", message: "", log_id: logId() }
    })
  }

  const base = await startFakeServer("tiktok", options, (req) => {
    switch (req.path) {
      case TIKTOK_TOKEN_PATH:
        return req.method === "POST" ? token(req.form, req.now) : methodNotAllowed(req.method)
      case TIKTOK_AUTHORIZE_PATH:
        return req.method === "GET" ? authorize(req.query) : methodNotAllowed(req.method)
      case TIKTOK_USER_INFO_PATH:
        return req.method === "GET" || req.method === "POST" ? userInfo(req.headers) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  })

  const fake: TikTokFake = Object.assign(base, {
    clientKey: options.clientKey,
    clientSecret: options.clientSecret,
    oauthErrorStatus: options.oauthErrorStatus ?? 400,
    consent: options.consent ?? "approve",
    codes,
    tokens,
    issueRefreshToken: (value?: string, o: TikTokTokenOptions = {}) => {
      const issuedAt = o.issuedAt ?? now()
      return tokens.issue("refresh", value, {
        issuedAt,
        expiresAt: o.expiresAt ?? issuedAt + refreshExpiresIn * SECOND
      }).value
    },
    issueAccessToken: (value?: string, o: TikTokTokenOptions = {}) => {
      const issuedAt = o.issuedAt ?? now()
      return tokens.issue("access", value, {
        issuedAt,
        expiresAt: o.expiresAt ?? issuedAt + accessExpiresIn * SECOND
      }).value
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

