/**
 * Google OAuth 2.0 for YouTube (PROVIDERS §2): `POST /token` mints an access token and,
 * by default, returns no refresh token; a revoked or expired refresh token answers 400
 * `invalid_grant` with either description; Testing-mode apps' refresh tokens die 7 days
 * after issue; `GET /tokeninfo` checks an access token; `POST /revoke` revokes. Login: the
 * consent page `GET /o/oauth2/v2/auth` and `grant_type=authorization_code` at `/token`,
 * which checks the PKCE verifier and issues a refresh token only for `access_type=offline`
 * — and, once the user has consented before, only when `prompt=consent` asks again.
 */
import { AuthorizationCodes, type Consent, errorPage, redirectTo, validRedirect } from "./authorize.js"
import {
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
  TokenStore
} from "./server.js"

export const REVOKED = "Token has been expired or revoked."
/** What Google says some hours after a revocation. */
export const REVOKED_LATER = "Bad Request"
export type RevokedDescription = typeof REVOKED | typeof REVOKED_LATER

export interface YouTubeFakeOptions extends CommonOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** Testing publishing status: refresh tokens die 7 days after issue (refreshing does not reset it) */
  readonly testingMode?: boolean
  /** description for dead refresh tokens unless a revoke() says otherwise (default REVOKED) */
  readonly revokedDescription?: RevokedDescription
  /** send the same refresh_token back on refresh, as RFC 6749 allows (default false) */
  readonly returnRefreshToken?: boolean
  /** space-separated (default the youtube.upload and youtube.readonly scopes) */
  readonly scope?: string
  /** what the consent page does (default approve; also settable as `fake.consent`) */
  readonly consent?: Consent
}

export interface YouTubeFake extends Fake {
  readonly clientId: string
  readonly clientSecret: string
  /** settable */
  testingMode: boolean
  readonly tokens: TokenStore
  /** settable: whether the next consent is approved or denied */
  consent: Consent
  /** the authorization codes the consent page issued (and the authorize requests it saw) */
  readonly codes: AuthorizationCodes
  /** Seed a refresh token (issue time matters in testing mode); returns its value. */
  issueRefreshToken(value?: string, options?: { readonly issuedAt?: number }): string
  /** Kill a refresh token (and the access tokens it minted); refreshes then answer invalid_grant. */
  revoke(token: string, options?: { readonly description?: RevokedDescription }): void
  liveRefreshTokens(): Array<string>
  liveAccessTokens(): Array<string>
}

export const YOUTUBE_TOKEN_PATH = "/token"
export const YOUTUBE_TOKENINFO_PATH = "/tokeninfo"
export const YOUTUBE_REVOKE_PATH = "/revoke"
export const YOUTUBE_AUTHORIZE_PATH = "/o/oauth2/v2/auth"

const TESTING_LIFETIME_MS = 7 * DAY

