/**
 * The token behaviour of a Meta long-lived Graph user token (PROVIDERS §1a, §1d), pure,
 * for every product that has one (Instagram, Threads): `GET /refresh_access_token` only
 * (no client credentials: the token is in the query); a token must be at least 24 h old
 * and not past its 60 days; each refresh gives 60 days from that moment, as a new string
 * or the same one extended (unconfirmed: settable), the old string living on for a
 * settable grace; Graph error bodies (`code` 190 with subcode 463 for a dead token; code 4
 * when throttled); `GET /me` as the health probe. Login: the consent page
 * `GET /oauth/authorize` (no PKCE), code → short-lived (1 h) token at
 * `POST /oauth/access_token` (api.instagram.com's own error shape), and short- → long-lived
 * at `GET /access_token?grant_type=<exchange grant>`, which needs the app secret. Graph
 * accepts a version prefix (`/v21.0/me`, `/v1.0/me`). What differs between products — the
 * grant names, the id, the `/me` answer, how the code exchange wraps its token, the
 * redirect's fragment — is the product's `MetaModelSpec`.
 */
import {
  baseState,
  bearer,
  type Consent,
  consentPage,
  DAY,
  HOUR,
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

export interface MetaModelOptions {
  /** not sent on refresh (Meta never asks for it there); the login exchange needs it */
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
  /** the app id the consent page accepts (default `fake-<id>-app-id`) */
  readonly clientId?: string
  readonly consent?: Consent
  /** how the code exchange wraps the short-lived token: `{data: [...]}` or flat (default: the product's) */
  readonly codeResponse?: "data" | "flat"
}

export interface MetaState extends ModelState {
  readonly appSecret: string | undefined
  /** settable */
  rotateString: boolean
  readonly graceMs: number
  readonly lifetimeMs: number
  readonly minAgeMs: number
  readonly userId: string
  readonly username: string
  readonly clientId: string
  readonly codeResponse: "data" | "flat"
  /** short-lived tokens from code exchanges, by value, with their expiry (epoch ms) */
  readonly shortLived: Map<string, number>
  /** fbtrace ids only need to differ between answers */
  traces: number
}

/** The paths every Meta product serves its token endpoints at (on its own hosts). */
export const paths = {
  refresh: "/refresh_access_token",
  health: "/me",
  authorize: "/oauth/authorize",
  code: "/oauth/access_token",
  exchange: "/access_token"
} as const

export const LIFETIME_MS = 60 * DAY

/** What one Meta product's token endpoints do differently. */
export interface MetaModelSpec {
  readonly id: string
  /** `ig_refresh_token` / `ig_exchange_token` */
  readonly grants: { readonly refresh: string; readonly exchange: string }
  /** how the code exchange wraps the short-lived token by default */
  readonly codeResponse: "data" | "flat"
  /** a fragment the consent page's redirect ends with (Instagram's `#_`) */
  readonly fragment?: string
  /** what `/me` answers for a live token */
  readonly me: (state: MetaState) => Readonly<Record<string, string>>
}

const graphError = (s: MetaState, message: string, code: number, subcode?: number, status = 400): ModelReply =>
  json(status, {
    error: {
      message,
      type: "OAuthException",
      code,
      ...(subcode !== undefined ? { error_subcode: subcode } : {}),
      fbtrace_id: `Fake${(++s.traces).toString(36).padStart(10, "0")}`
    }
  })

// Meta words it like "Tuesday, 01-Dec-26 09:00:00 PST"; a stable UTC rendering is enough
const facebookDate = (ms: number): string => new Date(ms).toUTCString()

/** Every dead token (expired, rotated away, unknown) gets Graph's 190/463 "Session has expired". */
const dead = (s: MetaState, token: string | undefined, at: number): ModelReply => {
  const r = s.tokens.get(token)
  const when = r?.expiresAt !== undefined && r.expiresAt <= at ? r.expiresAt : at
  return graphError(
    s,
    `Error validating access token: Session has expired on ${facebookDate(when)}. The current time is ${facebookDate(at)}.`,
    190,
    463
  )
}

const noToken = (s: MetaState): ModelReply =>
  graphError(s, "An active access token must be used to query information about the current user.", 2500)

const wrongMethod = (s: MetaState, method: string): ModelReply =>
  graphError(s, `Unsupported request - method type: ${method.toLowerCase()}`, 100)

/** api.instagram.com's own error shape, not Graph's */
const oauthException = (message: string): ModelReply => json(400, { error_type: "OAuthException", code: 400, error_message: message })

/** The token model of one Meta product. */
export const metaModel = (spec: MetaModelSpec): TokenModel<MetaState, MetaModelOptions> => {
  const refresh = (s: MetaState, query: Readonly<Record<string, string>>, at: number): ModelReply => {
    if (query["grant_type"] !== spec.grants.refresh) return graphError(s, `Unsupported grant_type: expected ${spec.grants.refresh}`, 100)
    const presented = query["access_token"]
    if (presented === undefined || presented === "") return noToken(s)
    const record = s.tokens.live(presented, "access", at)
    if (record === undefined) return withEvent(dead(s, presented, at), "dead")
    // the exact answer is undocumented (PROVIDERS §1a): a non-190 OAuthException
    if (at - record.issuedAt < s.minAgeMs) {
      return graphError(s, "The access token is too new to be refreshed: a long-lived token can be refreshed once it is at least 24 hours old.", 100)
    }
    let current: TokenRecord
    if (s.rotateString) {
      // the previous string lives on for the grace period, then dies
      if (s.graceMs === 0) s.tokens.spend(record, at)
      else record.expiresAt = Math.min(record.expiresAt ?? Infinity, at + s.graceMs)
      current = s.tokens.issue("access", undefined, { issuedAt: at, expiresAt: at + s.lifetimeMs, family: record.family })
    } else {
      record.issuedAt = at
      record.expiresAt = at + s.lifetimeMs
      current = record
    }
    return withEvent(
      json(200, { access_token: current.value, token_type: "bearer", expires_in: secondsUntil(at, current.expiresAt ?? at) }),
      s.rotateString ? "rotated" : "refreshed"
    )
  }

  const authorize = (s: MetaState, query: Readonly<Record<string, string>>): ModelReply =>
    consentPage(s, query, {
      clientId: s.clientId,
      refuse: { client: "Invalid platform app", redirect: "Invalid redirect_uri" },
      checks: [(q) => (q["response_type"] !== "code" || !q["scope"] ? "Invalid request: response_type and scope are required" : undefined)],
      denied: { error: "access_denied", error_reason: "user_denied", error_description: "Permissions error" },
      ...(spec.fragment !== undefined ? { fragment: spec.fragment } : {})
    })

  const exchangeCode = (s: MetaState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
    if (form["client_id"] !== s.clientId) return oauthException("Invalid platform app")
    if (s.appSecret === undefined || form["client_secret"] !== s.appSecret) return oauthException("Error validating client secret.")
    if (form["grant_type"] !== "authorization_code") return oauthException("Invalid grant_type")
    const r = s.codes.redeem(form["code"], { clientId: s.clientId, redirectUri: form["redirect_uri"], verifier: undefined })
    if (!r.ok) {
      return oauthException(
        r.reason === "redirect"
          ? "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"
          : "Invalid authorization code"
      )
    }
    const short = s.tokens.nextValue("access").replace("-access-", "-short-")
    s.shortLived.set(short, at + HOUR)
    const body = { access_token: short, user_id: s.userId, permissions: r.code.scope }
    return json(200, s.codeResponse === "flat" ? body : { data: [body] })
  }

  const exchangeLongLived = (s: MetaState, query: Readonly<Record<string, string>>, at: number): ModelReply => {
    if (query["grant_type"] !== spec.grants.exchange) return graphError(s, `Unsupported grant_type: expected ${spec.grants.exchange}`, 100)
    if (s.appSecret === undefined || query["client_secret"] !== s.appSecret) return graphError(s, "Error validating client secret.", 100)
    const short = query["access_token"]
    const until = short === undefined ? undefined : s.shortLived.get(short)
    if (short === undefined || until === undefined || at >= until) return dead(s, short, at)
    s.shortLived.delete(short)
    const long = s.tokens.issue("access", undefined, { issuedAt: at, expiresAt: at + s.lifetimeMs })
    return json(200, { access_token: long.value, token_type: "bearer", expires_in: secondsUntil(at, long.expiresAt ?? at) })
  }

  const me = (s: MetaState, query: Readonly<Record<string, string>>, headers: Readonly<Record<string, string>>, at: number) => {
    const presented = query["access_token"] ?? bearer(headers)
    if (presented === undefined) return noToken(s)
    if (s.tokens.live(presented, "access", at) === undefined) return dead(s, presented, at)
    return json(200, spec.me(s))
  }

  return {
    id: spec.id,
    paths,
    init: (o, env) => ({
      ...baseState(o.consent, env),
      appSecret: o.appSecret,
      rotateString: o.rotateString ?? true,
      graceMs: o.oldTokenGraceMs ?? 0,
      lifetimeMs: (o.lifetimeSeconds ?? 5_184_000) * SECOND,
      minAgeMs: o.minAgeMs ?? 24 * HOUR,
      userId: o.userId ?? "17841400000000001",
      username: o.username ?? "sandbox.creator",
      clientId: o.clientId ?? `fake-${spec.id}-app-id`,
      codeResponse: o.codeResponse ?? spec.codeResponse,
      shortLived: new Map(),
      traces: 0
    }),
    answer: (s, req, now) => {
      switch (req.path.replace(/^\/v\d+\.\d+(?=\/)/, "")) {
        case paths.refresh:
          return req.method === "GET" ? refresh(s, req.query, now) : wrongMethod(s, req.method)
        case paths.authorize:
          return req.method === "GET" ? authorize(s, req.query) : methodNotAllowed(req.method)
        case paths.code:
          return req.method === "POST" ? exchangeCode(s, req.form, now) : methodNotAllowed(req.method)
        case paths.exchange:
          return req.method === "GET" ? exchangeLongLived(s, req.query, now) : wrongMethod(s, req.method)
        case paths.health:
          return req.method === "GET" ? me(s, req.query, req.headers, now) : methodNotAllowed(req.method)
        default:
          return notFound(req.path)
      }
    },
    grant: (s, now) => ({ access: s.tokens.issue("access", undefined, { issuedAt: now, expiresAt: now + s.lifetimeMs }) }),
    // Business Use Case throttling: Graph code 4, "Application request limit reached"
    rateLimited: (s) => graphError(s, "Application request limit reached", 4, undefined, 429),
    lifetimes: (s) => ({ access: s.lifetimeMs, refresh: undefined }),
    errorBodies: {
      deadToken: { error: { message: "Error validating access token: Session has expired", type: "OAuthException", code: 190, error_subcode: 463 } },
      invalidClient: { error: { message: "Invalid parameter", type: "OAuthException", code: 100 } }
    }
  }
}
