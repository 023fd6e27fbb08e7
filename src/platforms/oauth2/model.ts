/**
 * A standard OAuth 2.0 authorization server's token behaviour (PROVIDERS §11: RFC 6749,
 * 7662, 9700), pure, for generic providers: the refresh grant at `POST /token` with the
 * client authentication the client is registered for — `client_secret_basic` (id and
 * secret form-encoded before Base64, RFC 6749 §2.3.1: a badly encoded half is
 * `invalid_request`), `client_secret_post`, or `none` (`client_id` only) — never both a
 * Basic header and a body secret; a refresh answers a new refresh token (rotation, the old
 * one spent; re-using a spent one revokes the whole grant), the same one again, or none,
 * as configured; `expires_in` may be left out; RFC 6749 §5.2 errors (`invalid_grant` 400,
 * `invalid_client` 401); RFC 7662 introspection at `POST /introspect` with `active` and
 * `exp`; a Bearer-only resource at `GET /userinfo` as the health probe.
 */
import {
  baseState,
  basicAuth,
  bearer,
  epochSeconds,
  formDecode,
  json,
  methodNotAllowed,
  type ModelReply,
  type ModelRequest,
  type ModelState,
  notFound,
  SECOND,
  type TokenModel,
  withEvent
} from "../tokenModel.js"

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none"

export interface OAuth2ModelOptions {
  readonly clientId: string
  /** absent for public clients (`none`) */
  readonly clientSecret?: string
  readonly clientAuth?: ClientAuthMethod
  /** what a refresh returns for the refresh token: a new one (default), the same one, or none */
  readonly refreshAnswer?: "rotate" | "same" | "none"
  /** access token lifetime, seconds (default 3600); `undefined` in `omitExpiresIn` leaves it out */
  readonly accessExpiresIn?: number
  /** leave `expires_in` out of token answers (RFC 6749 §5.1 only recommends it) */
  readonly omitExpiresIn?: boolean
  /** refresh token lifetime, seconds (default: none) */
  readonly refreshExpiresIn?: number
  readonly scope?: string
}

export interface OAuth2State extends ModelState {
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly clientAuth: ClientAuthMethod
  refreshAnswer: "rotate" | "same" | "none"
  readonly accessExpiresIn: number
  omitExpiresIn: boolean
  readonly refreshExpiresIn: number | undefined
  readonly scope: string
}

export const paths = {
  token: "/token",
  introspect: "/introspect",
  health: "/userinfo"
} as const

const error = (status: number, code: string, description: string): ModelReply =>
  json(status, { error: code, error_description: description })

const invalidClient = (): ModelReply => error(401, "invalid_client", "client authentication failed")

/** RFC 6749 §2.3: the client as this server's registration demands, or the error it answers. */
const authenticate = (s: OAuth2State, req: ModelRequest): ModelReply | undefined => {
  const basic = basicAuth(req.headers)
  const bodySecret = req.form["client_secret"]
  if (basic !== undefined && bodySecret !== undefined) {
    return error(400, "invalid_request", "client authentication must only be provided using one mechanism")
  }
  switch (s.clientAuth) {
    case "client_secret_basic": {
      if (basic === undefined) return invalidClient()
      const id = formDecode(basic.id)
      const secret = formDecode(basic.secret)
      if (id === undefined || secret === undefined) {
        return error(400, "invalid_request", "client_id and client_secret in the authorization header are not properly encoded")
      }
      return id === s.clientId && secret === s.clientSecret ? undefined : invalidClient()
    }
    case "client_secret_post":
      return req.form["client_id"] === s.clientId && bodySecret === s.clientSecret ? undefined : invalidClient()
    case "none":
      return req.form["client_id"] === s.clientId && basic === undefined && bodySecret === undefined ? undefined : invalidClient()
  }
}

/** New tokens in `family`: a new refresh token too, or an access token under the one `kept`. */
const issuePair = (s: OAuth2State, at: number, family: number, kept?: string) =>
  s.tokens.issuePair(at, {
    family,
    accessExpiresAt: at + s.accessExpiresIn * SECOND,
    refresh: kept === undefined && { expiresAt: s.refreshExpiresIn === undefined ? undefined : at + s.refreshExpiresIn * SECOND },
    ...(kept !== undefined ? { parent: kept } : {})
  })

