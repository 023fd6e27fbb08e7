/**
 * A backend's REST API (GitLab, GitHub) over the one exchange: retried while transient
 * (network failures, timeouts, 5xx and 429 by default, plus whatever else the backend
 * calls a rate limit); any other answer comes back, status, headers and JSON body, for
 * the backend to judge. A failure is one line a user can read, with no URL, header or body.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { afterAttempts, type Answer, exchange, isBusy, waitsTooLong } from "./exchange.js"
import type { RetryPolicy } from "./retry.js"

export type { Answer }

/** Why an answer is worth another try (a rate limit, an outage), or undefined when it is final. */
export type TransientAnswer = (answer: Answer) => { readonly what: string; readonly retryAfter?: Duration.Duration | undefined } | undefined

/** 429 and 5xx, honouring Retry-After. */
export const defaultTransient: TransientAnswer = (answer) =>
  isBusy(answer.status)
    ? { what: answer.status === 429 ? "rate limited (HTTP 429)" : `HTTP ${answer.status}`, retryAfter: answer.retryAfter }
    : undefined

interface Unavailable {
  readonly reason: string
  readonly retryAfter?: Duration.Duration | undefined
}

export interface RestApiOptions {
  /** "GitLab", "GitHub": names the service in a failure */
  readonly service: string
  readonly policy: RetryPolicy
  /** per attempt */
  readonly timeout: Duration.Duration
  readonly transient?: TransientAnswer
}

/**
 * `send(request)`: the answer, or after the policy's retries `"<service> is unavailable:
 * <reason> (after N attempts)"`. A Retry-After longer than the policy allows is not waited for.
 */
export const makeSend = (client: HttpClient.HttpClient, options: RestApiOptions) => {
  const transient = options.transient ?? defaultTransient
  return (request: HttpClientRequest.HttpClientRequest): Effect.Effect<Answer, string> =>
    exchange(client, request, {
      timeout: options.timeout,
      policy: options.policy,
      unanswered: (why): Unavailable => ({ reason: why.reason }),
      classify: (answer) => {
        const busy = transient(answer)
        return busy === undefined ? Effect.succeed(answer) : Effect.fail<Unavailable>({ reason: busy.what, retryAfter: busy.retryAfter })
      },
      retryable: () => true
    }).pipe(
      Effect.mapError(({ attempts, failure: f }) =>
        `${options.service} is unavailable: ${f.reason}` +
        (waitsTooLong(f, options.policy)
          ? ` and asks to wait ${Duration.format(Duration.seconds(Math.ceil(Duration.toSeconds(f.retryAfter!))))}, longer than a run waits; run again later`
          : "") +
        afterAttempts(attempts)
      )
    )
}
