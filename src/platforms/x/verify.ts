/** `herald auth verify x`: `GET /2/users/me`; a 401 is all X says, so the recorded expiry tells expired from invalid. */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { endpointOf } from "../../domain/Connection.js"
import type { SecretMissing } from "../../domain/errors.js"
import type { HealthCheck, RefreshContext } from "../../services/Refreshers.js"
import { accessExpiry, healthClassify, probe, refreshHint } from "../health.js"
import { bearerGet } from "../oauth2/clientAuth.js"
import { endpoints } from "./descriptor.js"

export const verifyX = (client: HttpClient.HttpClient, ctx: RefreshContext): Effect.Effect<HealthCheck, SecretMissing> =>
  Effect.gen(function*() {
    const token = yield* ctx.secrets.require("access_token")
    return yield* probe(client, {
      connection: ctx.connection,
      request: bearerGet(endpointOf(ctx.connection, "health", endpoints.health), token),
      classify: healthClassify(),
      success: Schema.Struct({ data: Schema.Struct({ id: Schema.String }) }),
      now: ctx.now,
      knownExpiry: accessExpiry(ctx),
      words: { token: "access token", what: "X /2/users/me", remedy: refreshHint(ctx) }
    })
  })
