/**
 * How herald retries an HTTP exchange, wherever it makes one (platforms, GitLab, webhooks):
 * exponential backoff with jitter, a bounded number of times, never sooner than the
 * server's Retry-After, and not at all when Retry-After asks for longer than a run may wait.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

export interface RetryPolicy {
  /** retries after the first attempt */
  readonly retries: number
  readonly base: Duration.Duration
  /** a Retry-After longer than this is not waited for: a run must end */
  readonly maxRetryAfter: Duration.Duration
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 3,
  base: Duration.millis(500),
  maxRetryAfter: Duration.seconds(10)
}

/** `Retry-After` is seconds or an HTTP date. */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): Duration.Duration | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Duration.seconds(Math.max(0, seconds))
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Duration.millis(Math.max(0, at - nowMillis))
}

export interface Retryable {
  readonly retryAfter?: Duration.Duration | undefined
}

/** The schedule for `Effect.retry`; `transient` says which failures are worth another try. */
export const retrySchedule = <F extends Retryable>(policy: RetryPolicy, transient: (failure: F) => boolean) =>
  Schedule.exponential(policy.base).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(policy.retries)),
    Schedule.intersect(Schedule.identity<F>()),
    Schedule.modifyDelay(([, failure], delay) =>
      failure.retryAfter !== undefined ? Duration.max(delay, failure.retryAfter) : delay
    ),
    Schedule.whileInput((failure: F) =>
      transient(failure) &&
      (failure.retryAfter === undefined || Duration.lessThanOrEqualTo(failure.retryAfter, policy.maxRetryAfter))
    ),
    // only a retry that will happen is said (`--log-level debug`), with the wait before it
    Schedule.modifyDelayEffect(([[, attempt]], delay) =>
      Effect.logDebug(`retry ${attempt + 1} of ${policy.retries} in ${Duration.format(Duration.millis(Math.round(Duration.toMillis(delay))))}`).pipe(Effect.as(delay))
    )
  )
