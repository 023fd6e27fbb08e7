/**
 * Google OAuth 2.0's token behaviour for YouTube (PROVIDERS §2), pure: `POST /token` mints
 * an access token and, by default, returns no refresh token (RFC 6749 allows echoing the
 * same one: settable); client credentials in the form body (401 `invalid_client`); a
 * revoked, expired or unused-for-six-months refresh token answers 400 `invalid_grant`
 * with either of Google's descriptions; a Testing-mode client's refresh tokens die 7 days
 * after consent (refreshing does not reset it); `GET /tokeninfo` checks an access token;
 * `POST /revoke` revokes a token and its family. Login: the consent page
 * `GET /o/oauth2/v2/auth`, and `grant_type=authorization_code`, which checks the PKCE
 * verifier and issues a refresh token only for `access_type=offline` — and, once the user
 * has consented before, only when `prompt=consent` asks again.
 */
import {
  baseState,
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

export const REVOKED = "Token has been expired or revoked."
/** What Google says some hours after a revocation. */
export const REVOKED_LATER = "Bad Request"
export type RevokedDescription = typeof REVOKED | typeof REVOKED_LATER

export interface YouTubeModelOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** Testing publishing status: refresh tokens die 7 days after issue */
  readonly testingMode?: boolean
  /** description for dead refresh tokens unless a revoke said otherwise (default REVOKED) */
  readonly revokedDescription?: RevokedDescription
  /** send the same refresh_token back on refresh, as RFC 6749 allows (default false) */
  readonly returnRefreshToken?: boolean
  /** a refresh token unused this long dies, ms (Google: six months; default none) */
  readonly idleLimitMs?: number
  /** space-separated (default the youtube.upload and youtube.readonly scopes) */
  readonly scope?: string
  readonly consent?: Consent
}

export interface YouTubeState extends ModelState {
  readonly clientId: string
  readonly clientSecret: string
  /** settable */
  testingMode: boolean
  readonly revokedDescription: RevokedDescription
  readonly returnRefreshToken: boolean
  readonly idleLimitMs: number | undefined
  readonly scope: string
  /** Google hands out a refresh token on the first offline consent, later only with prompt=consent */
  consentedOffline: boolean
}

export const paths = {
  token: "/token",
  health: "/tokeninfo",
  revoke: "/revoke",
  authorize: "/o/oauth2/v2/auth"
} as const

export const ACCESS_SECONDS = 3599
export const TESTING_LIFETIME_MS = 7 * DAY
/** Google: a refresh token unused for six months dies */
export const UNUSED_LIMIT_MS = 182 * DAY

/** In testing mode a refresh token dies 7 days after its issue, whatever else is true. */
export const refreshDeath = (s: YouTubeState, issuedAt: number): number | undefined =>
  s.testingMode ? issuedAt + TESTING_LIFETIME_MS : undefined

/** Whether Google would take this refresh token at `at`. */
export const refreshUsable = (s: YouTubeState, record: TokenRecord | undefined, at: number): boolean => {
  if (record === undefined || record.kind !== "refresh" || s.tokens.live(record.value, "refresh", at) === undefined) return false
  const death = refreshDeath(s, record.issuedAt)
  return death === undefined || at < death
}

const invalidClient = (description: string): ModelReply => json(401, { error: "invalid_client", error_description: description })

const token = (s: YouTubeState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  if (form["client_id"] !== s.clientId) return invalidClient("The OAuth client was not found.")
  if (form["client_secret"] !== s.clientSecret) return invalidClient("Unauthorized")
  if (form["grant_type"] === undefined) return json(400, { error: "invalid_request", error_description: "Missing required parameter: grant_type" })
  if (form["grant_type"] === "authorization_code") return exchangeCode(s, form, at)
  if (form["grant_type"] !== "refresh_token") {
    return json(400, { error: "unsupported_grant_type", error_description: `Invalid grant_type: ${form["grant_type"]}` })
  }
  const presented = form["refresh_token"]
  if (presented === undefined || presented === "") {
    return json(400, { error: "invalid_request", error_description: "Missing required parameter: refresh_token" })
  }
  const record = s.tokens.get(presented)
  if (record === undefined || !refreshUsable(s, record, at)) {
    return withEvent(json(400, { error: "invalid_grant", error_description: record?.description ?? s.revokedDescription }), "dead")
  }
  record.lastUsedAt = at
  const access = s.tokens.issue("access", undefined, {
    issuedAt: at,
    expiresAt: at + ACCESS_SECONDS * SECOND,
    family: record.family,
    parent: record.value
  })
  const death = refreshDeath(s, record.issuedAt)
  return withEvent(
    json(200, {
      access_token: access.value,
      expires_in: ACCESS_SECONDS,
      scope: s.scope,
      token_type: "Bearer",
      ...(s.returnRefreshToken ? { refresh_token: record.value } : {}),
      // seen in real Testing-mode responses; herald must not depend on it
      ...(death !== undefined ? { refresh_token_expires_in: secondsUntil(at, death) } : {})
    }),
    "refreshed"
  )
}

