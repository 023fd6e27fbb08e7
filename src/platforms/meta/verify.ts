/**
 * `herald auth verify` for a Meta long-lived token: `GET /me?fields=…&access_token=…`. The
 * token rides in the query (providerCall records no span of the URL). Graph code 190
 * subcode 463 is "expired", and an expired long-lived token only a new login mends.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { endpointOf } from "../../domain/Connection.js"
import type { SecretMissing } from "../../domain/errors.js"
import type { HealthCheck, RefreshContext } from "../../services/Refreshers.js"
import { accessExpiry, healthClassify, loginHint, probe } from "../health.js"
import { classifyGraphError } from "../providerCall.js"
import type { MetaSettings } from "./settings.js"

/** Any JSON object: the user record's content does not matter, only that there is one. */
const AnyObject = Schema.Struct({})

export const verifyLongLived = (
  meta: MetaSettings,
  client: HttpClient.HttpClient,
  ctx: RefreshContext
): Effect.Effect<HealthCheck, SecretMissing> =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    const { endpoints, title } = meta.descriptor
    return yield* probe(client, {
      connection: ctx.connection,
      request: HttpClientRequest.get(endpointOf(ctx.connection, "health", endpoints.health)).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.setUrlParams({ fields: meta.healthFields, access_token: Redacted.value(token) })
      ),
      classify: healthClassify(classifyGraphError),
      success: AnyObject,
      now: ctx.now,
      knownExpiry: accessExpiry(ctx),
      words: {
        token: "access token",
        what: `${title} /me`,
        remedy: loginHint(ctx),
        expiredWhen: /subcode 463|session has expired/i
      }
    })
  })