export const startYouTubeFake = async (options: YouTubeFakeOptions): Promise<YouTubeFake> => {
  const now = options.now ?? Date.now
  const tokens = new TokenStore(options.tokenPrefix ?? "fake-youtube", now)
  const codes = new AuthorizationCodes(options.tokenPrefix ?? "fake-youtube", now)
  const scope = options.scope ??
    "https://www.googleapis.com/auth/youtube.upload https://www.googleapis.com/auth/youtube.readonly"

  /** In testing mode a refresh token's death is 7 days after its issue, whatever is stored. */
  const refreshDeath = (issuedAt: number): number | undefined =>
    fake.testingMode ? issuedAt + TESTING_LIFETIME_MS : undefined

  const token = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    if (form["client_id"] !== options.clientId) {
      return json(401, { error: "invalid_client", error_description: "The OAuth client was not found." })
    }
    if (form["client_secret"] !== options.clientSecret) {
      return json(401, { error: "invalid_client", error_description: "Unauthorized" })
    }
    if (form["grant_type"] === undefined) {
      return json(400, { error: "invalid_request", error_description: "Missing required parameter: grant_type" })
    }
    if (form["grant_type"] === "authorization_code") return exchangeCode(form, at)
    if (form["grant_type"] !== "refresh_token") {
      return json(400, { error: "unsupported_grant_type", error_description: `Invalid grant_type: ${form["grant_type"]}` })
    }
    const presented = form["refresh_token"]
    if (presented === undefined || presented === "") {
      return json(400, { error: "invalid_request", error_description: "Missing required parameter: refresh_token" })
    }
    const record = tokens.get(presented)
    const death = record !== undefined ? refreshDeath(record.issuedAt) : undefined
    if (
      record === undefined || record.kind !== "refresh" || record.status !== "active" ||
      tokens.isExpired(record, at) || (death !== undefined && at >= death)
    ) {
      const description = record?.description ?? options.revokedDescription ?? REVOKED
      return json(400, { error: "invalid_grant", error_description: description })
    }
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: at + 3599 * SECOND,
      family: record.family,
      parent: record.value
    })
    fake.counters.refreshes++
    return json(200, {
      access_token: access.value,
      expires_in: 3599,
      scope,
      token_type: "Bearer",
      ...(options.returnRefreshToken === true ? { refresh_token: record.value } : {}),
      // seen in real Testing-mode responses; herald must not depend on it
      ...(death !== undefined ? { refresh_token_expires_in: secondsUntil(at, death) } : {})
    })
  }

  /** The consent page: the test is the browser, `fake.consent` is the user. */
  const authorize = (query: Readonly<Record<string, string>>): FakeResponse => {
    codes.requests.push(query)
    if (query["client_id"] !== options.clientId) return errorPage("Error 401: invalid_client. The OAuth client was not found.")
    if (!validRedirect(query["redirect_uri"])) return errorPage("Error 400: redirect_uri_mismatch")
    if (query["response_type"] !== "code") return errorPage("Error 400: invalid_request. Invalid response_type")
    if (query["code_challenge"] !== undefined && query["code_challenge_method"] !== "S256") {
      return errorPage("Error 400: invalid_request. Invalid code_challenge_method")
    }
    const state = query["state"] !== undefined ? { state: query["state"] } : {}
    if (fake.consent === "deny") return redirectTo(query["redirect_uri"], { error: "access_denied", ...state })
    const code = codes.issue(query, options.clientId)
    return redirectTo(query["redirect_uri"], { code: code.value, scope: query["scope"] ?? "", ...state })
  }

  /** Google hands out a refresh token on the first offline consent, and later only when prompt=consent. */
  let consentedOffline = false

  const exchangeCode = (form: Readonly<Record<string, string>>, at: number): FakeResponse => {
    const r = codes.redeem(form["code"], {
      clientId: options.clientId,
      redirectUri: form["redirect_uri"],
      verifier: form["code_verifier"]
    })
    if (!r.ok) {
      return r.reason === "verifier-wrong" || r.reason === "verifier-missing"
        ? json(400, { error: "invalid_grant", error_description: "Invalid code verifier." })
        : json(400, { error: "invalid_grant", error_description: "Bad Request" })
    }
    const offline = r.code.query["access_type"] === "offline"
    const issueRefresh = offline && (!consentedOffline || r.code.query["prompt"] === "consent")
    if (offline) consentedOffline = true
    const family = tokens.newFamily()
    const refresh = issueRefresh ? tokens.issue("refresh", undefined, { issuedAt: at, family }) : undefined
    const access = tokens.issue("access", undefined, {
      issuedAt: at,
      expiresAt: at + 3599 * SECOND,
      family,
      ...(refresh !== undefined ? { parent: refresh.value } : {})
    })
    const death = refresh !== undefined ? refreshDeath(refresh.issuedAt) : undefined
    return json(200, {
      access_token: access.value,
      expires_in: 3599,
      scope: r.code.scope,
      token_type: "Bearer",
      ...(refresh !== undefined ? { refresh_token: refresh.value } : {}),
      ...(death !== undefined ? { refresh_token_expires_in: secondsUntil(at, death) } : {})
    })
  }

  const tokeninfo = (query: Readonly<Record<string, string>>, at: number): FakeResponse => {
    const record = tokens.live(query["access_token"], "access")
    const parent = record?.parent !== undefined ? tokens.get(record.parent) : undefined
    if (record === undefined || (parent !== undefined && parent.status === "revoked")) {
      return json(400, { error: "invalid_token", error_description: "Invalid Value" })
    }
    const exp = record.expiresAt ?? at
    return json(200, {
      azp: options.clientId,
      aud: options.clientId,
      scope,
      exp: String(epochSeconds(exp)),
      expires_in: String(secondsUntil(at, exp)),
      access_type: "offline"
    })
  }

  const revokeRoute = (query: Readonly<Record<string, string>>, form: Readonly<Record<string, string>>): FakeResponse => {
    const t = query["token"] ?? form["token"]
    const record = tokens.get(t)
    if (record === undefined || record.status === "revoked") {
      return json(400, { error: "invalid_token", error_description: "Token expired or revoked" })
    }
    revokeToken(record.value)
    return json(200, {})
  }

  /** Revoking an access token revokes its refresh token too, and the other way round. */
  const revokeToken = (t: string, description?: RevokedDescription): void => {
    const record = tokens.get(t)
    if (record === undefined) {
      // unknown to the fake: remember it as revoked so the description applies
      tokens.issue("refresh", t, {}).status = "revoked"
    } else if (record.kind === "access" && record.parent !== undefined) {
      revokeToken(record.parent, description)
      return
    }
    tokens.revoke(t, description)
    for (const r of tokens.all()) if (r.parent === t) r.status = "revoked"
  }

  const base = await startFakeServer("youtube", options, (req) => {
    switch (req.path) {
      case YOUTUBE_TOKEN_PATH:
        return req.method === "POST" ? token(req.form, req.now) : methodNotAllowed(req.method)
      case YOUTUBE_TOKENINFO_PATH:
        return req.method === "GET" || req.method === "POST"
          ? tokeninfo({ ...req.form, ...req.query }, req.now)
          : methodNotAllowed(req.method)
      case YOUTUBE_AUTHORIZE_PATH:
        return req.method === "GET" ? authorize(req.query) : methodNotAllowed(req.method)
      case YOUTUBE_REVOKE_PATH:
        return req.method === "POST" ? revokeRoute(req.query, req.form) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  })

  const fake: YouTubeFake = Object.assign(base, {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    testingMode: options.testingMode ?? false,
    tokens,
    consent: options.consent ?? "approve",
    codes,
    issueRefreshToken: (value?: string, o: { readonly issuedAt?: number } = {}) =>
      tokens.issue("refresh", value, { issuedAt: o.issuedAt ?? now() }).value,
    revoke: (t: string, o: { readonly description?: RevokedDescription } = {}) => revokeToken(t, o.description),
    liveRefreshTokens: () =>
      tokens.liveValues("refresh").filter((t) => {
        const death = refreshDeath(tokens.get(t)?.issuedAt ?? 0)
        return death === undefined || now() < death
      }),
    liveAccessTokens: () => tokens.liveValues("access")
  })
  return fake
}
