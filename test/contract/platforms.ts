/**
 * The platforms the contract suite runs over, one entry each: its token model (the same
 * one the sandbox fakes and the simulation serve), the config section a user would write
 * (secrets in the file, as with HERALD_KEYCHAIN=off), the tokens it starts with, and what
 * a good answer leaves in the store. Every registry platform without an entry here joins
 * from its folder's model and that model's sandbox seed (`seededContractEntry`); a
 * generic provider joins by adding an entry.
 */
import type { PlatformId } from "../../src/domain/Platform.js"
import type { Action } from "../../src/domain/Status.js"
import * as Instagram from "../../src/platforms/instagram/model.js"
import * as LinkedIn from "../../src/platforms/linkedin/model.js"
import * as OAuth2 from "../../src/platforms/oauth2/model.js"
import { registry } from "../../src/platforms/registry.js"
import * as TikTok from "../../src/platforms/tiktok/model.js"
import {
  DAY,
  HOUR,
  type ModelReply,
  type ModelState,
  type SandboxSeed,
  type TokenKind,
  type TokenModel
} from "../../src/platforms/tokenModel.js"
import * as X from "../../src/platforms/x/model.js"
import * as YouTube from "../../src/platforms/youtube/model.js"
import type { SeenRequest } from "../support/memoryHttp.js"
import { answerOf } from "../support/modelHttp.js"

export type Key = "refresh_token" | "access_token"
export type Sym = "old" | "new"
export type Store = Partial<Record<Key, Sym>>

export interface Outcome {
  readonly action: Action
  /** old/new per watched key afterwards */
  readonly store: Store
}

/** One platform as a run meets it: the model's state for one cell. */
export interface PlatformRun {
  answer(req: SeenRequest, now: number): ModelReply
  /** the newest token of a kind the platform issued (the seeds included) */
  newest(key: Key): string | undefined
  /** whether the platform still takes this token */
  live(value: string, key: Key, now: number): boolean
  /**
   * The answer will not deliver the rotation the model just made: the presented refresh
   * token works again and its successor never existed (a platform that did not rotate).
   */
  unrotate(presented: string, issued: string): void
  /** the user revoked the app */
  revokeAll(): void
}

export interface ContractPlatform {
  readonly name: string
  readonly platform: PlatformId
  /** the config section, secrets in the file */
  readonly section: Readonly<Record<string, unknown>>
  /** the store keys the suite checks */
  readonly watched: ReadonlyArray<Key>
  /** the credential the next run depends on */
  readonly needed: Key
  /** a refresh token is held (the echo and omission cases apply) */
  readonly holdsRefresh: boolean
  /** every refresh answers a new refresh token (drift can cost a token) */
  readonly rotates: boolean
  /** what a good answer leaves */
  readonly normal: Outcome
  /** what an answer that keeps the refresh token (echoed or left out) leaves */
  readonly unrotated: Outcome
  readonly rateLimited: () => ModelReply
  readonly errorBodies: { readonly deadToken: unknown; readonly invalidClient: unknown }
  readonly start: () => PlatformRun
}

const kindOf = (key: Key): TokenKind => (key === "refresh_token" ? "refresh" : "access")

export const sentinel = (name: string, what: string) => `SENTINEL-${name}-${what}`

/** An entry over a model: `seed` puts the section's tokens into a fresh state. */
export const contractEntry = <S extends ModelState, O>(spec: {
  readonly name: string
  readonly platform: PlatformId
  readonly model: TokenModel<S, O>
  readonly options: O
  readonly section: Readonly<Record<string, unknown>>
  readonly seed: (state: S) => void
  readonly watched: ReadonlyArray<Key>
  readonly needed: Key
  readonly rotates: boolean
  readonly normal: Outcome
  readonly unrotated?: Outcome
}): ContractPlatform => {
  const fresh = () => spec.model.init(spec.options, { prefix: sentinel(spec.name, "issued"), now: () => 0 })
  const probe = fresh()
  return {
    name: spec.name,
    platform: spec.platform,
    section: spec.section,
    watched: spec.watched,
    needed: spec.needed,
    holdsRefresh: spec.watched.includes("refresh_token"),
    rotates: spec.rotates,
    normal: spec.normal,
    unrotated: spec.unrotated ?? spec.normal,
    rateLimited: () => spec.model.rateLimited(probe, 0),
    errorBodies: spec.model.errorBodies,
    start: () => {
      const state = fresh()
      spec.seed(state)
      return {
        answer: (req, now) => answerOf(spec.model, state, req, now),
        newest: (key) => state.tokens.all().filter((r) => r.kind === kindOf(key)).at(-1)?.value,
        live: (value, key, now) => state.tokens.live(value, kindOf(key), now) !== undefined,
        unrotate: (presented, issued) => {
          const old = state.tokens.get(presented)
          if (old !== undefined) {
            old.status = "active"
            delete old.endedAt
          }
          state.tokens.revoke(issued)
        },
        revokeAll: () => state.tokens.revokeAll()
      }
    }
  }
}

