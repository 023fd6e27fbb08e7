/**
 * The sandbox: every built-in platform (the registry's list) as a fake on loopback, one
 * working account seeded on each, and a herald config that points at them with every
 * secret in the file itself. The five first platforms have hand-written rows below (their
 * fakes offer a richer API to tests); any other platform is served from its folder's
 * model and that model's own sandbox seed, with no row here.
 */
import { join } from "node:path"
import { model as instagramModel } from "../src/platforms/instagram/model.js"
import { model as linkedinModel } from "../src/platforms/linkedin/model.js"
import { model as tiktokModel } from "../src/platforms/tiktok/model.js"
import { model as xModel } from "../src/platforms/x/model.js"
import { model as youtubeModel } from "../src/platforms/youtube/model.js"
import { platformIds, registry, type RegistryEntry } from "../src/platforms/registry.js"
import type { ModelState, TokenKind } from "../src/platforms/tokenModel.js"
import { type InstagramFake, startInstagramFake } from "./fakes/instagram.js"
import { type LinkedInFake, startLinkedInFake } from "./fakes/linkedin.js"
import { type CommonOptions, DAY, epochSeconds, type Fake, HOUR, type ModelFake, serveModel } from "./fakes/server.js"
import { startTikTokFake, type TikTokFake } from "./fakes/tiktok.js"
import { startXFake, type XFake } from "./fakes/x.js"
import { startYouTubeFake, type YouTubeFake } from "./fakes/youtube.js"

export interface SandboxOptions {
  /** delay before every answer of every fake (default 0) */
  readonly latencyMs?: number
  /** days left on the LinkedIn access token (default 9: inside the 14-day warning, so the run alerts) */
  readonly linkedinDaysLeft?: number
  /** X's requests per 15-minute window (default 500, as X allows): a bench of thousands of X connections needs more */
  readonly xRateLimit?: number
}

/** The platforms with a hand-written row (and a richer fake API). */
export interface RowFakes {
  readonly instagram: InstagramFake
  readonly youtube: YouTubeFake
  readonly tiktok: TikTokFake
  readonly linkedin: LinkedInFake
  readonly x: XFake
}

/** What a fake served from its model's own sandbox seed (src/platforms/<id>/model.ts) knows of its account. */
export interface Seeding {
  /** endpoint name → path on the fake */
  readonly endpoints: Readonly<Record<string, string>>
  /** the app credentials, as the config's keys name them */
  readonly credentials: Readonly<Record<string, string>>
  /** the credential values that are secrets */
  readonly secrets: ReadonlyArray<string>
  /** seed a working account at `now`; the config keys it needs besides the credentials */
  readonly seed: (now: number, value: (what: string) => string) => Readonly<Record<string, string>>
  /** what a good run renews and stores */
  readonly renews: TokenKind
  readonly note: string
}

/** A fake without a row: served from its model, with its seeding. */
export type SeededFake = ModelFake<ModelState> & { readonly seeding?: Seeding }

/** Every platform's fake, by id: the rows' typed ones, and one for each other registry platform. */
export type SandboxFakes = RowFakes & { readonly [id: string]: SeededFake }

export type SandboxEndpoints =
  & {
    readonly instagram: { readonly refresh: string; readonly health: string }
    readonly youtube: { readonly token: string; readonly health: string }
    readonly tiktok: { readonly token: string; readonly health: string }
    readonly linkedin: { readonly token: string; readonly introspect: string; readonly health: string }
    readonly x: { readonly token: string; readonly health: string }
  }
  & { readonly [id: string]: Readonly<Record<string, string>> }

/** The keys seeded for each platform, as they appear under `platforms.<p>` in the config. */
export type SandboxSeeds =
  & { readonly [P in keyof RowFakes]: Readonly<Record<string, string>> }
  & { readonly [id: string]: Readonly<Record<string, string>> }

export interface Sandbox {
  readonly fakes: SandboxFakes
  readonly endpoints: SandboxEndpoints
  /** the seeded secrets and expiry metadata, per platform */
  readonly seeds: SandboxSeeds
  /** A herald config (DESIGN §1) for the seeded accounts, secrets in the file. */
  configYaml(): string
  close(): Promise<void>
}

