/**
 * Config files for the e2e tests, built from a sandbox's seeds and endpoints, and a
 * "sentinel" sandbox: the same fakes (every registry platform) seeded with secrets that
 * are easy to spot in output (`SENTINEL-TIKTOK-REFRESH-…`), so a leak of any secret —
 * initial or rotated — shows. A platform without a hand-written seed below is seeded from
 * its model's own sandbox seed.
 */
import { DAY, epochSeconds, HOUR } from "../../../sandbox/fakes/server.js"
import {
  endpointsOf,
  type SandboxEndpoints,
  type SandboxFakes,
  sandboxPlatformIds,
  type SandboxSeeds,
  seededFakes,
  seedSeeded,
  startFakes
} from "../../../sandbox/index.js"

/** Every built-in platform (the registry's), in its order. */
export const platforms: ReadonlyArray<string> = sandboxPlatformIds
export type PlatformName = string

/** RFC 3339 in whole seconds, as herald writes it. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")

export interface WorldLike {
  readonly seeds: SandboxSeeds
  readonly endpoints: SandboxEndpoints
}

export interface ConfigOptions {
  /** per platform: keys to set (a value) or drop (undefined) on top of the seeds */
  readonly override?: { readonly [P in PlatformName]?: Readonly<Record<string, string | number | undefined>> }
  /** extra raw YAML lines inside `platforms.<p>:` (indented by the caller, 4 spaces) */
  readonly raw?: { readonly [P in PlatformName]?: ReadonlyArray<string> }
}

/**
 * A herald config for some of the world's platforms, secrets in the file (the keychain is
 * off), with comments in several places so a test can check herald's edits keep them.
 */
export const configYaml = (world: WorldLike, selected: ReadonlyArray<PlatformName>, options: ConfigOptions = {}): string => {
  const q = (v: string | number): string => (typeof v === "number" ? String(v) : JSON.stringify(v))
  const lines: Array<string> = [
    "# herald e2e config: every platform is a loopback fake, every token is made up.",
    "platforms:"
  ]
  for (const p of selected) {
    lines.push(`  # ${p}: seeded by the test`, `  ${p}:`, "    enabled: true # listed means enabled; said anyway")
    const values: Record<string, string | number | undefined> = { ...world.seeds[p], ...options.override?.[p] }
    for (const [key, value] of Object.entries(values)) {
      if (value !== undefined) lines.push(`    ${key}: ${q(value)}`)
    }
    lines.push(...(options.raw?.[p] ?? []))
    lines.push("    endpoints: # loopback fakes")
    for (const [name, url] of Object.entries(world.endpoints[p])) lines.push(`      ${name}: ${q(url)}`)
  }
  lines.push(
    "auth:",
    "  writeback:",
    "    backend: local # the config file, since HERALD_KEYCHAIN=off",
    "  alerts:",
    "    backend: none",
    "# end of file",
    ""
  )
  return lines.join("\n")
}

// ---- the sentinel sandbox ------------------------------------------------------------------

export interface SentinelSandbox extends WorldLike {
  readonly fakes: SandboxFakes
  /** every secret value known right now: seeds, client secrets, and every token the fakes ever issued */
  secrets(): Array<string>
  close(): Promise<void>
}

/** Every secret in the sentinel sandbox contains this; client ids and keys do not. */
export const SENTINEL = "SENTINEL"

const creds = {
  instagram: { app_secret: "SENTINEL-INSTAGRAM-APP-SECRET-5a1f" },
  youtube: { client_id: "e2e-youtube-client.apps.googleusercontent.com", client_secret: "SENTINEL-YOUTUBE-CLIENT-SECRET-77c2" },
  tiktok: { client_key: "e2e-tiktok-client-key", client_secret: "SENTINEL-TIKTOK-CLIENT-SECRET-0b9e" },
  linkedin: { client_id: "e2e-linkedin-client-id", client_secret: "SENTINEL-LINKEDIN-CLIENT-SECRET-4d3a" },
  x: { client_id: "e2e-x-client-id", client_secret: "SENTINEL-X-CLIENT-SECRET-e81c" }
} as const

export interface SentinelOptions {
  readonly latencyMs?: number
  /** days left on the LinkedIn access token (default 40: healthy) */
  readonly linkedinDaysLeft?: number
  /** give LinkedIn a partner refresh token too (default false) */
  readonly linkedinRefresh?: boolean
}

export const startSentinelSandbox = async (options: SentinelOptions = {}): Promise<SentinelSandbox> => {
  const fakes = await startFakes(creds, {
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    prefix: (p) => `SENTINEL-${p.toUpperCase()}`
  })
  const now = Date.now()
  const igIssued = now - 30 * DAY
  const liExpires = now + (options.linkedinDaysLeft ?? 40) * DAY + HOUR
  fakes.linkedin.addAccessToken("SENTINEL-LINKEDIN-ACCESS-SEED-91d0", epochSeconds(liExpires))
  const liRefresh = options.linkedinRefresh === true
    ? { refresh_token: fakes.linkedin.issueRefreshToken("SENTINEL-LINKEDIN-REFRESH-SEED-2b7e") }
    : {}

  const seeds: SandboxSeeds = {
    ...seedSeeded(fakes, now, (p, what) => `SENTINEL-${p.toUpperCase()}-${what.toUpperCase()}`),
    instagram: {
      ...creds.instagram,
      access_token: fakes.instagram.issueToken("SENTINEL-INSTAGRAM-ACCESS-SEED-c4e2", { issuedAt: igIssued }),
      access_token_expires_at: rfc3339(igIssued + 60 * DAY)
    },
    youtube: { ...creds.youtube, refresh_token: fakes.youtube.issueRefreshToken("SENTINEL-YOUTUBE-REFRESH-SEED-6f10") },
    tiktok: {
      ...creds.tiktok,
      access_token: fakes.tiktok.issueAccessToken("SENTINEL-TIKTOK-ACCESS-SEED-a9b3", { expiresAt: now + 2 * HOUR }),
      refresh_token: fakes.tiktok.issueRefreshToken("SENTINEL-TIKTOK-REFRESH-SEED-3e57", { expiresAt: now + 180 * DAY }),
      access_token_expires_at: rfc3339(now + 2 * HOUR),
      refresh_token_expires_at: rfc3339(now + 180 * DAY)
    },
    linkedin: {
      ...creds.linkedin,
      access_token: "SENTINEL-LINKEDIN-ACCESS-SEED-91d0",
      ...liRefresh,
      access_token_expires_at: rfc3339(liExpires)
    },
    x: {
      ...creds.x,
      access_token: fakes.x.issueAccessToken("SENTINEL-X-ACCESS-SEED-0d4f", { expiresAt: now + 2 * HOUR }),
      refresh_token: fakes.x.issueRefreshToken("SENTINEL-X-REFRESH-SEED-8a61"),
      access_token_expires_at: rfc3339(now + 2 * HOUR)
    }
  }
  const endpoints = endpointsOf(fakes)

  const all = sandboxPlatformIds.map((p) => fakes[p]!)
  return {
    fakes,
    seeds,
    endpoints,
    secrets: () => [
      ...Object.values(creds).flatMap((c) => Object.values(c).filter((v) => v.startsWith(SENTINEL))),
      ...seededFakes(fakes).flatMap(([, , seeding]) => seeding.secrets),
      ...all.flatMap((f) => f.tokens.all().map((r) => r.value))
    ],
    close: async () => {
      await Promise.all(all.map((f) => f.close()))
    }
  }
}