const s = sentinel
// the clock starts at 1970-01-01 (TestClock): dates are relative to that

/** Seeds a refresh token and the access token it minted, under the section's names. */
const seedPair = (name: string, expiry: { readonly refresh?: number; readonly access: number }) => (st: ModelState) => {
  const family = st.tokens.newFamily()
  st.tokens.issue("refresh", s(name, "refresh-0"), { family, ...(expiry.refresh !== undefined ? { expiresAt: expiry.refresh } : {}) })
  st.tokens.issue("access", s(name, "access-0"), { expiresAt: expiry.access, family })
}

/** A platform whose every refresh answers a new refresh token. */
const rotating = {
  watched: ["refresh_token", "access_token"],
  needed: "refresh_token",
  rotates: true,
  normal: { action: "rotated", store: { refresh_token: "new", access_token: "new" } },
  unrotated: { action: "refreshed", store: { refresh_token: "old", access_token: "new" } }
} as const

/** A token refreshed in place: the new access token is what the next run needs. */
const inPlace = {
  watched: ["access_token"],
  needed: "access_token",
  rotates: false,
  normal: { action: "refreshed", store: { access_token: "new" } }
} as const

/**
 * An entry from a platform's own sandbox seed (its model.ts): the credentials and tokens
 * it seeds at the suite's clock (0) make the section, and what it renews says what a good
 * answer leaves.
 */
export const seededContractEntry = <S extends ModelState, O>(model: TokenModel<S, O>, spec: SandboxSeed<S, O>): ContractPlatform => {
  const name = model.id
  const credentials = spec.credentials((what) => s(name, what))
  const options = spec.options(credentials)
  const seeded = (st: S) => spec.seed(st, 0, (what) => s(name, what))
  const section = { ...credentials, ...seeded(model.init(options, { prefix: s(name, "probe"), now: () => 0 })) }
  return contractEntry({
    name,
    platform: name,
    model,
    options,
    section,
    seed: (st) => void seeded(st),
    ...(spec.renews === "access" ? inPlace : rotating)
  })
}

