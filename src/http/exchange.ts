/**
 * The one HTTP exchange every part of herald makes (platforms, GitLab and GitHub, the
 * webhook notifier, doctor): attempt → classify → retry while transient, honouring
 * Retry-After → the caller's value. What differs between callers is only how an answer
 * is read, so that is the parameter: a classifier from the answer to a value or a failure
 * of the caller's own type.
 *
 * Each attempt runs under a deadline (herald's NodeHttp keeps it itself, any other client
 * gets Effect's timeout), behind the guards (no redirect, no request span, https or this
 * machine), and reads the whole body. Nothing here copies a URL, a header or a body into
 * a message: a failure says what went wrong in words that are safe to show.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { guardTransport, insecureRequest } from "./guards.js"
import { describeHttpFailure } from "./networkError.js"
import { isDeadlineExceeded, requestWasSent, textNow, withDeadlines } from "./NodeHttp.js"
import { parseRetryAfter, type Retryable, type RetryPolicy, retrySchedule } from "./retry.js"

/** The deadline of one attempt where the caller's config sets none. */
export const DEFAULT_TIMEOUT = Duration.seconds(30)

/** An answer, read to its end. */
export interface Answer {
  readonly status: number
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  /** whether `text` parsed as JSON */
  readonly isJson: boolean
  /** the parsed JSON; undefined when the body is empty or not JSON */
  readonly body: unknown
  /** the server's Retry-After (seconds or an HTTP date), when it sent one */
  readonly retryAfter: Duration.Duration | undefined
  /** when the answer was in (Clock), for headers that name a moment (x-ratelimit-reset) */
  readonly receivedAt: number
}

/** Why an attempt got no answer to classify. */
export type Unanswered =
  /** never sent: plain http to a host that is not this machine */
  | { readonly _tag: "Refused"; readonly reason: string }
  | {
    readonly _tag: "Lost"
    readonly reason: string
    /**
     * Whether the request had been written out in full, so the other side may have acted
     * on it; a client that cannot tell counts as yes.
     */
    readonly sent: boolean
    readonly error: HttpClientError.HttpClientError | undefined
  }

export interface ExchangeOptions<A, F extends Retryable> {
  /** per attempt: the whole exchange, answer included */
  readonly timeout: Duration.Duration
  /**
   * Once the request is out, how long in all its answer is waited for (at least
   * `timeout`): for a request whose answer must not be thrown away (a single-use token's).
   */
  readonly answerWithin?: Duration.Duration | undefined
  readonly policy: RetryPolicy
  /** the caller's failure for an attempt that got no answer */
  readonly unanswered: (why: Unanswered) => F
  /**
   * The caller's reading of an answer. It runs uninterruptibly from the moment the answer
   * is in, so whatever it does first (journal a token) is done whatever happens to the run.
   */
  readonly classify: (answer: Answer) => Effect.Effect<A, F>
  /** which failures are worth another attempt (a Retry-After over the policy's maximum never is) */
  readonly retryable: (failure: F) => boolean
  /** told of every failed attempt, in order */
  readonly onFailure?: ((failure: F) => void) | undefined
}

/** The failure that ended an exchange, and how many attempts were made. */
export interface Exhausted<F> {
  readonly failure: F
  readonly attempts: number
}

/** Pure: the answer as classifiers see it, from what came back and when (Clock millis). */
export const answerOf = (
  status: number,
  headers: Readonly<Record<string, string>>,
  text: string,
  receivedAt: number
): Answer => {
  let isJson = false
  let body: unknown = undefined
  if (text !== "") {
    try {
      body = JSON.parse(text)
      isJson = true
    } catch {
      body = undefined
    }
  }
  return { status, headers, text, isJson, body, retryAfter: parseRetryAfter(headers["retry-after"], receivedAt), receivedAt }
}

const within = (d: Duration.Duration) => `no answer within ${Duration.format(d)}`