/** RFC 3339 in whole seconds, as herald writes it. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")

const hasRow = (id: string): id is keyof RowFakes => Object.hasOwn(sandboxPlatforms, id)

export const credentials: SandboxCredentials = {
  instagram: { app_secret: "sandbox-instagram-app-secret" },
  youtube: { client_id: "sandbox-youtube-client.apps.googleusercontent.com", client_secret: "sandbox-youtube-client-secret" },
  tiktok: { client_key: "sandbox-tiktok-client-key", client_secret: "sandbox-tiktok-client-secret" },
  linkedin: { client_id: "sandbox-linkedin-client-id", client_secret: "sandbox-linkedin-client-secret" },
  x: { client_id: "sandbox-x-client-id", client_secret: "sandbox-x-client-secret" }
}

/** App credentials of each fake with a row, as the config's keys name them (the others' come from their model's seed). */
export type SandboxCredentials = { readonly [P in keyof RowFakes]: Readonly<Record<string, string>> }

/** Per-fake settings beyond the common ones (SandboxOptions.xRateLimit). */
export type FakeTuning = Pick<SandboxOptions, "xRateLimit">

/**
 * The platforms with a hand-written row: how each fake starts from its model (the fake
 * files are thin adapters over src/platforms/<id>/model.ts, adding a richer API for
 * tests), and which of the model's paths the config names as endpoints. A platform needs
 * no row: without one it is served from its model's own sandbox seed (`startSeeded`).
 */
export const sandboxPlatforms: {
  readonly [P in keyof RowFakes]: {
    readonly paths: Readonly<Record<string, string>>
    readonly endpoints: ReadonlyArray<keyof SandboxEndpoints[P] & string>
    readonly start: (common: CommonOptions, creds: Readonly<Record<string, string>>, tuning: FakeTuning) => Promise<RowFakes[P]>
  }
} = {
  instagram: {
    paths: instagramModel.paths,
    endpoints: ["refresh", "health"],
    start: (common, c) => startInstagramFake({ ...common, ...(c["app_secret"] !== undefined ? { appSecret: c["app_secret"] } : {}) })
  },
  youtube: {
    paths: youtubeModel.paths,
    endpoints: ["token", "health"],
    start: (common, c) => startYouTubeFake({ ...common, clientId: c["client_id"] ?? "", clientSecret: c["client_secret"] ?? "" })
  },
  tiktok: {
    paths: tiktokModel.paths,
    endpoints: ["token", "health"],
    start: (common, c) => startTikTokFake({ ...common, clientKey: c["client_key"] ?? "", clientSecret: c["client_secret"] ?? "" })
  },
  linkedin: {
    paths: linkedinModel.paths,
    endpoints: ["token", "introspect", "health"],
    start: (common, c) => startLinkedInFake({ ...common, clientId: c["client_id"] ?? "", clientSecret: c["client_secret"] ?? "" })
  },
  x: {
    paths: xModel.paths,
    endpoints: ["token", "health"],
    start: (common, c, t) =>
      startXFake({
        ...common,
        clientId: c["client_id"] ?? "",
        clientSecret: c["client_secret"] ?? "",
        confidential: true,
        ...(t.xRateLimit !== undefined ? { rateLimit: t.xRateLimit } : {})
      })
  }
}

/** Every platform the sandbox serves: the registry's, in its order. */
export const sandboxPlatformIds: ReadonlyArray<string> = platformIds

/**
 * A platform without a row, served from its folder's model and that model's sandbox seed;
 * the secret credentials are `<prefix>-<what>`. A platform with neither is said plainly.
 */
export const startSeeded = async (entry: RegistryEntry, common: CommonOptions): Promise<SeededFake> => {
  const { sandbox } = await entry.model()
  if (sandbox === undefined) {
    throw new Error(
      `sandbox: ${entry.descriptor.id} has no row in sandboxPlatforms and its model.ts exports no \`sandbox\` seed: add the seed (servable in tokenModel.ts)`
    )
  }
  return sandbox.use(async (model, spec): Promise<SeededFake> => {
    const secrets: Array<string> = []
    const credentials = spec.credentials((what) => {
      const value = `${common.tokenPrefix ?? `fake-${model.id}`}-${what}`
      secrets.push(value)
      return value
    })
    const fake = await serveModel(model, { ...common, ...spec.options(credentials) })
    const seeding: Seeding = {
      endpoints: Object.fromEntries(spec.endpoints.map((name) => [name, model.paths[name] ?? "/"])),
      credentials,
      secrets,
      seed: (now, value) => spec.seed(fake.state, now, value),
      renews: spec.renews,
      note: spec.note
    }
    return Object.assign(fake, { seeding })
  })
}

