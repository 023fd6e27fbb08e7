/** YouTube (Google OAuth 2.0), as data: what the registry, the config schema and `--help` need. */
import { clientIdAndSecret, type PlatformDescriptor } from "../PlatformModule.js"

export const endpoints = {
  token: "https://oauth2.googleapis.com/token",
  health: "https://oauth2.googleapis.com/tokeninfo",
  // opened in the browser by `herald auth login youtube`
  authorize: "https://accounts.google.com/o/oauth2/v2/auth"
} as const

export const descriptor = {
  id: "youtube",
  title: "YouTube",
  endpoints,
  secretKeys: ["client_id", "client_secret", "refresh_token"],
  essentialSecrets: ["refresh_token"],
  appCredentials: clientIdAndSecret,
  // Google's refresh token is durable: a run replaces nothing
  rewrittenSecrets: [],
  summary: "durable refresh token: each run checks it still mints an access token"
} as const satisfies PlatformDescriptor
