/**
 * One call to a platform, the way every refresher makes it: a timeout per attempt,
 * bounded retries for what is transient (network, timeout, 5xx, 429 honouring
 * Retry-After), the platform's own reading of error bodies (which may arrive with
 * HTTP 200), and a schema for the success body. Failures leave as typed errors that
 * never carry a secret: no URL, no body, no header is copied into a message.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import { constTrue } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { Connection } from "../domain/Connection.js"
import { describeHttpFailure } from "../layers/http/networkError.js"
import { answerDeadline, clientEnforcesDeadline, isDeadlineExceeded, requestDeadline, requestWasSent } from "../layers/http/NodeHttp.js"
import { defaultRetryPolicy, parseRetryAfter, type RetryPolicy, retrySchedule } from "../layers/http/retry.js"
import { AnswerLost, ClientRejected, MalformedResponse, ProviderUnavailable, RefreshRejected, type RefreshError } from "../domain/errors.js"
import { transportIssue } from "../domain/validateConfig.js"

export type FailureKind = "transient" | "dead-token" | "client" | "malformed"

/** How one attempt failed, before it becomes a typed error. */
export interface Failure {
  readonly kind: FailureKind
  readonly reason: string
  readonly retryAfter?: Duration.Duration
  /**
   * The request may have reached the platform and been acted on, but no answer came back
   * that herald could read: a transport failure after the request was out, no answer in
   * time, a cut-off body, or a 5xx other than 503 without the platform's own error body.
   */
  readonly ambiguous?: boolean
}

/** The platform's reading of an answer: a Failure, or undefined when the body is a success. */
export type Classify = (status: number, body: unknown) => Failure | undefined

export { defaultRetryPolicy, parseRetryAfter, type RetryPolicy }

export const DEFAULT_TIMEOUT = Duration.seconds(30)

/**
 * For a single-use token, how much longer than the timeout an answer is waited for once
 * the request is out: a late answer still carries the only copy of the new token.
 */
export const ANSWER_GRACE_FACTOR = 4

/**
 * How a platform's single-use refresh tokens may be retried (DESIGN §2 rule 4). Every
 * call that sends one says so; an answer that may have been lost is then never followed
 * by a blind re-send reported as "revoked".
 */
export interface SingleUse {
  /**
   * Whether the same token may be sent again in this run after an attempt whose answer
   * may have been lost. Where a re-used token can get the whole grant revoked (X, by
   * reports; RFC 9700 §4.14), never. Where it is only refused (TikTok), once more: the
   * platform then either rotates (nothing was lost) or refuses, and a refusal after a lost
   * answer is reported as the lost answer it is, not as a revoked token.
   */
  readonly retryAfterLostAnswer: boolean
}

const fail = (kind: FailureKind, reason: string, retryAfter?: Duration.Duration): Failure =>
  retryAfter === undefined ? { kind, reason } : { kind, reason, retryAfter }

const describeBody = (text: string): string => {
  const t = text.trimStart()
  if (t.startsWith("<")) return "an HTML page"
  if (t === "") return "an empty body"
  return "a body that is not JSON"
}

const manualRedirects = (init: Option.Option<RequestInit>) => Option.isSome(init) && init.value.redirect === "manual"

/**
 * Redirects are not followed (fetch's default is to follow): a 307/308 re-sends the body
 * (refresh token, client secret) and custom headers to wherever the Location points,
 * plain http included. No token endpoint herald calls redirects. Other RequestInit
 * settings an embedding app provides (a proxy dispatcher, say) are kept. (herald's own
 * client, NodeHttp, never follows redirects; this is for a fetch client an app provides.)
 */
export const withoutRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    manualRedirects(init) ? effect : Effect.provideService(effect, FetchHttpClient.RequestInit, {
      ...Option.getOrElse(init, () => ({})),
      redirect: "manual"
    }))

/**
 * No span for a request: a client built with HttpClient.make records the full URL (query
 * included, where Instagram sends its token) in a span that an embedding app may export.
 * herald's own client records none.
 */
export const withoutRequestSpans = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(HttpClient.currentTracerDisabledWhen), (disabledWhen) =>
    disabledWhen === constTrue ? effect : Effect.locally(effect, HttpClient.currentTracerDisabledWhen, constTrue))