/**
 * Start every platform's fake, token values prefixed `<prefix>-<platform>`; all or none:
 * when one does not start, the others are closed again.
 */
export const startFakes = async (
  creds: SandboxCredentials,
  options: FakeTuning & { readonly latencyMs?: number; readonly prefix: (platform: string) => string }
): Promise<SandboxFakes> => {
  const common = (p: string): CommonOptions => ({
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    tokenPrefix: options.prefix(p)
  })
  const started = await Promise.allSettled(
    registry.map(({ descriptor: { id } }, i): Promise<Fake> =>
      hasRow(id) ? sandboxPlatforms[id].start(common(id), creds[id], options) : startSeeded(registry[i]!, common(id))
    )
  )
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected")
  if (failed !== undefined) {
    await Promise.all(started.flatMap((s) => (s.status === "fulfilled" ? [(s.value as Fake).close()] : [])))
    throw new Error(`sandbox: a fake platform did not start: ${String(failed.reason)}`)
  }
  return Object.fromEntries(
    sandboxPlatformIds.map((p, i) => [p, (started[i] as PromiseFulfilledResult<Fake>).value])
  ) as unknown as SandboxFakes
}

/** Where each fake answers, as the config's `endpoints` keys name them. */
export const endpointsOf = (fakes: SandboxFakes): SandboxEndpoints =>
  Object.fromEntries(
    sandboxPlatformIds.map((p) => {
      const paths: Readonly<Record<string, string>> = hasRow(p)
        ? Object.fromEntries(sandboxPlatforms[p].endpoints.map((name) => [name, sandboxPlatforms[p].paths[name] ?? "/"]))
        : fakes[p]!.seeding?.endpoints ?? {}
      return [p, Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, fakes[p]!.url(path)]))]
    })
  ) as unknown as SandboxEndpoints

/** The fakes served from their model's seed, by id. */
export const seededFakes = (fakes: SandboxFakes): ReadonlyArray<readonly [string, SeededFake, Seeding]> =>
  sandboxPlatformIds.flatMap((p) => {
    const fake = fakes[p]!
    return !hasRow(p) && fake.seeding !== undefined ? [[p, fake, fake.seeding] as const] : []
  })

/** Seed one working account on each fake without a row: its credentials and what its seed gives. */
export const seedSeeded = (
  fakes: SandboxFakes,
  now: number,
  value: (platform: string, what: string) => string
): Readonly<Record<string, Readonly<Record<string, string>>>> =>
  Object.fromEntries(
    seededFakes(fakes).map(([p, , seeding]) => [p, { ...seeding.credentials, ...seeding.seed(now, (what) => value(p, what)) }])
  )

/**
 * The user's environment minus anything herald would read a secret or a config from, with
 * the keychain off and state and config under `tmp`: a run against the fakes that cannot
 * touch the user's own tokens.
 */
const ownPrefixes = new RegExp(`^(${[...platformIds.map((id) => id.toUpperCase()), "GITLAB", "ALERT", "HERALD"].join("|")})_`)

export const isolatedEnv = (tmp: string): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (ownPrefixes.test(k)) continue
    env[k] = v
  }
  env["HERALD_KEYCHAIN"] = "off"
  env["XDG_STATE_HOME"] = join(tmp, "state")
  env["XDG_CONFIG_HOME"] = join(tmp, "config")
  env["NO_COLOR"] = "1"
  return env
}

