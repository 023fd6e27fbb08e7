/**
 * All five platforms in one in-memory HTTP handler, at their default hosts, holding real
 * token state and enforcing the lifetimes of PROVIDERS.md against the simulated clock:
 * - Instagram: 60-day tokens, refreshable once ≥ 24 h old and not expired; each refresh
 *   gives 60 days from that moment (a new string; the old one dies).
 * - TikTok: 2-hour access tokens; single-use refresh tokens, 180 days from issue,
 *   reported as `refresh_expires_in`.
 * - X: 2-hour access tokens; single-use rotating refresh tokens (confidential client,
 *   HTTP Basic).
 * - YouTube: durable refresh tokens (dead after six months unused); for a client in
 *   Google's "Testing" status, dead 7 days after consent.
 * - LinkedIn (standard app): 60-day access tokens, no refresh token; introspection.
 * Plus a seeded fault injector: 5xx, 429 with Retry-After, or no answer at all. A fault
 * is decided before the platform looks at the request, so a faulted call changes nothing.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { BuiltinPlatformId as PlatformId } from "../../src/platforms/registry.js"
import * as Instagram from "../../src/platforms/instagram/descriptor.js"
import * as LinkedIn from "../../src/platforms/linkedin/descriptor.js"
import * as TikTok from "../../src/platforms/tiktok/descriptor.js"
import * as X from "../../src/platforms/x/descriptor.js"
import * as YouTube from "../../src/platforms/youtube/descriptor.js"
import { type Handler, json, type Reply, type SeenRequest } from "../support/memoryHttp.js"

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export const LIFETIMES = {
  instagramToken: 60 * DAY,
  instagramMinAge: 24 * HOUR,
  /** what Instagram reports as expires_in: a little under 60 days, as in Meta's sample */
  instagramExpiresInSeconds: 5_183_944,
  tiktokAccess: 2 * HOUR,
  tiktokRefresh: 180 * DAY,
  xAccess: 2 * HOUR,
  googleAccess: 3599 * 1000,
  googleTestingRefresh: 7 * DAY,
  googleUnused: 182 * DAY,
  linkedinAccess: 60 * DAY
} as const

/** App credentials the simulated platforms know (sentinel values, not secrets). */
export const CLIENTS = {
  youtube: { id: "sim-google-client-prod", secret: "sim-google-secret-prod" },
  youtubeTesting: { id: "sim-google-client-testing", secret: "sim-google-secret-testing" },
  tiktok: { key: "sim-tiktok-client-key", secret: "sim-tiktok-client-secret" },
  linkedin: { id: "sim-linkedin-client", secret: "sim-linkedin-secret" },
  x: { id: "sim-x-client", secret: "sim-x-secret" }
} as const

/** mulberry32: a tiny seeded PRNG, so a seed replays the same year exactly. */
export const mulberry32 = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export type FaultKind = "5xx" | "429" | "hang"

export interface FaultOptions {
  readonly seed: number
  /** share of calls that get a fault instead of an answer, 0..1 */
  readonly rate: number
  /** Retry-After on 429s, seconds, inclusive range (herald waits for up to 10 s) */
  readonly retryAfterSeconds?: readonly [number, number]
}

export interface TokenRecord {
  readonly platform: PlatformId
  readonly kind: "access" | "refresh"
  readonly value: string
  readonly client: string
  readonly issuedAt: number
  /** fixed expiry; none for durable tokens */
  readonly expiresAt: number | undefined
  /** rotated away (single-use) or replaced */
  spentAt: number | undefined
  /** Google: a refresh token unused this long dies */
  readonly idleLimit: number | undefined
  lastUsedAt: number
}

export interface PlatformStats {
  calls: number
  faults: Record<FaultKind, number>
  /** requests that repeated a faulted request: herald's retries */
  retries: number
  /** grants that issued a new token (rotation or refresh) */
  renewals: number
  /** refusals of a dead token */
  rejected: number
}

const emptyStats = (): PlatformStats => ({ calls: 0, faults: { "5xx": 0, "429": 0, hang: 0 }, retries: 0, renewals: 0, rejected: 0 })

const salt: Record<PlatformId, number> = { instagram: 0x1f1, youtube: 0x2e2, tiktok: 0x3d3, linkedin: 0x4c4, x: 0x5b5 }

const oauthError = (status: number, error: string, description: string): Reply =>
  json(status, { error, error_description: description })

