/**
 * All five platforms in one in-memory HTTP handler, at their default hosts, holding real
 * token state and enforcing the lifetimes of PROVIDERS.md against the simulated clock.
 * The behaviour is the platforms' own token models (src/platforms/<id>/model.ts, the
 * same the sandbox fakes serve); this file only sets them up as the simulation needs:
 * - Instagram: 60-day tokens, refreshable once ≥ 24 h old and not expired; each refresh
 *   gives 60 days from that moment (a new string; the old one dies).
 * - TikTok: 2-hour access tokens; single-use refresh tokens, 180 days from issue.
 * - X: 2-hour access tokens; single-use rotating refresh tokens (confidential client).
 * - YouTube: durable refresh tokens (dead after six months unused); for a client in
 *   Google's "Testing" status, dead 7 days after consent.
 * - LinkedIn (standard app): 60-day access tokens, no refresh token; introspection.
 * Plus a seeded fault injector: 5xx, 429 with Retry-After, or no answer at all. A fault
 * is decided before the platform looks at the request, so a faulted call changes nothing.
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { BuiltinPlatformId } from "../../src/platforms/registry.js"
import * as Instagram from "../../src/platforms/instagram/descriptor.js"
import * as InstagramModel from "../../src/platforms/instagram/model.js"
import * as LinkedIn from "../../src/platforms/linkedin/descriptor.js"
import * as LinkedInModel from "../../src/platforms/linkedin/model.js"
import * as TikTok from "../../src/platforms/tiktok/descriptor.js"
import * as TikTokModel from "../../src/platforms/tiktok/model.js"
import type { ModelReply, ModelState, TokenModel, TokenRecord } from "../../src/platforms/tokenModel.js"
import * as X from "../../src/platforms/x/descriptor.js"
import * as XModel from "../../src/platforms/x/model.js"
import * as YouTube from "../../src/platforms/youtube/descriptor.js"
import * as YouTubeModel from "../../src/platforms/youtube/model.js"
import { type Handler, json, type Reply, type SeenRequest } from "../support/memoryHttp.js"
import { answerOf, replyOf } from "../support/modelHttp.js"

export type { TokenRecord }

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export const LIFETIMES = {
  instagramToken: InstagramModel.LIFETIME_MS,
  instagramMinAge: 24 * HOUR,
  /** what Instagram reports as expires_in: a little under 60 days, as in Meta's sample */
  instagramExpiresInSeconds: 5_183_944,
  tiktokAccess: 2 * HOUR,
  tiktokRefresh: 180 * DAY,
  xAccess: XModel.ACCESS_SECONDS * 1000,
  googleAccess: YouTubeModel.ACCESS_SECONDS * 1000,
  googleTestingRefresh: YouTubeModel.TESTING_LIFETIME_MS,
  googleUnused: YouTubeModel.UNUSED_LIMIT_MS,
  linkedinAccess: LinkedInModel.ACCESS_LIFETIME_MS
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

/**
 * The built-in platforms the year simulation covers, by name: a platform added to the
 * registry later needs no row here (it may get one).
 */
export type PlatformId = Extract<BuiltinPlatformId, "instagram" | "youtube" | "tiktok" | "linkedin" | "x">

const salt: Record<PlatformId, number> = { instagram: 0x1f1, youtube: 0x2e2, tiktok: 0x3d3, linkedin: 0x4c4, x: 0x5b5 }

/** One platform (one app, for Google) as a model and its state. */
interface Served {
  readonly stats: string
  readonly answer: (req: SeenRequest, now: number) => ModelReply
  readonly grant: (now: number) => { readonly access?: TokenRecord; readonly refresh?: TokenRecord }
  readonly get: (value: string) => TokenRecord | undefined
  /** when a token of this platform dies, beyond what its record says (Google's Testing mode) */
  readonly extraDeath: (record: TokenRecord) => number | undefined
}

const serve = <S extends ModelState, O>(
  stats: string,
  model: TokenModel<S, O>,
  options: O,
  prefix: string,
  extraDeath: (state: S, record: TokenRecord) => number | undefined = () => undefined
): Served => {
  // issue times are always given: the store's own clock is never read
  const state = model.init(options, { prefix, now: () => 0, pad: 6 })
  return {
    stats,
    answer: (req, now) => answerOf(model, state, req, now),
    grant: (now) => model.grant(state, now),
    get: (value) => state.tokens.get(value),
    extraDeath: (record) => extraDeath(state, record)
  }
}