const written: ReadonlyArray<ContractPlatform> = [
  contractEntry({
    name: "instagram",
    platform: "instagram",
    model: Instagram.model,
    options: { appSecret: s("instagram", "app-secret") },
    // 30 days old (expires in 30 of its 60): due for a refresh, and nowhere near "too young"
    section: { access_token: s("instagram", "access-0"), app_secret: s("instagram", "app-secret"), access_token_expires_at: "1970-01-31T00:00:00Z" },
    seed: (st) => void st.tokens.issue("access", s("instagram", "access-0"), { issuedAt: -30 * DAY, expiresAt: 30 * DAY }),
    watched: ["access_token"],
    needed: "access_token",
    rotates: false,
    normal: { action: "refreshed", store: { access_token: "new" } }
  }),
  contractEntry({
    name: "youtube",
    platform: "youtube",
    model: YouTube.model,
    options: { clientId: s("youtube", "client-id"), clientSecret: s("youtube", "client-secret") },
    section: { client_id: s("youtube", "client-id"), client_secret: s("youtube", "client-secret"), refresh_token: s("youtube", "refresh-0") },
    seed: (st) => void st.tokens.issue("refresh", s("youtube", "refresh-0")),
    watched: ["refresh_token"],
    needed: "refresh_token",
    rotates: false,
    normal: { action: "healthy", store: { refresh_token: "old" } }
  }),
  contractEntry({
    name: "tiktok",
    platform: "tiktok",
    model: TikTok.model,
    options: { clientKey: s("tiktok", "client-key"), clientSecret: s("tiktok", "client-secret") },
    section: {
      client_key: s("tiktok", "client-key"),
      client_secret: s("tiktok", "client-secret"),
      refresh_token: s("tiktok", "refresh-0"),
      access_token: s("tiktok", "access-0")
    },
    seed: seedPair("tiktok", { refresh: 180 * DAY, access: 2 * HOUR }),
    ...rotating
  }),
  contractEntry({
    name: "linkedin",
    platform: "linkedin",
    model: LinkedIn.model,
    options: { clientId: s("linkedin", "client-id"), clientSecret: s("linkedin", "client-secret"), partner: true },
    section: {
      client_id: s("linkedin", "client-id"),
      client_secret: s("linkedin", "client-secret"),
      refresh_token: s("linkedin", "refresh-0"),
      access_token: s("linkedin", "access-0"),
      refresh_token_expires_at: "1970-10-28T00:00:00Z"
    },
    seed: seedPair("linkedin", { refresh: Date.parse("1970-10-28T00:00:00Z"), access: 30 * DAY }),
    watched: ["refresh_token", "access_token"],
    needed: "refresh_token",
    rotates: false,
    // LinkedIn repeats the same refresh token: never a rotation
    normal: { action: "refreshed", store: { refresh_token: "old", access_token: "new" } }
  }),
  contractEntry({
    name: "x",
    platform: "x",
    model: X.model,
    options: { clientId: s("x", "client-id"), clientSecret: s("x", "client-secret") },
    section: { client_id: s("x", "client-id"), client_secret: s("x", "client-secret"), refresh_token: s("x", "refresh-0"), access_token: s("x", "access-0") },
    seed: seedPair("x", { access: 2 * HOUR }),
    ...rotating
  }),
  contractEntry({
    name: "generic-rotating",
    platform: "generic-rotating",
    model: OAuth2.model,
    // a secret that only survives Basic when it is form-encoded first (RFC 6749 §2.3.1)
    options: { clientId: "generic client", clientSecret: s("generic", "s3cr+t/=%:x-secret"), clientAuth: "client_secret_basic" },
    section: {
      type: "oauth2",
      client_auth: "client_secret_basic",
      client_id: "generic client",
      client_secret: s("generic", "s3cr+t/=%:x-secret"),
      refresh_token: s("generic-rotating", "refresh-0"),
      endpoints: { token: "https://auth.generic.example/token" }
    },
    seed: (st) => void st.tokens.issue("refresh", s("generic-rotating", "refresh-0")),
    ...rotating
  }),
  contractEntry({
    name: "generic-static",
    platform: "generic-static",
    model: OAuth2.model,
    options: { clientId: "static-client", clientSecret: s("generic-static", "secret"), clientAuth: "client_secret_post", refreshAnswer: "same" },
    section: {
      type: "oauth2",
      client_auth: "client_secret_post",
      client_id: "static-client",
      client_secret: s("generic-static", "secret"),
      refresh_token: s("generic-static", "refresh-0"),
      endpoints: { token: "https://login.static.example/token" }
    },
    seed: (st) => void st.tokens.issue("refresh", s("generic-static", "refresh-0")),
    watched: ["refresh_token", "access_token"],
    needed: "refresh_token",
    rotates: false,
    normal: { action: "refreshed", store: { refresh_token: "old", access_token: "new" } }
  })
]

const seeded: ReadonlyArray<ContractPlatform> = await Promise.all(
  registry.filter((e) => !written.some((w) => w.platform === e.descriptor.id)).map(async (e) => {
    const { sandbox } = await e.model()
    if (sandbox === undefined) {
      throw new Error(`contract suite: ${e.descriptor.id} has no entry here and its model.ts exports no \`sandbox\` seed`)
    }
    return sandbox.use(seededContractEntry)
  })
)

export const contractPlatforms: ReadonlyArray<ContractPlatform> = [...written, ...seeded]