/**
 * Both guards, for every HTTP call herald makes. A run sets them once around all its
 * connections (refreshAll), and each call then finds them set and adds nothing.
 */
export const guardTransport = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  withoutRequestSpans(withoutRedirects(effect))

/** A transient failure that may also have been acted on by the platform. */
const lost = (reason: string, ambiguous: boolean): Failure => (ambiguous ? { kind: "transient", reason, ambiguous } : fail("transient", reason))

/**
 * The exchange itself: status, headers and the whole body, under one deadline; with
 * `answerWithin`, under that longer one once the request is out.
 */
const exchange = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  timeout: Duration.Duration,
  answerWithin: Duration.Duration | undefined
): Effect.Effect<{ readonly response: HttpClientResponse.HttpClientResponse; readonly text: string }, Failure> => {
  const exchanged = guardTransport(client.execute(request)).pipe(
    Effect.flatMap((response) => Effect.map(response.text, (text) => ({ response, text })))
  )
  // whether the platform may have acted on it; a client that cannot tell counts as yes
  const sent = (e: Parameters<typeof requestWasSent>[0]) => requestWasSent(e) ?? true
  // herald's own client keeps the deadline itself; any other gets Effect's timeout
  if (clientEnforcesDeadline(client)) {
    const timed = exchanged.pipe(
      Effect.locally(requestDeadline, timeout),
      Effect.mapError((e) =>
        isDeadlineExceeded(e)
          ? lost(`no answer within ${Duration.format(sent(e) && answerWithin !== undefined ? answerWithin : timeout)}`, sent(e))
          : lost(describeHttpFailure(e), sent(e))
      )
    )
    return answerWithin === undefined ? timed : Effect.locally(timed, answerDeadline, answerWithin)
  }
  const bound = answerWithin ?? timeout
  return exchanged.pipe(
    Effect.mapError((e) => lost(describeHttpFailure(e), sent(e))),
    Effect.timeoutFail({ duration: bound, onTimeout: () => lost(`no answer within ${Duration.format(bound)}`, true) })
  )
}

/** Whether a platform's 5xx may have come after it acted on the request. */
const mayHaveActed = (status: number, platformSays: Failure | undefined): boolean =>
  // 503 is a refusal to take the request at all; the platform's own error body
  // (server_error, temporarily_unavailable) says it was not carried out
  status !== 503 && platformSays === undefined

interface AttemptOptions {
  readonly classify: Classify
  readonly timeout: Duration.Duration
  readonly answerWithin: Duration.Duration | undefined
  readonly secure: ((body: unknown) => Effect.Effect<void>) | undefined
}

const attempt = (
  client: HttpClient.HttpClient,
  request: HttpClientRequest.HttpClientRequest,
  { answerWithin, classify, secure, timeout }: AttemptOptions
): Effect.Effect<unknown, Failure> =>
  // once the answer is in, nothing may interrupt its way to the journal (`secure`)
  Effect.uninterruptibleMask((restore) => Effect.gen(function*() {
    // validated config never gets here with such a URL; a library caller's config might
    const insecure = URL.canParse(request.url) ? transportIssue(request.url) : undefined
    if (insecure !== undefined) return yield* Effect.fail(fail("malformed", `was not called: ${insecure}`))
    const { response, text } = yield* restore(exchange(client, request, timeout, answerWithin))
    const status = response.status
    if (status >= 300 && status < 400) {
      return yield* Effect.fail(
        fail("malformed", `answered HTTP ${status}, a redirect, which herald does not follow (a token is only ever sent to the configured address): set the endpoint to the final URL`)
      )
    }
    let body: unknown = undefined
    let isJson = false
    try {
      body = JSON.parse(text)
      isJson = true
    } catch {
      isJson = false
    }
    // persist first (DESIGN §2 rule 2): a success answer's refresh token is journaled
    // before the answer is judged or decoded any further
    if (secure !== undefined && isJson && status >= 200 && status < 300) yield* secure(body)
    if (status === 429 || status >= 500) {
      const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
      const retryAfter = parseRetryAfter(response.headers["retry-after"], now)
      const said = isJson ? classify(status, body) : undefined
      const platformSays = said !== undefined && said.kind === "transient" ? said : undefined
      const what = status === 429 ? "rate limited (HTTP 429)" : `HTTP ${status}`
      const failure = fail("transient", platformSays ? `${what}: ${platformSays.reason}` : what, retryAfter)
      return yield* Effect.fail(status >= 500 && mayHaveActed(status, platformSays) ? { ...failure, ambiguous: true } : failure)
    }
    if (!isJson) {
      return yield* Effect.fail(fail("malformed", `answered HTTP ${status} with ${describeBody(text)}`))
    }
    const failure = classify(status, body)
    if (failure !== undefined) return yield* Effect.fail(failure)
    if (status < 200 || status >= 300) {
      return yield* Effect.fail(fail("malformed", `answered HTTP ${status} with an error herald does not recognise`))
    }
    return body
  }))