export const makeSimulatedPlatforms = (options: { readonly faults: FaultOptions }) => {
  /** by platform; the Testing-mode Google client apart, as "youtube:testing" */
  const stats: Record<string, PlatformStats> = {}
  const statsOf = (key: string) => (stats[key] ??= emptyStats())
  const rngs = Object.fromEntries(
    Object.entries(salt).map(([p, s]) => [p, mulberry32((options.faults.seed ^ Math.imul(s, 0x9e3779b1)) >>> 0)])
  ) as Record<PlatformId, () => number>
  /** requests that got a fault, by their exact text, and when */
  const faulted = new Map<string, number>()
  const [retryMin, retryMax] = options.faults.retryAfterSeconds ?? [1, 5]

  const platforms = {
    instagram: serve("instagram", InstagramModel.model, {}, "sim-instagram"),
    youtube: serve(
      "youtube",
      YouTubeModel.model,
      { clientId: CLIENTS.youtube.id, clientSecret: CLIENTS.youtube.secret, idleLimitMs: LIFETIMES.googleUnused },
      "sim-youtube"
    ),
    youtubeTesting: serve(
      "youtube:testing",
      YouTubeModel.model,
      { clientId: CLIENTS.youtubeTesting.id, clientSecret: CLIENTS.youtubeTesting.secret, testingMode: true },
      "sim-youtube-testing",
      (state, record) => (record.kind === "refresh" ? YouTubeModel.refreshDeath(state, record.issuedAt) : undefined)
    ),
    tiktok: serve("tiktok", TikTokModel.model, { clientKey: CLIENTS.tiktok.key, clientSecret: CLIENTS.tiktok.secret }, "sim-tiktok"),
    linkedin: serve("linkedin", LinkedInModel.model, { clientId: CLIENTS.linkedin.id, clientSecret: CLIENTS.linkedin.secret }, "sim-linkedin"),
    x: serve("x", XModel.model, { clientId: CLIENTS.x.id, clientSecret: CLIENTS.x.secret }, "sim-x")
  } as const
  const all: ReadonlyArray<Served> = Object.values(platforms)

  const find = (value: string): { readonly served: Served; readonly record: TokenRecord } | undefined => {
    for (const served of all) {
      const record = served.get(value)
      if (record !== undefined) return { served, record }
    }
    return undefined
  }

  /** When this token stops working, as far as is known now (undefined: not yet). */
  const deathOf = (r: TokenRecord): number | undefined => {
    const found = find(r.value)
    const candidates = [
      r.status === "active" ? undefined : r.endedAt,
      r.expiresAt,
      r.idleLimitMs !== undefined ? r.lastUsedAt + r.idleLimitMs : undefined,
      found?.served.extraDeath(r)
    ].filter((x): x is number => x !== undefined)
    return candidates.length === 0 ? undefined : Math.min(...candidates)
  }

  /**
   * Would the platform accept this token at `at`? Exact for any past instant: a token is
   * only ever used while alive, so its idle deadline can only lapse after its last use.
   */
  const alive = (value: string | undefined, at: number): boolean => {
    const r = value === undefined ? undefined : find(value)?.record
    if (r === undefined || at < r.issuedAt) return false
    const death = deathOf(r)
    return death === undefined || at < death
  }

  // ---- the human side: consent as `herald auth login` would obtain it ------------------

  /** A fresh consent: the tokens a login flow would hand to herald. */
  const consent = (platform: PlatformId, at: number, client?: string): { access?: TokenRecord; refresh?: TokenRecord } => {
    switch (platform) {
      case "youtube": {
        // herald's YouTube login keeps the refresh token; the access token is only a probe
        const granted = (client === CLIENTS.youtubeTesting.id ? platforms.youtubeTesting : platforms.youtube).grant(at)
        return granted.refresh !== undefined ? { refresh: granted.refresh } : {}
      }
      default:
        return platforms[platform].grant(at)
    }
  }

  // ---- the endpoints ---------------------------------------------------------------

  /** Which platform (which Google app) a request to one of the routed endpoints is for. */
  const routes: ReadonlyMap<string, { readonly platform: PlatformId; readonly served: (req: SeenRequest) => Served }> = new Map([
    [Instagram.endpoints.refresh, { platform: "instagram", served: () => platforms.instagram }],
    [
      YouTube.endpoints.token,
      {
        platform: "youtube",
        served: (req: SeenRequest) => (req.form["client_id"] === CLIENTS.youtubeTesting.id ? platforms.youtubeTesting : platforms.youtube)
      }
    ],
    [TikTok.endpoints.token, { platform: "tiktok", served: () => platforms.tiktok }],
    [LinkedIn.endpoints.introspect, { platform: "linkedin", served: () => platforms.linkedin }],
    [LinkedIn.endpoints.token, { platform: "linkedin", served: () => platforms.linkedin }],
    [X.endpoints.token, { platform: "x", served: () => platforms.x }]
  ])

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
      const served = route.served(req)
      const s = statsOf(served.stats)
      s.calls++
      // the same request again within minutes of a faulted one is herald retrying it
      const key = `${req.method} ${req.url.href} ${req.body}`
      const faultedAt = faulted.get(key)
      if (faultedAt !== undefined && now - faultedAt < 10 * MINUTE) s.retries++
      const fault = injectFault(route.platform, s)
      if (fault !== undefined) {
        faulted.set(key, now)
        return fault
      }
      faulted.delete(key)
      const answer = served.answer(req, now)
      if (answer.event === "refreshed" || answer.event === "rotated") s.renewals++
      if (answer.event === "dead") s.rejected++
      return replyOf(answer)
    })

  return { handler, consent, alive, deathOf, token: (value: string) => find(value)?.record, stats }
}

export type SimulatedPlatforms = ReturnType<typeof makeSimulatedPlatforms>
