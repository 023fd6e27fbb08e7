/** TikTok Login Kit v2, as data: what the registry, the config schema and `--help` need. */
import type { PlatformDescriptor } from "../PlatformModule.js"

export const endpoints = {
  // the trailing slash is part of TikTok's URL
  token: "https://open.tiktokapis.com/v2/oauth/token/",
  health: "https://open.tiktokapis.com/v2/user/info/",
  // opened in the browser by `herald auth login tiktok`
  authorize: "https://www.tiktok.com/v2/auth/authorize/"
} as const

export const descriptor = {
  id: "tiktok",
  title: "TikTok",
  endpoints,
  secretKeys: ["client_key", "client_secret", "access_token", "refresh_token"],
  essentialSecrets: ["refresh_token"],
  // TikTok calls its client id the client key
  appCredentials: {
    id: "client_key",
    secret: "client_secret",
    secretRequired: true,
    words: { id: "client key", secret: "client secret" }
  },
  rewrittenSecrets: ["refresh_token", "access_token"],
  summary: "rotating refresh token: rotated every run, the new one stored first"
} as const satisfies PlatformDescriptor
