/** `herald auth verify tiktok`: `GET /v2/user/info/?fields=open_id,display_name`, read through TikTok's API envelope. */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { endpointOf } from "../../domain/Connection.js"
import type { SecretMissing } from "../../domain/errors.js"
import type { HealthCheck, RefreshContext } from "../../services/Refreshers.js"
import { accessExpiry, healthClassify, probe, refreshHint } from "../health.js"
import { bearerGet } from "../oauth2/clientAuth.js"
import type { Classify } from "../providerCall.js"
import { endpoints } from "./descriptor.js"

/** TikTok's API envelope `{error: {code, message}}`, present on success too with `code: "ok"`. */
export const classifyTikTokApi: Classify = (_status, body) => {
  const error = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["error"] : undefined
  if (typeof error !== "object" || error === null) return undefined
  const code = (error as Record<string, unknown>)["code"]
  const message = (error as Record<string, unknown>)["message"]
  if (code === "ok" || typeof code !== "string") return undefined
  const reason = typeof message === "string" && message !== "" ? `${code}: ${message.slice(0, 120)}` : code
  switch (code) {
    case "access_token_invalid":
      return { kind: "dead-token", reason }
    case "scope_not_authorized":
      return { kind: "client", reason: `${reason}; the check needs the user.info.basic scope` }
    case "rate_limit_exceeded":
    case "internal_error":
      return { kind: "transient", reason }
    default:
      return { kind: "malformed", reason: `unrecognised error ${code}` }
  }
}

/** Any JSON object: the user record's content does not matter, only that there is one. */
const AnyObject = Schema.Struct({})

export const verifyTikTok = (client: HttpClient.HttpClient, ctx: RefreshContext): Effect.Effect<HealthCheck, SecretMissing> =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    return yield* probe(client, {
      connection: ctx.connection,
      request: bearerGet(endpointOf(ctx.connection, "health", endpoints.health), token).pipe(
        HttpClientRequest.setUrlParam("fields", "open_id,display_name")
      ),
      classify: healthClassify(classifyTikTokApi),
      success: Schema.Struct({ data: Schema.Struct({ user: AnyObject }) }),
      now: ctx.now,
      knownExpiry: accessExpiry(ctx),
      words: { token: "access token", what: "TikTok /v2/user/info/", remedy: refreshHint(ctx) }
    })
  })