const token = (s: OAuth2State, req: ModelRequest, at: number): ModelReply => {
  if (req.headers["content-type"]?.toLowerCase().includes("application/x-www-form-urlencoded") !== true) {
    return error(400, "invalid_request", "only application/x-www-form-urlencoded content-type bodies are supported")
  }
  const refused = authenticate(s, req)
  if (refused !== undefined) return refused
  const form = req.form
  if (form["grant_type"] === undefined) return error(400, "invalid_request", "missing required parameter 'grant_type'")
  if (form["grant_type"] !== "refresh_token") return error(400, "unsupported_grant_type", "unsupported grant_type requested")
  const presented = form["refresh_token"]
  if (presented === undefined || presented === "") return error(400, "invalid_request", "missing required parameter 'refresh_token'")
  const record = s.tokens.live(presented, "refresh", at)
  if (record === undefined) {
    // RFC 9700 §4.14: a rotated-away token presented again is taken for theft
    const known = s.tokens.get(presented)
    if (known !== undefined && known.status === "spent") s.tokens.revokeFamily(known.family)
    return withEvent(error(400, "invalid_grant", "grant request is invalid"), "dead")
  }
  const rotate = s.refreshAnswer === "rotate"
  if (rotate) s.tokens.spend(record, at)
  const { access, refresh } = issuePair(s, at, record.family, rotate ? undefined : record.value)
  const refreshToken = rotate ? refresh?.value : s.refreshAnswer === "same" ? record.value : undefined
  return withEvent(
    json(200, {
      access_token: access.value,
      token_type: "Bearer",
      ...(s.omitExpiresIn ? {} : { expires_in: s.accessExpiresIn }),
      scope: s.scope,
      ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {})
    }),
    rotate ? "rotated" : "refreshed"
  )
}

const introspect = (s: OAuth2State, req: ModelRequest, at: number): ModelReply => {
  const refused = authenticate(s, req)
  if (refused !== undefined) return refused
  const record = s.tokens.live(req.form["token"], req.form["token_type_hint"] === "access_token" ? "access" : "refresh", at) ??
    s.tokens.live(req.form["token"], "access", at) ?? s.tokens.live(req.form["token"], "refresh", at)
  if (record === undefined) return json(200, { active: false })
  return json(200, {
    active: true,
    client_id: s.clientId,
    scope: s.scope,
    token_type: record.kind === "access" ? "Bearer" : "refresh_token",
    iat: epochSeconds(record.issuedAt),
    ...(record.expiresAt !== undefined ? { exp: epochSeconds(record.expiresAt) } : {})
  })
}

const userinfo = (s: OAuth2State, req: ModelRequest, at: number): ModelReply => {
  if (req.query["access_token"] !== undefined) {
    return error(400, "invalid_request", "access tokens must not be provided via query parameter")
  }
  return s.tokens.live(bearer(req.headers), "access", at) === undefined
    ? { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' }, json: { error: "invalid_token", error_description: "invalid token provided" } }
    : json(200, { sub: "generic-subject-0001" })
}

export const model: TokenModel<OAuth2State, OAuth2ModelOptions> = {
  id: "oauth2",
  paths,
  init: (o, env) => ({
    ...baseState(undefined, env),
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    clientAuth: o.clientAuth ?? "client_secret_basic",
    refreshAnswer: o.refreshAnswer ?? "rotate",
    accessExpiresIn: o.accessExpiresIn ?? 3600,
    omitExpiresIn: o.omitExpiresIn ?? false,
    refreshExpiresIn: o.refreshExpiresIn,
    scope: o.scope ?? "openid offline_access"
  }),
  answer: (s, req, now) => {
    switch (req.path) {
      case paths.token:
        return req.method === "POST" ? token(s, req, now) : methodNotAllowed(req.method)
      case paths.introspect:
        return req.method === "POST" ? introspect(s, req, now) : methodNotAllowed(req.method)
      case paths.health:
        return req.method === "GET" || req.method === "POST" ? userinfo(s, req, now) : methodNotAllowed(req.method)
      default:
        return notFound(req.path)
    }
  },
  grant: (s, now) => issuePair(s, now, s.tokens.newFamily()),
  rateLimited: () => error(429, "slow_down", "too many requests"),
  lifetimes: (s) => ({ access: s.accessExpiresIn * SECOND, refresh: s.refreshExpiresIn === undefined ? undefined : s.refreshExpiresIn * SECOND }),
  errorBodies: {
    deadToken: { error: "invalid_grant", error_description: "grant request is invalid" },
    invalidClient: { error: "invalid_client", error_description: "client authentication failed" }
  }
}