const toError = (connection: Connection, failure: Failure, attempts: number, lostBefore: Failure | undefined): RefreshError => {
  const where = { platform: connection.platform, account: connection.account }
  if (lostBefore !== undefined) {
    // a single-use token whose answer may have been lost: say that, not "revoked"
    if (failure.kind === "transient") {
      return new AnswerLost({ ...where, reason: `${failure.reason}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}` })
    }
    if (failure.kind === "dead-token") {
      return new AnswerLost({
        ...where,
        reason: `an earlier attempt got no readable answer (${lostBefore.reason}) and the platform now refuses the token ` +
          `(${failure.reason}), so that attempt rotated it`
      })
    }
  }
  switch (failure.kind) {
    case "transient":
      return new ProviderUnavailable({
        ...where,
        reason: `${failure.reason}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`
      })
    case "dead-token":
      return new RefreshRejected({ ...where, reason: failure.reason })
    case "client":
      return new ClientRejected({ ...where, reason: failure.reason })
    case "malformed":
      return new MalformedResponse({ ...where, reason: failure.reason })
  }
}

export interface ProviderCallOptions<A, I> {
  readonly connection: Connection
  readonly request: HttpClientRequest.HttpClientRequest
  readonly classify: Classify
  readonly success: Schema.Schema<A, I>
  readonly retry?: RetryPolicy
  /** the request sends a single-use refresh token (see SingleUse) */
  readonly singleUse?: SingleUse
  /**
   * Called with a success answer's parsed body before anything else is done with it, and
   * not interruptible: where a rotation's new token is journaled (RefreshContext.secure).
   */
  readonly secure?: ((body: unknown) => Effect.Effect<void>) | undefined
}

/** Make the call with retries and decode the success body. */
export const providerCall = <A, I>(
  client: HttpClient.HttpClient,
  options: ProviderCallOptions<A, I>
): Effect.Effect<A, RefreshError> =>
  Effect.gen(function*() {
    const policy = options.retry ?? defaultRetryPolicy
    const timeout = options.connection.settings.timeout_seconds !== undefined
      ? Duration.seconds(options.connection.settings.timeout_seconds)
      : DEFAULT_TIMEOUT
    const singleUse = options.singleUse
    const attemptOptions: AttemptOptions = {
      classify: options.classify,
      timeout,
      answerWithin: singleUse !== undefined ? Duration.times(timeout, ANSWER_GRACE_FACTOR) : undefined,
      secure: options.secure
    }
    let attempts = 0
    // the first attempt whose answer may have been lost, for a single-use token
    let lostBefore: Failure | undefined = undefined
    const once = Effect.suspend(() => {
      attempts++
      return attempt(client, options.request, attemptOptions).pipe(
        Effect.tapError((f) =>
          Effect.sync(() => {
            if (singleUse !== undefined && f.ambiguous === true && lostBefore === undefined) lostBefore = f
          })
        )
      )
    })
    const retryable = (f: Failure) =>
      f.kind === "transient" && (singleUse === undefined || f.ambiguous !== true || singleUse.retryAfterLostAnswer)
    // the retry schedule is built only when a first attempt failed, and fed that failure
    // first (so its delay, and its Retry-After, come before the second attempt)
    const retried = (first: Failure) => {
      let replay: Failure | undefined = first
      const again = Effect.suspend(() => {
        if (replay === undefined) return once
        const f = replay
        replay = undefined
        return Effect.fail(f)
      })
      return Effect.retry(again, retrySchedule(policy, retryable))
    }
    const body = yield* once.pipe(
      Effect.catchIf(retryable, retried),
      Effect.mapError((failure) => toError(options.connection, failure, attempts, lostBefore))
    )
    // the success schemas are synchronous: decoding needs no fiber of its own
    return yield* Either.mapLeft(Schema.decodeUnknownEither(options.success)(body), (e) =>
      new MalformedResponse({
        platform: options.connection.platform,
        account: options.connection.account,
        reason: `unexpected answer: ${shortIssue(e)}`,
        ...(singleUse !== undefined ? { mayHaveSpent: true } : {})
      }))
  })

