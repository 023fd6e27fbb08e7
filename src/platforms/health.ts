/**
 * `herald auth verify`: one call to a platform's health endpoint with the current token,
 * read as ok / expired / invalid / unavailable. Made with providerCall, so timeouts,
 * bounded retries for what is transient, and secret-free reasons come for free.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type { Connection } from "../domain/Connection.js"
import type { RefreshError } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import type { HealthCheck, RefreshContext } from "../services/Refreshers.js"
import { dateOnly, formatInstant, isPast, parseInstant } from "./policy.js"
import type { RetryPolicy } from "../http/retry.js"
import { type Classify, providerCall } from "./providerCall.js"

/** The access token's recorded expiry (`access_token_expires_at`). */
export const accessExpiry = (ctx: RefreshContext): Option.Option<DateTime.Utc> =>
  parseInstant(ctx.connection.settings.access_token_expires_at)

/** What mends a refused token that a refresh can replace. */
export const refreshHint = (ctx: RefreshContext): string => `run herald auth refresh ${connectionLabel(ctx.connection)}`

/** What mends a refused token that only a new consent can replace. */
export const loginHint = (ctx: RefreshContext): string => `run herald auth login ${connectionLabel(ctx.connection)}`

/**
 * Where a connection's health call may go: its own `endpoints.health`, else the default;
 * but a connection that overrides its token endpoint and not its health endpoint mints
 * its tokens elsewhere, and they must not be sent to the platform's default host (none).
 */
export const healthTarget = (ctx: RefreshContext, defaultUrl: string): Option.Option<string> => {
  const endpoints = ctx.connection.settings.endpoints ?? {}
  const health = endpoints["health"]
  if (health !== undefined) return Option.some(health)
  return endpoints["token"] !== undefined ? Option.none() : Option.some(defaultUrl)
}

/** A person is waiting at a terminal: one retry, and no long Retry-After waits. */
export const healthRetryPolicy: RetryPolicy = {
  retries: 1,
  base: Duration.millis(500),
  maxRetryAfter: Duration.seconds(5)
}

const clip = (s: string): string => (s.length > 120 ? `${s.slice(0, 117)}...` : s)

/** The short human message most error bodies carry somewhere. */
const messageOf = (body: unknown): string | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const b = body as Record<string, unknown>
  for (const k of ["error_description", "message", "detail", "title", "error"]) {
    if (typeof b[k] === "string" && b[k] !== "") return clip(b[k])
  }
  return undefined
}

/**
 * Health answers: the platform's own reading first, then 401 = the token is refused,
 * 403 = the token works but lacks a scope this check needs (herald cannot tell more).
 */
export const healthClassify = (specific?: Classify): Classify => (status, body) => {
  const own = specific?.(status, body)
  if (own !== undefined) return own
  const said = messageOf(body)
  if (status === 401) return { kind: "dead-token", reason: `HTTP 401${said !== undefined ? `: ${said}` : ""}` }
  if (status === 403) {
    return { kind: "client", reason: `HTTP 403${said !== undefined ? `: ${said}` : ""}; the token may lack a scope this check needs` }
  }
  return undefined
}

/** Pure: a refused token is `expired` when the platform says so or its recorded expiry has passed. */
export const refusal = (
  reason: string,
  knownExpiry: Option.Option<DateTime.Utc>,
  now: DateTime.Utc,
  expiredWhen: RegExp | undefined
): "expired" | "invalid" =>
  (expiredWhen?.test(reason) ?? false) || Option.exists(knownExpiry, (at) => isPast(now, at)) ? "expired" : "invalid"

export interface HealthWords {
  /** `access token` or `refresh token` */
  readonly token: string
  /** what answered, for the ok line: `X /2/users/me` */
  readonly what: string
  /** what mends a refused token: `run herald auth refresh x` */
  readonly remedy: string
  /** the platform's words for "this token has expired" (most say only 401) */
  readonly expiredWhen?: RegExp
}

/** Pure: what a health call's outcome means. */
export const healthOf = (
  result: { readonly _tag: "ok" } | { readonly _tag: "failed"; readonly error: RefreshError },
  knownExpiry: Option.Option<DateTime.Utc>,
  now: DateTime.Utc,
  words: HealthWords
): HealthCheck => {
  const expiry = Option.match(knownExpiry, { onNone: () => ({}), onSome: (at) => ({ expiresAt: formatInstant(at) }) })
  if (result._tag === "ok") {
    const until = Option.match(Option.filter(knownExpiry, (at) => !isPast(now, at)), {
      onNone: () => "",
      onSome: (at) => `; it expires ${dateOnly(at)}`
    })
    return { health: "ok", ...expiry, detail: `${words.what} accepted the ${words.token}${until}` }
  }
  const e = result.error
  switch (e._tag) {
    case "RefreshRejected": {
      const health = refusal(e.reason, knownExpiry, now, words.expiredWhen)
      const when = Option.match(Option.filter(knownExpiry, (at) => isPast(now, at)), {
        onNone: () => "",
        onSome: (at) => ` on ${dateOnly(at)}`
      })
      return {
        health,
        ...expiry,
        detail: health === "expired"
          ? `the ${words.token} expired${when} (${e.reason}); ${words.remedy}`
          : `the ${words.token} was refused (${e.reason}); ${words.remedy}`
      }
    }
    case "ClientRejected":
    case "ProviderUnavailable":
    case "MalformedResponse":
    case "AnswerLost":
      return { health: "unavailable", ...expiry, detail: `could not check the ${words.token}: ${e.reason}` }
  }
}

export interface ProbeOptions<A, I> {
  readonly connection: Connection
  readonly request: HttpClientRequest.HttpClientRequest
  readonly classify: Classify
  readonly success: Schema.Schema<A, I>
  readonly now: DateTime.Utc
  readonly knownExpiry: Option.Option<DateTime.Utc>
  readonly words: HealthWords
}

/** One health call, read as a HealthCheck; never fails. */
export const probe = <A, I>(client: HttpClient.HttpClient, options: ProbeOptions<A, I>): Effect.Effect<HealthCheck> =>
  providerCall(client, {
    connection: options.connection,
    request: options.request,
    classify: options.classify,
    success: options.success,
    retry: healthRetryPolicy
  }).pipe(
    Effect.match({
      onSuccess: () => healthOf({ _tag: "ok" }, options.knownExpiry, options.now, options.words),
      onFailure: (error) => healthOf({ _tag: "failed", error }, options.knownExpiry, options.now, options.words)
    })
  )
