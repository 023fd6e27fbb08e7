/** Instagram API with Instagram Login, as data: what the registry, the config schema and `--help` need. */
import type { PlatformDescriptor } from "../PlatformModule.js"

export const endpoints = {
  refresh: "https://graph.instagram.com/refresh_access_token",
  health: "https://graph.instagram.com/me",
  // `herald auth login instagram`: the consent page, the code → short-lived token exchange,
  // and the short-lived → long-lived (60-day) exchange, which needs the app secret
  authorize: "https://www.instagram.com/oauth/authorize",
  code: "https://api.instagram.com/oauth/access_token",
  exchange: "https://graph.instagram.com/access_token"
} as const

export const descriptor = {
  id: "instagram",
  title: "Instagram",
  endpoints,
  // app_secret only serves the short-lived → long-lived exchange at login; a refresh never sends it
  secretKeys: ["access_token", "app_secret"],
  // a long-lived access token refreshes itself: it is the only credential there is
  essentialSecrets: ["access_token"],
  appCredentials: {
    id: "client_id",
    secret: "app_secret",
    secretRequired: true,
    words: { id: "app ID", secret: "app secret" }
  },
  rewrittenSecrets: ["access_token"],
  summary: "long-lived token, refreshed in place once over 24 h old"
} as const satisfies PlatformDescriptor