/** Names the first missing or wrong field without echoing any value. */
const shortIssue = (e: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(e)
  const first = issues[0]
  if (first === undefined) return "unreadable body"
  const path = first.path.join(".")
  return first._tag === "Missing" ? `${path} is missing` : `${path || "body"} has the wrong type`
}

/** A string that must not be empty: a platform must never make herald store "". */
export const NonEmpty = Schema.String.pipe(Schema.minLength(1))

// ---- classifiers shared by several platforms -------------------------------------------

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined)

/** Keep provider prose short; it never contains our secrets, but it is not ours to echo at length. */
const clip = (s: string): string => (s.length > 160 ? `${s.slice(0, 157)}...` : s)

/**
 * RFC 6749 error bodies `{error, error_description}` (Google, TikTok, LinkedIn, X).
 * `deadTokenRequest` recognises an `invalid_request` that means the token is dead
 * (X and LinkedIn say so instead of invalid_grant).
 */
export const classifyOAuthError = (deadTokenRequest: (description: string) => boolean): Classify => (_status, body) => {
  if (typeof body !== "object" || body === null) return undefined
  const error = str((body as Record<string, unknown>)["error"])
  if (error === undefined) return undefined
  const description = str((body as Record<string, unknown>)["error_description"]) ?? ""
  const reason = clip(description ? `${error}: ${description}` : error)
  switch (error) {
    case "invalid_grant":
      return fail("dead-token", reason)
    case "invalid_client":
    case "unauthorized_client":
    case "unsupported_grant_type":
    case "invalid_scope":
    case "access_denied":
      return fail("client", reason)
    case "server_error":
    case "temporarily_unavailable":
      return fail("transient", reason)
    case "invalid_request":
      return deadTokenRequest(description) ? fail("dead-token", reason) : fail("client", reason)
    default:
      return fail("malformed", `unrecognised error ${clip(error)}`)
  }
}

export const GRAPH_TRANSIENT_CODES: ReadonlySet<number> = new Set([1, 2, 4, 17, 32, 341, 613])

/** Meta Graph error bodies `{error: {message, type, code, error_subcode}}`. */
export const classifyGraphError: Classify = (_status, body) => {
  if (typeof body !== "object" || body === null) return undefined
  const error = (body as Record<string, unknown>)["error"]
  if (typeof error !== "object" || error === null) return undefined
  const e = error as Record<string, unknown>
  const code = typeof e["code"] === "number" ? e["code"] : undefined
  const sub = typeof e["error_subcode"] === "number" ? ` subcode ${e["error_subcode"]}` : ""
  const message = str(e["message"]) ?? "no message"
  const reason = clip(`Graph error ${code ?? "?"}${sub}: ${message}`)
  if (code === 190) return fail("dead-token", reason)
  if (code !== undefined && GRAPH_TRANSIENT_CODES.has(code)) return fail("transient", reason)
  return fail("client", reason)
}

/**
 * A form-encoded POST that asks for JSON, as every OAuth token endpoint takes it. Secret
 * fields stay Redacted up to here, the one line that builds the body.
 */
export const formPost = (url: string, fields: Readonly<Record<string, string | Redacted.Redacted<string>>>) =>
  HttpClientRequest.post(url).pipe(
    HttpClientRequest.acceptJson,
    HttpClientRequest.bodyUrlParams(
      Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Redacted.isRedacted(v) ? Redacted.value(v) : v]))
    )
  )

/** The URL a connection calls for `name`: its config override, else the platform's default. */
export const endpointOf = (connection: Connection, name: string, fallback: string): string =>
  connection.settings.endpoints?.[name] ?? fallback

export { HttpClient }