export const startSandbox = async (options: SandboxOptions = {}): Promise<Sandbox> => {
  const fakes = await startFakes(credentials, {
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...(options.xRateLimit !== undefined ? { xRateLimit: options.xRateLimit } : {}),
    prefix: (p) => `sandbox-${p}`
  })
  const now = Date.now()

  // Instagram: a long-lived token 30 days into its 60, so a run refreshes it
  const igIssued = now - 30 * DAY
  const igToken = fakes.instagram.issueToken("sandbox-instagram-token-1", { issuedAt: igIssued })

  // YouTube: a durable refresh token; nothing to persist, a run only health-checks it
  const ytRefresh = fakes.youtube.issueRefreshToken("sandbox-youtube-refresh-1")

  // TikTok: a fresh pair; every run rotates the refresh token
  const ttAccess = fakes.tiktok.issueAccessToken("sandbox-tiktok-access-1", { expiresAt: now + 2 * HOUR })
  const ttRefreshExpires = now + 180 * DAY
  const ttRefresh = fakes.tiktok.issueRefreshToken("sandbox-tiktok-refresh-1", { expiresAt: ttRefreshExpires })

  // LinkedIn: a standard app (no refresh token) whose access token runs out soon
  // an hour of slack so "9 days left" still reads 9 when herald rounds down a moment later
  const liExpires = now + (options.linkedinDaysLeft ?? 9) * DAY + HOUR
  const liAccess = "sandbox-linkedin-access-1"
  fakes.linkedin.addAccessToken(liAccess, epochSeconds(liExpires))

  // X: a confidential client with a 2-hour access token and a single-use refresh token
  const xAccess = fakes.x.issueAccessToken("sandbox-x-access-1", { expiresAt: now + 2 * HOUR })
  const xRefresh = fakes.x.issueRefreshToken("sandbox-x-refresh-1")

  const endpoints = endpointsOf(fakes)

  const seeds: SandboxSeeds = {
    ...seedSeeded(fakes, now, (p, what) => `sandbox-${p}-${what}`),
    instagram: {
      ...credentials.instagram,
      access_token: igToken,
      access_token_expires_at: rfc3339(igIssued + 60 * DAY)
    },
    youtube: { ...credentials.youtube, refresh_token: ytRefresh },
    tiktok: {
      ...credentials.tiktok,
      access_token: ttAccess,
      refresh_token: ttRefresh,
      access_token_expires_at: rfc3339(now + 2 * HOUR),
      refresh_token_expires_at: rfc3339(ttRefreshExpires)
    },
    linkedin: { ...credentials.linkedin, access_token: liAccess, access_token_expires_at: rfc3339(liExpires) },
    x: { ...credentials.x, access_token: xAccess, refresh_token: xRefresh, access_token_expires_at: rfc3339(now + 2 * HOUR) }
  }

  const notes: Readonly<Record<string, string>> = {
    ...Object.fromEntries(seededFakes(fakes).map(([p, , seeding]) => [p, seeding.note])),
    instagram: "long-lived token issued 30 days ago: refreshed in place",
    youtube: "durable refresh token: health-checked, nothing persisted",
    tiktok: "rotating refresh token: rotated on every run",
    linkedin: "standard app, no refresh token: the access token's days are counted",
    x: "confidential client, single-use refresh token: rotated on every run"
  }

  const configYaml = (): string => {
    const q = (s: string): string => JSON.stringify(s)
    const lines: Array<string> = [
      "# herald sandbox config: every platform is a fake on 127.0.0.1, every token is made up.",
      "# Secrets live in this file so the sandbox never touches a real keychain.",
      "platforms:"
    ]
    for (const platform of sandboxPlatformIds) {
      lines.push(`  ${platform}:`, `    # ${notes[platform]}`, "    enabled: true")
      for (const [key, value] of Object.entries(seeds[platform])) lines.push(`    ${key}: ${q(value)}`)
      if (platform === "linkedin") lines.push("    reauth_warn_days: 14")
      lines.push("    endpoints:")
      for (const [name, url] of Object.entries(endpoints[platform])) lines.push(`      ${name}: ${q(url)}`)
    }
    lines.push(
      "auth:",
      "  writeback:",
      "    backend: local",
      "  alerts:",
      "    backend: none",
      ""
    )
    return lines.join("\n")
  }

  return {
    fakes,
    endpoints,
    seeds,
    configYaml,
    close: async () => {
      await Promise.all(Object.values(fakes).map((f: Fake) => f.close()))
    }
  }
}