const graphError = (code: number, message: string, subcode?: number): Reply =>
  json(400, {
    error: { message, type: "OAuthException", code, ...(subcode !== undefined ? { error_subcode: subcode } : {}), fbtrace_id: "SimTrace" }
  })

const basicAuth = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`

export const makeSimulatedPlatforms = (options: { readonly faults: FaultOptions }) => {
  const tokens = new Map<string, TokenRecord>()
  /** by platform; the Testing-mode Google client apart, as "youtube:testing" */
  const stats: Record<string, PlatformStats> = {}
  const statsOf = (key: string) => (stats[key] ??= emptyStats())
  const rngs = Object.fromEntries(
    Object.entries(salt).map(([p, s]) => [p, mulberry32((options.faults.seed ^ Math.imul(s, 0x9e3779b1)) >>> 0)])
  ) as Record<PlatformId, () => number>
  const counters: Partial<Record<string, number>> = {}
  /** requests that got a fault, by their exact text, and when */
  const faulted = new Map<string, number>()
  const googleTesting = new Set<string>([CLIENTS.youtubeTesting.id])
  const [retryMin, retryMax] = options.faults.retryAfterSeconds ?? [1, 5]

  const issue = (
    platform: PlatformId,
    kind: "access" | "refresh",
    at: number,
    lifetime: number | undefined,
    client: string,
    idleLimit?: number
  ): TokenRecord => {
    const name = `${platform}-${kind}`
    const n = (counters[name] = (counters[name] ?? 0) + 1)
    const record: TokenRecord = {
      platform,
      kind,
      value: `sim-${name}-${String(n).padStart(6, "0")}`,
      client,
      issuedAt: at,
      expiresAt: lifetime === undefined ? undefined : at + lifetime,
      spentAt: undefined,
      idleLimit,
      lastUsedAt: at
    }
    tokens.set(record.value, record)
    return record
  }

  /** When this token stops working, as far as is known now (undefined: not yet). */
  const deathOf = (r: TokenRecord): number | undefined => {
    const candidates = [r.spentAt, r.expiresAt, r.idleLimit !== undefined ? r.lastUsedAt + r.idleLimit : undefined]
      .filter((x): x is number => x !== undefined)
    return candidates.length === 0 ? undefined : Math.min(...candidates)
  }

  /**
   * Would the platform accept this token at `at`? Exact for any past instant: a token is
   * only ever used while alive, so its idle deadline can only lapse after its last use.
   */
  const alive = (value: string | undefined, at: number): boolean => {
    if (value === undefined) return false
    const r = tokens.get(value)
    if (r === undefined || at < r.issuedAt) return false
    const death = deathOf(r)
    return death === undefined || at < death
  }

  const usable = (value: string | undefined, platform: PlatformId, kind: "access" | "refresh", at: number) => {
    const r = value === undefined ? undefined : tokens.get(value)
    return r !== undefined && r.platform === platform && r.kind === kind && alive(value, at) ? r : undefined
  }

  // ---- the human side: consent as `herald auth login` would obtain it ------------------

  /** A fresh consent: the tokens a login flow would hand to herald. */
  const consent = (platform: PlatformId, at: number, client?: string) => {
    switch (platform) {
      case "instagram":
        return { access: issue("instagram", "access", at, LIFETIMES.instagramToken, "instagram-app") }
      case "youtube": {
        const id = client ?? CLIENTS.youtube.id
        return {
          refresh: googleTesting.has(id)
            ? issue("youtube", "refresh", at, LIFETIMES.googleTestingRefresh, id)
            : issue("youtube", "refresh", at, undefined, id, LIFETIMES.googleUnused)
        }
      }
      case "tiktok":
        return {
          access: issue("tiktok", "access", at, LIFETIMES.tiktokAccess, CLIENTS.tiktok.key),
          refresh: issue("tiktok", "refresh", at, LIFETIMES.tiktokRefresh, CLIENTS.tiktok.key)
        }
      case "linkedin":
        return { access: issue("linkedin", "access", at, LIFETIMES.linkedinAccess, CLIENTS.linkedin.id) }
      case "x":
        return {
          access: issue("x", "access", at, LIFETIMES.xAccess, CLIENTS.x.id),
          refresh: issue("x", "refresh", at, undefined, CLIENTS.x.id)
        }
    }
  }

  // ---- the endpoints ---------------------------------------------------------------

  const instagramRefresh = (req: SeenRequest, now: number): Reply => {
    if (req.method !== "GET") return graphError(100, "Unsupported request - method type: post")
    if (req.url.searchParams.get("grant_type") !== "ig_refresh_token") return graphError(100, "Invalid grant_type")
    const value = req.url.searchParams.get("access_token") ?? undefined
    const r = usable(value, "instagram", "access", now)
    if (r === undefined) {
      statsOf("instagram").rejected++
      const known = value === undefined ? undefined : tokens.get(value)
      return known?.expiresAt !== undefined && now >= known.expiresAt
        ? graphError(190, "Error validating access token: Session has expired.", 463)
        : graphError(190, "Error validating access token: The session is invalid.", 467)
    }
    // the exact answer is undocumented (PROVIDERS §1a): a non-190 OAuthException
    if (now - r.issuedAt < LIFETIMES.instagramMinAge) return graphError(100, "The access token is too new to be refreshed.")
    r.spentAt = now
    const next = issue("instagram", "access", now, LIFETIMES.instagramToken, r.client)
    statsOf("instagram").renewals++
    return json(200, { access_token: next.value, token_type: "bearer", expires_in: LIFETIMES.instagramExpiresInSeconds })
  }

  const googleToken = (req: SeenRequest, now: number): Reply => {
    const f = req.form
    const client = [CLIENTS.youtube, CLIENTS.youtubeTesting].find((c) => c.id === f["client_id"])
    if (client === undefined || client.secret !== f["client_secret"]) return oauthError(401, "invalid_client", "The OAuth client was not found.")
    if (f["grant_type"] !== "refresh_token") return oauthError(400, "unsupported_grant_type", "Invalid grant_type")
    const r = usable(f["refresh_token"], "youtube", "refresh", now)
    if (r === undefined || r.client !== client.id) {
      statsOf(statsKey("youtube", req)).rejected++
      return oauthError(400, "invalid_grant", "Token has been expired or revoked.")
    }
    r.lastUsedAt = now
    const access = issue("youtube", "access", now, LIFETIMES.googleAccess, client.id)
    statsOf(statsKey("youtube", req)).renewals++
    // no refresh_token, and no refresh_token_expires_in: Google's field is not to be relied on
    return json(200, {
      access_token: access.value,
      expires_in: 3599,
      scope: "https://www.googleapis.com/auth/youtube.upload",
      token_type: "Bearer"
    })
  }

  const tiktokToken = (req: SeenRequest, now: number): Reply => {
    const f = req.form
    if (f["client_key"] !== CLIENTS.tiktok.key || f["client_secret"] !== CLIENTS.tiktok.secret) {
      return oauthError(400, "invalid_client", "Client key or secret is invalid.")
    }
    if (f["grant_type"] !== "refresh_token") return oauthError(400, "unsupported_grant_type", "The grant type is not supported.")
    const r = usable(f["refresh_token"], "tiktok", "refresh", now)
    if (r === undefined) {
      statsOf("tiktok").rejected++
      return oauthError(400, "invalid_grant", "Refresh token is invalid or expired.")
    }
    r.spentAt = now
    const refresh = issue("tiktok", "refresh", now, LIFETIMES.tiktokRefresh, r.client)
    const access = issue("tiktok", "access", now, LIFETIMES.tiktokAccess, r.client)
    statsOf("tiktok").renewals++
    return json(200, {
      open_id: "sim-open-id",
      scope: "user.info.basic,video.publish",
      access_token: access.value,
      expires_in: LIFETIMES.tiktokAccess / 1000,
      refresh_token: refresh.value,
      refresh_expires_in: LIFETIMES.tiktokRefresh / 1000,
      token_type: "Bearer"
    })
  }

  const xToken = (req: SeenRequest, now: number): Reply => {
    if (req.headers["authorization"] !== basicAuth(CLIENTS.x.id, CLIENTS.x.secret)) {
      return oauthError(401, "unauthorized_client", "Missing valid authorization header")
    }
    const f = req.form
    if (f["grant_type"] !== "refresh_token") return oauthError(400, "invalid_request", "Invalid grant_type")
    const r = usable(f["refresh_token"], "x", "refresh", now)
    if (r === undefined) {
      statsOf("x").rejected++
      return oauthError(400, "invalid_request", "Value passed for the token was invalid.")
    }
    r.spentAt = now
    const refresh = issue("x", "refresh", now, undefined, r.client)
    const access = issue("x", "access", now, LIFETIMES.xAccess, r.client)
    statsOf("x").renewals++
    return json(200, {
      token_type: "bearer",
      expires_in: LIFETIMES.xAccess / 1000,
      access_token: access.value,
      scope: "tweet.read tweet.write users.read offline.access",
      refresh_token: refresh.value
    })
  }

  const linkedinIntrospect = (req: SeenRequest, now: number): Reply => {
    const f = req.form
    if (f["client_id"] !== CLIENTS.linkedin.id || f["client_secret"] !== CLIENTS.linkedin.secret) {
      return oauthError(401, "invalid_client", "Client authentication failed")
    }
    const r = f["token"] === undefined ? undefined : tokens.get(f["token"])
    if (r === undefined || r.platform !== "linkedin" || r.spentAt !== undefined) return json(200, { active: false, status: "revoked" })
    const seconds = (ms: number) => Math.floor(ms / 1000)
    const fields = {
      client_id: r.client,
      created_at: seconds(r.issuedAt),
      authorized_at: seconds(r.issuedAt),
      expires_at: seconds(r.expiresAt ?? 0),
      scope: "openid,profile,w_member_social",
      auth_type: "3L"
    }
    return alive(r.value, now)
      ? json(200, { active: true, status: "active", ...fields })
      : json(200, { active: false, status: "expired", ...fields })
  }

  const linkedinToken = (): Reply => {
    statsOf("linkedin").rejected++
    // a standard app holds no refresh token LinkedIn would accept
    return oauthError(400, "invalid_request", "The provided authorization grant or refresh token is invalid, expired or revoked")
  }

  const routes: ReadonlyMap<string, { readonly platform: PlatformId; readonly answer: (req: SeenRequest, now: number) => Reply }> = new Map([
    [Instagram.endpoints.refresh, { platform: "instagram", answer: instagramRefresh }],
    [YouTube.endpoints.token, { platform: "youtube", answer: googleToken }],
    [TikTok.endpoints.token, { platform: "tiktok", answer: tiktokToken }],
    [LinkedIn.endpoints.introspect, { platform: "linkedin", answer: linkedinIntrospect }],
    [LinkedIn.endpoints.token, { platform: "linkedin", answer: linkedinToken }],
    [X.endpoints.token, { platform: "x", answer: xToken }]
  ])

  const statsKey = (platform: PlatformId, req: SeenRequest) =>
    platform === "youtube" && req.form["client_id"] === CLIENTS.youtubeTesting.id ? "youtube:testing" : platform

  const injectFault = (platform: PlatformId, s: PlatformStats): Reply | undefined => {
    const rng = rngs[platform]
    if (rng() >= options.faults.rate) return undefined
    const pick = rng()
    if (pick < 0.4) {
      s.faults["5xx"]++
      return { status: [500, 502, 503][Math.floor(rng() * 3)]!, text: "<html><body>Service Unavailable</body></html>" }
    }
    if (pick < 0.7) {
      s.faults["429"]++
      const seconds = retryMin + Math.floor(rng() * (retryMax - retryMin + 1))
      return json(429, { error: "rate_limited" }, { "retry-after": String(seconds) })
    }
    s.faults.hang++
    return { hang: true }
  }

  const handler: Handler = (req) =>
    Effect.map(Clock.currentTimeMillis, (now): Reply => {
      const endpoint = `${req.url.origin}${req.url.pathname}`
      const route = routes.get(endpoint)
      if (route === undefined) return json(404, { error: "not_found" })
      const s = statsOf(statsKey(route.platform, req))
      s.calls++
      // the same request again within minutes of a faulted one is herald retrying it
      const key = `${req.method} ${req.url.href} ${req.body}`
      const faultedAt = faulted.get(key)
      if (faultedAt !== undefined && now - faultedAt < 10 * MINUTE) s.retries++
      const fault = injectFault(route.platform, s)
      if (fault !== undefined) faulted.set(key, now)
      else faulted.delete(key)
      return fault ?? route.answer(req, now)
    })

  return { handler, consent, alive, deathOf, token: (value: string) => tokens.get(value), stats }
}

export type SimulatedPlatforms = ReturnType<typeof makeSimulatedPlatforms>