const authorize = (s: YouTubeState, query: Readonly<Record<string, string>>): ModelReply =>
  consentPage(s, query, {
    clientId: s.clientId,
    refuse: { client: "Error 401: invalid_client. The OAuth client was not found.", redirect: "Error 400: redirect_uri_mismatch" },
    checks: [
      (q) => (q["response_type"] !== "code" ? "Error 400: invalid_request. Invalid response_type" : undefined),
      (q) =>
        q["code_challenge"] !== undefined && q["code_challenge_method"] !== "S256"
          ? "Error 400: invalid_request. Invalid code_challenge_method"
          : undefined
    ],
    denied: { error: "access_denied" },
    approved: (q) => ({ scope: q["scope"] ?? "" })
  })

const consentTokens = (s: YouTubeState, at: number, withRefresh: boolean) =>
  s.tokens.issuePair(at, {
    family: s.tokens.newFamily(),
    accessExpiresAt: at + ACCESS_SECONDS * SECOND,
    refresh: withRefresh && { idleLimitMs: s.idleLimitMs }
  })

const exchangeCode = (s: YouTubeState, form: Readonly<Record<string, string>>, at: number): ModelReply => {
  const r = s.codes.redeem(form["code"], { clientId: s.clientId, redirectUri: form["redirect_uri"], verifier: form["code_verifier"] })
  if (!r.ok) {
    return r.reason === "verifier-wrong" || r.reason === "verifier-missing"
      ? json(400, { error: "invalid_grant", error_description: "Invalid code verifier." })
      : json(400, { error: "invalid_grant", error_description: "Bad Request" })
  }
  const offline = r.code.query["access_type"] === "offline"
  const issueRefresh = offline && (!s.consentedOffline || r.code.query["prompt"] === "consent")
  if (offline) s.consentedOffline = true
  const { access, refresh } = consentTokens(s, at, issueRefresh)
  const death = refresh !== undefined ? refreshDeath(s, refresh.issuedAt) : undefined
  return json(200, {
    access_token: access.value,
    expires_in: ACCESS_SECONDS,
    scope: r.code.scope,
    token_type: "Bearer",
    ...(refresh !== undefined ? { refresh_token: refresh.value } : {}),
    ...(death !== undefined ? { refresh_token_expires_in: secondsUntil(at, death) } : {})
  })
}

const tokeninfo = (s: YouTubeState, query: Readonly<Record<string, string>>, at: number): ModelReply => {
  const record = s.tokens.live(query["access_token"], "access", at)
  const parent = record?.parent !== undefined ? s.tokens.get(record.parent) : undefined
  if (record === undefined || (parent !== undefined && parent.status === "revoked")) {
    return json(400, { error: "invalid_token", error_description: "Invalid Value" })
  }
  const exp = record.expiresAt ?? at
  return json(200, {
    azp: s.clientId,
    aud: s.clientId,
    scope: s.scope,
    exp: String(epochSeconds(exp)),
    expires_in: String(secondsUntil(at, exp)),
    access_type: "offline"
  })
}

/** Revoking an access token revokes its refresh token too, and the other way round. */
export const revokeToken = (s: YouTubeState, t: string, description?: RevokedDescription): void => {
  const record = s.tokens.get(t)
  if (record === undefined) {
    // unknown to the model: remember it as revoked so the description applies
    s.tokens.issue("refresh", t, {}).status = "revoked"
  } else if (record.kind === "access" && record.parent !== undefined) {
    revokeToken(s, record.parent, description)
    return
  }
  s.tokens.revoke(t, description)
  for (const r of s.tokens.all()) if (r.parent === t) r.status = "revoked"
}

const revokeRoute = (s: YouTubeState, query: Readonly<Record<string, string>>, form: Readonly<Record<string, string>>): ModelReply => {
  const record = s.tokens.get(query["token"] ?? form["token"])
  if (record === undefined || record.status === "revoked") {
    return json(400, { error: "invalid_token", error_description: "Token expired or revoked" })
  }
  revokeToken(s, record.value)
  return json(200, {})
}

export const model: TokenModel<YouTubeState, YouTubeModelOptions> = {
  id: "youtube",
  paths,
  init: (o, env) => ({
    ...baseState(o.consent, env),
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    testingMode: o.testingMode ?? false,
    revokedDescription: o.revokedDescription ?? REVOKED,
    returnRefreshToken: o.returnRefreshToken ?? false,
    idleLimitMs: o.idleLimitMs,
    scope: o.scope ?? "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly",
    consentedOffline: false
  }),
  answer: (s, req, now) => {
    switch (req.path) {
      case paths.token:
        return req.method === "POST" ? token(s, req.form, now) : methodNotAllowed(req.method)
      case paths.health:
        return req.method === "GET" || req.method === "POST" ? tokeninfo(s, { ...req.form, ...req.query }, now) : methodNotAllowed(req.method)
      case paths.authorize:
        return req.method === "GET" ? authorize(s, req.query) : methodNotAllowed(req.method)
      case paths.revoke:
        return req.method === "POST" ? revokeRoute(s, req.query, req.form) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  },
  grant: (s, now) => consentTokens(s, now, true),
  // Google documents no token-endpoint limit; its front ends answer 429 with a JSON error
  rateLimited: () => json(429, { error: "rate_limit_exceeded", error_description: "Rate Limit Exceeded" }),
  // a Testing-mode death is reckoned from the issue time as the mode is now (refreshUsable)
  lifetimes: () => ({ access: ACCESS_SECONDS * SECOND, refresh: undefined }),
  errorBodies: {
    deadToken: { error: "invalid_grant", error_description: REVOKED },
    invalidClient: { error: "invalid_client", error_description: "The OAuth client was not found." }
  }
}
