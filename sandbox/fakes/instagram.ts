/**
 * Instagram API with Instagram Login (PROVIDERS §1a): `GET /refresh_access_token` only,
 * a token must be at least 24 h old and not past its 60 days, each refresh gives 60 days
 * from that moment, Graph error bodies, and `GET /me` as the health probe. Business Login:
 * the consent page `GET /oauth/authorize` (no PKCE; the redirect carries `#_`), the code →
 * short-lived (1 h) token at `POST /oauth/access_token` (api.instagram.com's error shape),
 * and short-lived → long-lived at `GET /access_token?grant_type=ig_exchange_token`, which
 * needs the app secret. One server stands in for all three Instagram hosts.
 */
import { AuthorizationCodes, type Consent, errorPage, redirectTo, validRedirect } from "./authorize.js"
import {
  bearer,
  type CommonOptions,
  DAY,
  type Fake,
  type FakeResponse,
  HOUR,
  json,
  methodNotAllowed,
  notFound,
  SECOND,
  secondsUntil,
  startFakeServer,
  type TokenRecord,
  TokenStore
} from "./server.js"

export interface InstagramFakeOptions extends CommonOptions {
  /** not sent on refresh (Instagram never asks for it there); kept so the sandbox can configure it */
  readonly appSecret?: string
  /** whether a refresh returns a new string (default true); false extends the same string */
  readonly rotateString?: boolean
  /** how long the previous string keeps working after a rotation, ms (default 0) */
  readonly oldTokenGraceMs?: number
  /** token lifetime from issue or refresh, seconds (default 5184000, 60 days) */
  readonly lifetimeSeconds?: number
  /** minimum age before a refresh, ms (default 24 h) */
  readonly minAgeMs?: number
  readonly userId?: string
  readonly username?: string
  /** the Instagram app id the consent page accepts (default `fake-instagram-app-id`) */
  readonly clientId?: string
  /** what the consent page does (default approve; also settable as `fake.consent`) */
  readonly consent?: Consent
  /** how the code exchange wraps the short-lived token: Business Login's `{data: [...]}` (default) or flat */
  readonly codeResponse?: "data" | "flat"
}

export interface InstagramFake extends Fake {
  readonly appSecret: string | undefined
  /** settable */
  rotateString: boolean
  readonly tokens: TokenStore
  readonly clientId: string
  /** settable: whether the next consent is approved or denied */
  consent: Consent
  /** the authorization codes the consent page issued (and the authorize requests it saw) */
  readonly codes: AuthorizationCodes
  /** short-lived tokens from code exchanges, by value, with their expiry (epoch ms) */
  readonly shortLived: Map<string, number>
  /** Seed a long-lived token issued at `issuedAt` (epoch ms; default now); returns its value. */
  issueToken(value?: string, options?: { readonly issuedAt?: number }): string
  /** The newest usable token, if any. */
  currentToken(): string | undefined
  liveTokens(): Array<string>
  revoke(token: string): void
  /** issue time and expiry of a token, for assertions */
  tokenInfo(token: string): TokenRecord | undefined
}

export const INSTAGRAM_REFRESH_PATH = "/refresh_access_token"
export const INSTAGRAM_ME_PATH = "/me"
export const INSTAGRAM_AUTHORIZE_PATH = "/oauth/authorize"
export const INSTAGRAM_CODE_PATH = "/oauth/access_token"
export const INSTAGRAM_EXCHANGE_PATH = "/access_token"

const fbtrace = (): string => `Fake${Math.random().toString(36).slice(2, 12)}`

const graphError = (message: string, code: number, subcode?: number, type = "OAuthException"): FakeResponse =>
  json(400, {
    error: { message, type, code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), fbtrace_id: fbtrace() }
  })

const facebookDate = (ms: number): string => {
  // Meta words it like "Tuesday, 01-Dec-26 09:00:00 PST"; a stable UTC rendering is enough
  return new Date(ms).toUTCString()
}

