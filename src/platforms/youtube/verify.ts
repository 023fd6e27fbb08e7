/**
 * `herald auth verify youtube`. YouTube keeps no access token (the posting tools mint their
 * own): mint one from the refresh token, which changes nothing at Google, and ask tokeninfo
 * about it.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { SecretMissing } from "../../domain/errors.js"
import type { HealthCheck, RefreshContext } from "../../services/Refreshers.js"
import { healthClassify, healthOf, healthRetryPolicy, healthTarget, loginHint, probe } from "../health.js"
import { postedClientOf } from "../oauth2/clientAuth.js"
import { refreshConnection } from "../oauth2/refresh.js"
import { formatInstant, parseInstant } from "../policy.js"
import { type Classify, NonEmpty } from "../providerCall.js"
import { endpoints } from "./descriptor.js"
import { classifyGoogle } from "./policy.js"

/** Any JSON object: tokeninfo's content does not matter, only that it answers with one. */
const AnyObject = Schema.Struct({})

const Minted = Schema.Struct({ access_token: Schema.Redacted(NonEmpty) })

/**
 * Google's tokeninfo answers a bad token with HTTP 400 `invalid_token`. Only that (and
 * `invalid_grant`) means the token is dead; every other 400 is a refused request (a probe
 * the server does not take, a query token it will not read), which says nothing about it.
 */
export const classifyTokenInfo: Classify = (status, body) => {
  const error = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["error"] : undefined
  if (status !== 400) return undefined
  const description = typeof error === "string" ? (body as Record<string, unknown>)["error_description"] : undefined
  const reason = typeof error === "string"
    ? typeof description === "string" ? `${error}: ${description.slice(0, 120)}` : error
    : "HTTP 400"
  return error === "invalid_token" || error === "invalid_grant"
    ? { kind: "dead-token", reason }
    : { kind: "client", reason: `${reason}; the health endpoint refused the check, which says nothing about the token` }
}

export const verifyYouTube = (client: HttpClient.HttpClient, ctx: RefreshContext): Effect.Effect<HealthCheck, SecretMissing> =>
  Effect.gen(function*() {
    const posted = yield* postedClientOf(ctx.secrets)
    yield* ctx.secrets.require("refresh_token")
    const knownRefresh = parseInstant(ctx.connection.settings.refresh_token_expires_at)
    // a health check persists nothing: minted without the journal hook, with a person's patience
    const grant = { defaultUrl: endpoints.token, client: posted, classify: classifyGoogle, retry: healthRetryPolicy }
    const minted = yield* refreshConnection(client, { ...ctx, secure: undefined }, grant, Minted).pipe(
      Effect.map(({ answer }) => answer),
      Effect.catchTag("SecretMissing", (e) => Effect.die(e)),
      Effect.either
    )
    const words = { token: "refresh token", what: "Google", remedy: loginHint(ctx) }
    if (minted._tag === "Left") return healthOf({ _tag: "failed", error: minted.left }, knownRefresh, ctx.now, words)
    const target = healthTarget(ctx, endpoints.health)
    if (Option.isNone(target)) {
      const expiry = Option.match(knownRefresh, { onNone: () => ({}), onSome: (at) => ({ expiresAt: formatInstant(at) }) })
      return {
        health: "ok",
        ...expiry,
        detail: "the refresh token works (the overridden endpoints.token minted an access token); no tokeninfo check, " +
          `because endpoints.health is not overridden and the minted token is not sent to Google: set ` +
          `platforms.${ctx.connection.platform}.endpoints.health to check it there`
      } satisfies HealthCheck
    }
    const checked = yield* probe(client, {
      connection: ctx.connection,
      // the minted token rides in the query: probe (providerCall) records no span of the URL
      request: HttpClientRequest.get(target.value).pipe(
        HttpClientRequest.acceptJson,
        HttpClientRequest.setUrlParam("access_token", Redacted.value(minted.right.access_token))
      ),
      classify: healthClassify(classifyTokenInfo),
      success: AnyObject,
      now: ctx.now,
      knownExpiry: Option.none(),
      words: { ...words, token: "access token minted from the refresh token", what: "Google tokeninfo" }
    })
    return Option.match(knownRefresh, {
      onNone: () => checked,
      onSome: (at) => ({ ...checked, expiresAt: formatInstant(at) })
    })
  })
