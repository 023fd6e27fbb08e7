/**
 * Threads' token behaviour (PROVIDERS §1d): the Meta long-lived token (meta/model.ts) with
 * Threads' grant names (`th_refresh_token`, `th_exchange_token`), a flat code answer, and
 * `/v1.0/me` answering `{id, username}`; and the working account the sandbox, the e2e
 * world and the contract suite seed on it.
 */
import { metaModel } from "../meta/model.js"
import { DAY, rfc3339, servable } from "../tokenModel.js"

export const model = metaModel({
  id: "threads",
  grants: { refresh: "th_refresh_token", exchange: "th_exchange_token" },
  codeResponse: "flat",
  me: (s) => ({ id: s.userId, username: s.username })
})

export const sandbox = servable(model, {
  credentials: (secret) => ({ app_id: "sandbox-threads-app-id", app_secret: secret("app-secret") }),
  options: (c) => ({
    ...(c["app_id"] !== undefined ? { clientId: c["app_id"] } : {}),
    ...(c["app_secret"] !== undefined ? { appSecret: c["app_secret"] } : {})
  }),
  endpoints: ["refresh", "health"],
  // 30 days into its 60: due for a refresh, nowhere near "too young"
  seed: (s, now, value) => {
    const issuedAt = now - 30 * DAY
    const token = s.tokens.issue("access", value("access-seed"), { issuedAt, expiresAt: issuedAt + s.lifetimeMs })
    return { access_token: token.value, access_token_expires_at: rfc3339(issuedAt + s.lifetimeMs) }
  },
  renews: "access",
  note: "long-lived token issued 30 days ago: refreshed in place"
})
