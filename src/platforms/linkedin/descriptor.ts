/** LinkedIn, as data: what the registry, the config schema and `--help` need. */
import { clientIdAndSecret, type PlatformDescriptor } from "../PlatformModule.js"

export const endpoints = {
  token: "https://www.linkedin.com/oauth/v2/accessToken",
  introspect: "https://www.linkedin.com/oauth/v2/introspectToken",
  health: "https://api.linkedin.com/v2/userinfo",
  // opened in the browser by `herald auth login linkedin`
  authorize: "https://www.linkedin.com/oauth/v2/authorization"
} as const

export const descriptor = {
  id: "linkedin",
  title: "LinkedIn",
  endpoints,
  secretKeys: ["client_id", "client_secret", "access_token", "refresh_token"],
  // a partner app's refresh token; a standard app has none and is only watched
  essentialSecrets: ["refresh_token"],
  appCredentials: clientIdAndSecret,
  rewrittenSecrets: [],
  summary: "60-day access token: herald alerts before it runs out (set --expires-at)",
  accessExpiryNeeded: "no expiry for the LinkedIn access token: herald cannot tell when it runs out (60 days after LinkedIn issued it) " +
    "and so cannot alert in time; give it with --expires-at (e.g. --expires-at 60d, or the date LinkedIn showed)"
} as const satisfies PlatformDescriptor
