/** Threads (Meta), as data: what the registry, the config schema and `--help` need (PROVIDERS §1d). */
import type { PlatformDescriptor } from "../PlatformModule.js"

export const endpoints = {
  refresh: "https://graph.threads.net/refresh_access_token",
  health: "https://graph.threads.net/v1.0/me",
  // `herald auth login threads`: the consent page, the code → short-lived token exchange,
  // and the short-lived → long-lived (60-day) exchange, which needs the app secret
  authorize: "https://threads.net/oauth/authorize",
  code: "https://graph.threads.net/oauth/access_token",
  exchange: "https://graph.threads.net/access_token"
} as const

export const descriptor = {
  id: "threads",
  title: "Threads",
  endpoints,
  // the app id and secret only serve login; a refresh sends the token alone
  secretKeys: ["access_token", "app_id", "app_secret"],
  // a long-lived access token refreshes itself: it is the only credential there is
  essentialSecrets: ["access_token"],
  appCredentials: {
    id: "app_id",
    secret: "app_secret",
    secretRequired: true,
    // a Threads-use-case app has two pairs: the Threads one is needed, not the Meta app's
    words: { id: "Threads app ID", secret: "Threads app secret" }
  },
  rewrittenSecrets: ["access_token"],
  summary: "long-lived token (th_refresh_token), refreshed in place once over 24 h old"
} as const satisfies PlatformDescriptor
