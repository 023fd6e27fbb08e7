/**
 * TikTok Login Kit v2 (PROVIDERS §3): `POST /v2/oauth/token/` (trailing slash) with
 * `client_key`, rotating refresh tokens whose predecessor dies at once, OAuth errors
 * `{error, error_description, log_id}` under a test-chosen HTTP status, and
 * `GET /v2/user/info/` with the `error.code: "ok"` envelope.
 */
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

export const startTikTokFake = async (options: TikTokFakeOptions): Promise<TikTokFake> => {
  const now = options.now ?? Date.now
  const tokens = new TokenStore(options.tokenPrefix ?? "fake-tiktok", now)
  const refreshExpiresIn = options.refreshExpiresIn ?? 15_552_000
  const accessExpiresIn = options.accessExpiresIn ?? 7200
  const openId = options.openId ?? "fake-open-id-0001"
  const scope = options.scope ?? "user.info.basic,video.list,video.publish"

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