export const startInstagramFake = async (options: InstagramFakeOptions = {}): Promise<InstagramFake> => {
  const now = options.now ?? Date.now
  const tokens = new TokenStore(options.tokenPrefix ?? "fake-instagram", now)
  const lifetimeMs = (options.lifetimeSeconds ?? 5_184_000) * SECOND
  const minAgeMs = options.minAgeMs ?? 24 * HOUR
  const graceMs = options.oldTokenGraceMs ?? 0
  const userId = options.userId ?? "17841400000000001"
  const username = options.username ?? "sandbox.creator"
  const clientId = options.clientId ?? "fake-instagram-app-id"
  const codes = new AuthorizationCodes(options.tokenPrefix ?? "fake-instagram", now)
  const shortLived = new Map<string, number>()

  const expired = (token: string | undefined, at: number): FakeResponse => {
    const r = tokens.get(token)
    const when = r?.expiresAt !== undefined && r.expiresAt <= at ? r.expiresAt : at
    return graphError(
      `Error validating access token: Session has expired on ${facebookDate(when)}. The current time is ${facebookDate(at)}.`,
      190,
      463
    )
  }

  const refresh = (query: Readonly<Record<string, string>>, at: number): FakeResponse => {
    if (query["grant_type"] !== "ig_refresh_token") {
      return graphError("Unsupported grant_type: expected ig_refresh_token", 100)
    }
    const presented = query["access_token"]
    if (presented === undefined || presented === "") {
      return graphError("An active access token must be used to query information about the current user.", 2500)
    }
    const record = tokens.live(presented, "access")
    if (record === undefined) return expired(presented, at)
    if (at - record.issuedAt < minAgeMs) {
      return graphError(
        "The access token is too new to be refreshed: a long-lived token can be refreshed once it is at least 24 hours old.",
        100
      )
    }
    let current: TokenRecord
    if (fake.rotateString) {
      // the previous string lives on for the grace period, then dies
      record.expiresAt = Math.min(record.expiresAt ?? Infinity, at + graceMs)
      if (graceMs === 0) record.status = "spent"
      current = tokens.issue("access", undefined, { issuedAt: at, expiresAt: at + lifetimeMs, family: record.family })
      fake.counters.rotations++
    } else {
      record.issuedAt = at
      record.expiresAt = at + lifetimeMs
      current = record
    }
    fake.counters.refreshes++
    return json(200, {
      access_token: current.value,
      token_type: "bearer",
      expires_in: secondsUntil(at, current.expiresAt ?? at)
    })
  }

  /** The consent page: the test is the browser, `fake.consent` is the user. */
  const authorize = (query: Readonly<Record<string, string>>): FakeResponse => {
    codes.requests.push(query)
    if (query["client_id"] !== clientId) return errorPage("Invalid platform app")
    if (!validRedirect(query["redirect_uri"])) return errorPage("Invalid redirect_uri")
    if (query["response_type"] !== "code" || !query["scope"]) return errorPage("Invalid request: response_type and scope are required")
    const state = query["state"] !== undefined ? { state: query["state"] } : {}
    if (fake.consent === "deny") {
      return redirectTo(query["redirect_uri"], {
        error: "access_denied",
        error_reason: "user_denied",
        error_description: "Permissions error",
        ...state
      })
    }
    const code = codes.issue(query, clientId)
    return redirectTo(query["redirect_uri"], { code: code.value, ...state }, "#_")
  }

  /** api.instagram.com's own error shape, not Graph's */
  const oauthException = (message: string): FakeResponse =>
    json(400, { error_type: "OAuthException", code: 400, error_message: message })

  const exchangeCode = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    if (form["client_id"] !== clientId) return oauthException("Invalid platform app")
    if (options.appSecret === undefined || form["client_secret"] !== options.appSecret) {
      return oauthException("Error validating client secret.")
    }
    if (form["grant_type"] !== "authorization_code") return oauthException("Invalid grant_type")
    const r = codes.redeem(form["code"], { clientId, redirectUri: form["redirect_uri"], verifier: undefined })
    if (!r.ok) {
      return oauthException(
        r.reason === "redirect"
          ? "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
          : "Invalid authorization code"
      )
    }
    const short = tokens.nextValue("access").replace("-access-", "-short-")
    shortLived.set(short, at + HOUR)
    const body = { access_token: short, user_id: userId, permissions: r.code.scope }
    return json(200, options.codeResponse === "flat" ? body : { data: [body] })
  }

  const exchangeLongLived = (query: Readonly<Record<string, string>>, at: number): FakeResponse => {
    if (query["grant_type"] !== "ig_exchange_token") return graphError("Unsupported grant_type: expected ig_exchange_token", 100)
    if (options.appSecret === undefined || query["client_secret"] !== options.appSecret) {
      return graphError("Error validating client secret.", 100)
    }
    const short = query["access_token"]
    const until = short === undefined ? undefined : shortLived.get(short)
    if (short === undefined || until === undefined || at >= until) return expired(short, at)
    shortLived.delete(short)
    const long = tokens.issue("access", undefined, { issuedAt: at, expiresAt: at + lifetimeMs })
    return json(200, { access_token: long.value, token_type: "bearer", expires_in: secondsUntil(at, long.expiresAt ?? at) })
  }

  const me = (query: Readonly<Record<string, string>>, headers: Readonly<Record<string, string>>, at: number) => {
    const presented = query["access_token"] ?? bearer(headers)
    if (presented === undefined) {
      return graphError("An active access token must be used to query information about the current user.", 2500)
    }
    if (tokens.live(presented, "access") === undefined) return expired(presented, at)
    return json(200, { user_id: userId, username, id: userId })
  }

  const base = await startFakeServer("instagram", options, (req) => {
    // Graph accepts a version prefix: /v21.0/me
    const path = req.path.replace(/^\/v\d+\.\d+(?=\/)/, "")
    switch (path) {
      case INSTAGRAM_REFRESH_PATH:
        if (req.method !== "GET") {
          return graphError(`Unsupported request - method type: ${req.method.toLowerCase()}`, 100, undefined, "OAuthException")
        }
        return refresh(req.query, req.now)
      case INSTAGRAM_AUTHORIZE_PATH:
        return req.method === "GET" ? authorize(req.query) : methodNotAllowed(req.method)
      case INSTAGRAM_CODE_PATH:
        return req.method === "POST" ? exchangeCode(req.form, req.now) : methodNotAllowed(req.method)
      case INSTAGRAM_EXCHANGE_PATH:
        return req.method === "GET"
          ? exchangeLongLived(req.query, req.now)
          : graphError(`Unsupported request - method type: ${req.method.toLowerCase()}`, 100)
      case INSTAGRAM_ME_PATH:
        return req.method === "GET" ? me(req.query, req.headers, req.now) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  })

  const fake: InstagramFake = Object.assign(base, {
    appSecret: options.appSecret,
    rotateString: options.rotateString ?? true,
    tokens,
    clientId,
    consent: options.consent ?? "approve",
    codes,
    shortLived,
    issueToken: (value?: string, o: { readonly issuedAt?: number } = {}) => {
      const issuedAt = o.issuedAt ?? now()
      return tokens.issue("access", value, { issuedAt, expiresAt: issuedAt + lifetimeMs }).value
    },
    currentToken: () => tokens.liveValues("access").at(-1),
    liveTokens: () => tokens.liveValues("access"),
    revoke: (t: string) => {
      tokens.revoke(t)
    },
    tokenInfo: (t: string) => tokens.get(t)
  })
  return fake
}

/** Instagram's long-lived token lifetime, ms. */
export const INSTAGRAM_LIFETIME_MS = 60 * DAY
