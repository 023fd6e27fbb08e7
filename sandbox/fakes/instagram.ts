/**
 * Instagram API with Instagram Login (PROVIDERS §1a): `GET /refresh_access_token` only,
 * a token must be at least 24 h old and not past its 60 days, each refresh gives 60 days
 * from that moment, Graph error bodies, and `GET /me` as the health probe.
 */
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
}

export interface InstagramFake extends Fake {
  readonly appSecret: string | undefined
  /** settable */
  rotateString: boolean
  readonly tokens: TokenStore
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
