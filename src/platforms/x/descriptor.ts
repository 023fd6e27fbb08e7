/** X (Twitter) OAuth 2.0, as data: what the registry, the config schema and `--help` need. */
import { clientIdAndSecret, type PlatformDescriptor } from "../PlatformModule.js"

export const endpoints = {
  token: "https://api.x.com/2/oauth2/token",
  health: "https://api.x.com/2/users/me",
  // opened in the browser by `herald auth login x`
  authorize: "https://x.com/i/oauth2/authorize"
} as const

export const descriptor = {
  id: "x",
  title: "X",
  endpoints,
  // client_secret only for confidential clients: a public client has none
  secretKeys: ["client_id", "client_secret", "access_token", "refresh_token"],
  essentialSecrets: ["refresh_token"],
  // a public client has no secret: it sends its id alone
  appCredentials: { ...clientIdAndSecret, secretRequired: false },
  rewrittenSecrets: ["refresh_token", "access_token"],
  summary: "single-use rotating refresh token: rotated every run, stored at once"
} as const satisfies PlatformDescriptor