/** One request and its whole answer, under the deadlines. */
const exchangeOnce = <F>(
  client: HttpClient.HttpClient,
  timed: HttpClient.HttpClient | undefined,
  request: HttpClientRequest.HttpClientRequest,
  timeout: Duration.Duration,
  answerWithin: Duration.Duration | undefined,
  unanswered: (why: Unanswered) => F
): Effect.Effect<{ readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly text: string }, F> => {
  const lost = (reason: string, sent: boolean, error: HttpClientError.HttpClientError | undefined): F =>
    unanswered({ _tag: "Lost", reason, sent, error })
  const sent = (e: HttpClientError.HttpClientError) => requestWasSent(e) ?? true
  const over = (c: HttpClient.HttpClient) =>
    guardTransport(c.execute(request)).pipe(
      Effect.flatMap((response) => {
        // herald's own client has the whole body already
        const text = textNow(response)
        return text !== undefined
          ? Effect.succeed({ status: response.status, headers: response.headers, text })
          : Effect.map(response.text, (text) => ({ status: response.status, headers: response.headers, text }))
      })
    )
  // herald's own client keeps the deadline itself; any other gets Effect's timeout
  if (timed !== undefined) {
    return Effect.mapError(over(timed), (e) =>
      isDeadlineExceeded(e)
        ? lost(within(sent(e) && answerWithin !== undefined ? answerWithin : timeout), sent(e), e)
        : lost(describeHttpFailure(e), sent(e), e))
  }
  const bound = answerWithin ?? timeout
  return over(client).pipe(
    Effect.mapError((e) => lost(describeHttpFailure(e), sent(e), e)),
    Effect.timeoutFail({ duration: bound, onTimeout: () => lost(within(bound), true, undefined) })
  )
}

/**
 * Make the request until an answer classifies as a value, a failure is not retryable, or
 * the policy's retries are spent.
 */
export const exchange = <A, F extends Retryable>(
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  options: ExchangeOptions<A, F>
): Effect.Effect<A, Exhausted<F>> => {
  const { answerWithin, classify, policy, timeout, unanswered } = options
  const refused = insecureRequest(request)
  if (refused !== undefined) {
    return Effect.fail({ failure: unanswered({ _tag: "Refused", reason: `was not called: ${refused}` }), attempts: 0 })
  }
  const timed = withDeadlines(client, { deadline: timeout, answerWithin })
  let attempts = 0
  const once: Effect.Effect<A, F> = Effect.suspend(() => {
    attempts++
    // once the answer is in, nothing may interrupt the classifier (a journal write)
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(
        restore(exchangeOnce(client, timed, request, timeout, answerWithin, unanswered)),
        ({ headers, status, text }) =>
          Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (receivedAt) =>
            classify(answerOf(status, headers, text, receivedAt)))
      )
    )
  })
  const tapped = options.onFailure === undefined ? once : Effect.tapError(once, (f) => Effect.sync(() => options.onFailure!(f)))
  // the schedule is built only when a first attempt failed, and fed that failure first
  // (so its delay, and its Retry-After, come before the second attempt)
  const retried = (first: F) => {
    let replay: F | undefined = first
    const again = Effect.suspend(() => {
      if (replay === undefined) return tapped
      const f = replay
      replay = undefined
      return Effect.fail(f)
    })
    return Effect.retry(again, retrySchedule(policy, options.retryable))
  }
  const exhausted = (failure: F): Exhausted<F> => ({ failure, attempts })
  return Effect.catchAll(tapped, (first) =>
    options.retryable(first) ? Effect.mapError(retried(first), exhausted) : Effect.fail(exhausted(first)))
}

/** Whether a failure's Retry-After asks for longer than the policy lets a run wait. */
export const waitsTooLong = (failure: Retryable, policy: RetryPolicy): boolean =>
  failure.retryAfter !== undefined && Duration.greaterThan(failure.retryAfter, policy.maxRetryAfter)

/** ` (after N attempts)` when there was more than one. */
export const afterAttempts = (attempts: number): string => (attempts > 1 ? ` (after ${attempts} attempts)` : "")

/** 429 and 5xx: the statuses every server means as "not now". */
export const isBusy = (status: number): boolean => status === 429 || status >= 500
