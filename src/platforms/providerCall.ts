/**
 * One call to a platform, the way every refresher makes it: a timeout per attempt,
 * bounded retries for what is transient (network, timeout, 5xx, 429 honouring
 * Retry-After), the platform's own reading of error bodies (which may arrive with
 * HTTP 200), and a schema for the success body. Failures leave as typed errors that
 * never carry a secret: no URL, no body, no header is copied into a message. The
 * attempt/retry loop, the deadlines and the guards are the one HTTP exchange (src/http/);
 * this is the platforms' reading of it.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { Connection } from "../domain/Connection.js"
import { AnswerLost, ClientRejected, MalformedResponse, ProviderUnavailable, type RefreshError, RefreshRejected } from "../domain/errors.js"
import { afterAttempts, type Answer, DEFAULT_TIMEOUT, exchange, isBusy, type Unanswered } from "../http/exchange.js"
import { defaultRetryPolicy, type RetryPolicy } from "../http/retry.js"

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

/** A transient failure that may also have been acted on by the platform. */
const lost = (reason: string, ambiguous: boolean): Failure => (ambiguous ? { kind: "transient", reason, ambiguous } : fail("transient", reason))

/** Whether a platform's 5xx may have come after it acted on the request. */
const mayHaveActed = (status: number, platformSays: Failure | undefined): boolean =>
  // 503 is a refusal to take the request at all; the platform's own error body
  // (server_error, temporarily_unavailable) says it was not carried out
  status !== 503 && platformSays === undefined

/**
 * The platform's reading of an answer, for the one exchange: a redirect is refused, a
 * success answer is secured (journaled) before anything else, then 429/5xx are transient
 * (with the platform's own word where it gave one), and the rest is the platform's call.
 */
const readAnswer = (classify: Classify, secure: ((body: unknown) => Effect.Effect<void>) | undefined) =>
(answer: Answer): Effect.Effect<unknown, Failure> => {
  const { body, isJson, status } = answer
  if (status >= 300 && status < 400) {
    return Effect.fail(
      fail("malformed", `answered HTTP ${status}, a redirect, which herald does not follow (a token is only ever sent to the configured address): set the endpoint to the final URL`)
    )
  }
  // persist first (DESIGN §2 rule 2): a success answer's refresh token is journaled
  // before the answer is judged or decoded any further (the platform's classifier included:
  // it runs only once `secure` has)
  return secure !== undefined && isJson && status >= 200 && status < 300
    ? Effect.zipRight(secure(body), Effect.suspend(() => judge(classify, answer)))
    : judge(classify, answer)
}

/** The rest of readAnswer, once a success answer's token is safe: the answer's value or its failure. */
const judge = (classify: Classify, answer: Answer): Effect.Effect<unknown, Failure> => {
  const { body, isJson, status } = answer
  if (isBusy(status)) {
    const said = isJson ? classify(status, body) : undefined
    const platformSays = said !== undefined && said.kind === "transient" ? said : undefined
    const what = status === 429 ? "rate limited (HTTP 429)" : `HTTP ${status}`
    const failure = fail("transient", platformSays ? `${what}: ${platformSays.reason}` : what, answer.retryAfter)
    return Effect.fail(status >= 500 && mayHaveActed(status, platformSays) ? { ...failure, ambiguous: true } : failure)
  }
  if (!isJson) {
    return Effect.fail(fail("malformed", `answered HTTP ${status} with ${describeBody(answer.text)}`))
  }
  const failure = classify(status, body)
  if (failure !== undefined) return Effect.fail(failure)
  if (status < 200 || status >= 300) {
    return Effect.fail(fail("malformed", `answered HTTP ${status} with an error herald does not recognise`))
  }
  return Effect.succeed(body)
}

/** An attempt with no answer: transient, and ambiguous once the request was out. */
const unanswered = (why: Unanswered): Failure =>
  why._tag === "Refused" ? fail("malformed", why.reason) : lost(why.reason, why.sent)

const toError = (connection: Connection, failure: Failure, attempts: number, lostBefore: Failure | undefined): RefreshError => {
  const where = { platform: connection.platform, account: connection.account }
  if (lostBefore !== undefined) {
    // a single-use token whose answer may have been lost: say that, not "revoked"
    if (failure.kind === "transient") {
      return new AnswerLost({ ...where, reason: `${failure.reason}${afterAttempts(attempts)}` })
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
      return new ProviderUnavailable({ ...where, reason: `${failure.reason}${afterAttempts(attempts)}` })
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
  Effect.suspend(() => {
    const timeout = options.connection.settings.timeout_seconds !== undefined
      ? Duration.seconds(options.connection.settings.timeout_seconds)
      : DEFAULT_TIMEOUT
    const singleUse = options.singleUse
    // the first attempt whose answer may have been lost, for a single-use token
    let lostBefore: Failure | undefined = undefined
    return exchange(client, options.request, {
      timeout,
      answerWithin: singleUse !== undefined ? Duration.times(timeout, ANSWER_GRACE_FACTOR) : undefined,
      policy: options.retry ?? defaultRetryPolicy,
      unanswered,
      classify: readAnswer(options.classify, options.secure),
      retryable: (f) => f.kind === "transient" && (singleUse === undefined || f.ambiguous !== true || singleUse.retryAfterLostAnswer),
      onFailure: singleUse === undefined ? undefined : (f) => {
        if (f.ambiguous === true && lostBefore === undefined) lostBefore = f
      }
    }).pipe(
      Effect.matchEffect({
        onFailure: ({ attempts, failure }) => Effect.fail(toError(options.connection, failure, attempts, lostBefore)),
        // the success schemas are synchronous: decoding needs no fiber of its own
        onSuccess: (body) =>
          Either.mapLeft(Schema.decodeUnknownEither(options.success)(body), (e) =>
            new MalformedResponse({
              platform: options.connection.platform,
              account: options.connection.account,
              reason: `unexpected answer: ${shortIssue(e)}`,
              ...(singleUse !== undefined ? { mayHaveSpent: true } : {})
            }))
      })
    )
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
