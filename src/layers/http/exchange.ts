/**
 * One JSON exchange with a backend's REST API (GitLab, GitHub), retried while it is
 * transient: network failures, timeouts, 5xx and 429 by default, plus whatever else the
 * backend calls a rate limit. The answer's status, headers and JSON body come back for the
 * backend to judge; a failure is one line a user can read, with no URL, header or body.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { isLoopbackHost } from "../../domain/validateConfig.js"
import { guardTransport } from "../../platforms/providerCall.js"
import { describeHttpFailure } from "./networkError.js"
import { parseRetryAfter, type RetryPolicy, retrySchedule } from "./retry.js"

/** Why `url` cannot be a backend's API root, or undefined. Tokens travel in a header: HTTPS only, bar loopback. */
export const checkApiUrl = (url: string): string | undefined => {
  if (!URL.canParse(url)) return "is not a URL"
  const parsed = new URL(url)
  if (parsed.protocol === "https:") return undefined
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return undefined
  return "must use https:// (plain http is allowed only for loopback hosts)"
}

export interface Answer {
  readonly status: number
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>
  /** the parsed JSON, undefined when the body is empty or not JSON */
  readonly body: unknown
}

/** Why an answer is worth another try (a rate limit, an outage), or undefined when it is final. */
export type TransientAnswer = (answer: Answer, nowMillis: number) => { readonly what: string; readonly retryAfter?: Duration.Duration | undefined } | undefined

/** 429 and 5xx, honouring Retry-After. */
export const defaultTransient: TransientAnswer = (answer, now) =>
  answer.status === 429 || answer.status >= 500
    ? {
      what: answer.status === 429 ? "rate limited (HTTP 429)" : `HTTP ${answer.status}`,
      retryAfter: parseRetryAfter(answer.headers["retry-after"], now)
    }
    : undefined

interface Unavailable {
  readonly reason: string
  readonly retryAfter?: Duration.Duration | undefined
}

export interface ExchangeOptions {
  /** "GitLab", "GitHub": names the service in a failure */
  readonly service: string
  readonly policy: RetryPolicy
  /** per attempt */
  readonly timeout: Duration.Duration
  readonly transient?: TransientAnswer
}

const attempt = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  options: ExchangeOptions
): Effect.Effect<Answer, Unavailable> =>
  Effect.gen(function*() {
    const timeout = options.timeout
    // not followed: a redirect would carry the token and the new secret to another address
    const response = yield* guardTransport(client.execute(request)).pipe(
      Effect.mapError((e): Unavailable => ({ reason: describeHttpFailure(e) })),
      Effect.timeoutFail({ duration: timeout, onTimeout: (): Unavailable => ({ reason: `no answer within ${Duration.format(timeout)}` }) })
    )
    const text = yield* response.text.pipe(
      Effect.mapError((): Unavailable => ({ reason: "the connection broke while reading the answer" })),
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: (): Unavailable => ({ reason: `no complete answer within ${Duration.format(timeout)}` })
      })
    )
    let body: unknown = undefined
    try {
      body = text === "" ? undefined : JSON.parse(text)
    } catch {
      body = undefined
    }
    const answer: Answer = { status: response.status, headers: response.headers, body }
    const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
    const transient = (options.transient ?? defaultTransient)(answer, now)
    if (transient !== undefined) return yield* Effect.fail({ reason: transient.what, retryAfter: transient.retryAfter })
    return answer
  })

/**
 * `send(request)`: the answer, or after the policy's retries `"<service> is unavailable:
 * <reason> (after N attempts)"`. A Retry-After longer than the policy allows is not waited for.
 */
export const makeSend = (client: HttpClient.HttpClient, options: ExchangeOptions) =>
(request: HttpClientRequest.HttpClientRequest): Effect.Effect<Answer, string> => {
  let attempts = 0
  return Effect.suspend(() => {
    attempts++
    return attempt(client, request, options)
  }).pipe(
    Effect.retry(retrySchedule(options.policy, () => true)),
    Effect.mapError((f) => {
      const waitTooLong = f.retryAfter !== undefined && Duration.greaterThan(f.retryAfter, options.policy.maxRetryAfter)
      return `${options.service} is unavailable: ${f.reason}` +
        (waitTooLong ? ` and asks to wait ${Duration.format(Duration.seconds(Math.ceil(Duration.toSeconds(f.retryAfter!))))}, longer than a run waits; run again later` : "") +
        (attempts > 1 ? ` (after ${attempts} attempts)` : "")
    })
  )
}
