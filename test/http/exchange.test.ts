/**
 * The one exchange (src/http/exchange.ts) on its own, over an in-memory HttpClient and
 * TestClock: what every caller (platforms, GitLab/GitHub, webhook, doctor) relies on.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import { answerOf, exchange, type ExchangeOptions, waitsTooLong } from "../../src/http/exchange.js"
import type { RetryPolicy } from "../../src/http/retry.js"
import { json, makeMemoryHttp } from "../support/memoryHttp.js"

interface Failed {
  readonly transient: boolean
  readonly reason: string
  readonly retryAfter?: Duration.Duration | undefined
}

const policy: RetryPolicy = { retries: 3, base: Duration.millis(100), maxRetryAfter: Duration.seconds(10) }

/** 2xx is the body; 429/5xx transient with the answer's Retry-After; anything else final. */
const options: ExchangeOptions<unknown, Failed> = {
  timeout: Duration.seconds(1),
  policy,
  unanswered: (why) => ({ transient: why._tag === "Lost", reason: why.reason }),
  classify: (a) =>
    a.status >= 200 && a.status < 300
      ? Effect.succeed(a.body)
      : Effect.fail({ transient: a.status === 429 || a.status >= 500, reason: `HTTP ${a.status}`, retryAfter: a.retryAfter }),
  retryable: (f) => f.transient
}

const post = (url = "https://api.example.com/x") => HttpClientRequest.post(url)

describe("exchange", () => {
  it.effect("503 with Retry-After, then 200: waits as asked before the second attempt, and returns the body", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp((_r, i) => (i === 0 ? json(503, {}, { "retry-after": "4" }) : json(200, { ok: 1 })))
      const fiber = yield* Effect.fork(exchange(http.client, post(), options))
      yield* TestClock.adjust(Duration.millis(3900))
      assert.strictEqual(http.seen.length, 1, "not before the Retry-After")
      yield* TestClock.adjust(Duration.seconds(1))
      assert.deepStrictEqual(yield* Fiber.join(fiber), { ok: 1 })
      assert.strictEqual(http.seen.length, 2)
    }))

  it.effect("always 429: bounded at 1 + retries attempts, and the last failure with the count", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => json(429, {}))
      const fiber = yield* Effect.fork(Effect.flip(exchange(http.client, post(), options)))
      yield* TestClock.adjust(Duration.minutes(1))
      const { attempts, failure } = yield* Fiber.join(fiber)
      assert.strictEqual(attempts, 4)
      assert.strictEqual(http.seen.length, 4)
      assert.strictEqual(failure.reason, "HTTP 429")
    }))

  it.effect("a Retry-After longer than the policy allows is not waited for", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => json(503, {}, { "retry-after": "3600" }))
      const { attempts, failure } = yield* Effect.flip(exchange(http.client, post(), options))
      assert.strictEqual(attempts, 1)
      assert.isTrue(waitsTooLong(failure, policy))
    }))

  it.effect("a final answer is not retried", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => json(404, {}))
      const { attempts } = yield* Effect.flip(exchange(http.client, post(), options))
      assert.strictEqual(attempts, 1)
    }))

  it.effect("plain http to a host that is not this machine is refused before anything is sent", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => json(200, {}))
      const { attempts, failure } = yield* Effect.flip(exchange(http.client, post("http://api.example.com/token"), options))
      assert.strictEqual(http.seen.length, 0)
      assert.strictEqual(attempts, 0)
      assert.isFalse(failure.transient)
      assert.include(failure.reason, "use https://api.example.com/token")
      // loopback is this machine: allowed
      assert.deepStrictEqual(yield* exchange(http.client, post("http://127.0.0.1:9/token"), options), {})
    }))

  it.effect("a client that keeps no deadline of its own gets one: a request that hangs fails after the timeout", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => ({ hang: true }))
      const fiber = yield* Effect.fork(Effect.flip(exchange(http.client, post(), { ...options, retryable: () => false })))
      yield* TestClock.adjust(Duration.seconds(1))
      const { failure } = yield* Fiber.join(fiber)
      assert.strictEqual(failure.reason, "no answer within 1s")
    }))

  it.effect("once the answer is in, the classifier runs to its end even if the caller is interrupted", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => json(200, { refresh_token: "new" }))
      const journaled = yield* Ref.make(false)
      const classifying = yield* Ref.make(false)
      const fiber = yield* Effect.fork(exchange(http.client, post(), {
        ...options,
        classify: () =>
          Ref.set(classifying, true).pipe(
            Effect.zipRight(Effect.sleep(Duration.seconds(5))),
            Effect.zipRight(Ref.set(journaled, true))
          )
      }))
      yield* TestClock.adjust(Duration.millis(1))
      assert.isTrue(yield* Ref.get(classifying))
      const interrupting = yield* Effect.fork(Fiber.interrupt(fiber))
      yield* TestClock.adjust(Duration.seconds(5))
      yield* Fiber.join(interrupting)
      assert.isTrue(yield* Ref.get(journaled), "the classifier finished")
    }))
})

describe("answerOf", () => {
  it("reads JSON, an empty or non-JSON body, and Retry-After in seconds or as a date", () => {
    const now = Date.parse("2026-12-02T12:00:00Z")
    assert.deepInclude(answerOf(200, {}, `{"a":1}`, now), { isJson: true, body: { a: 1 }, retryAfter: undefined })
    assert.deepInclude(answerOf(200, {}, "", now), { isJson: false, body: undefined })
    assert.deepInclude(answerOf(502, {}, "<html>", now), { isJson: false, body: undefined, text: "<html>" })
    assert.strictEqual(Duration.toSeconds(answerOf(429, { "retry-after": "7" }, "", now).retryAfter!), 7)
    assert.strictEqual(Duration.toSeconds(answerOf(429, { "retry-after": "Wed, 02 Dec 2026 12:00:30 GMT" }, "", now).retryAfter!), 30)
  })
})
