/**
 * herald's HttpClient: node:http and node:https with kept-alive sockets, the request and
 * its whole answer in one step.
 *
 * Why not FetchHttpClient or @effect/platform-node's NodeHttpClient: a token endpoint's
 * answer is a few hundred bytes, and with 1,000 connections the per-call machinery was
 * most of a run's CPU (docs/performance.md): fetch loads undici on first use and wraps
 * every body in web streams; NodeHttpClient forks two fibers per request and streams the
 * body; both trace every request in a span that records the full URL, query included,
 * where Instagram sends its token. This client forks nothing, records no span, reads the
 * body into memory (bounded, see MAX_BODY) and is interrupted by destroying the socket.
 * It never follows a redirect: a 3xx is an answer like any other. It enforces a deadline
 * itself, given as an option of the client (`make`, `withDeadlines`), which costs a timer
 * where Effect.timeout costs two fibers and a race — most of what a provider call spent on
 * top of the request.
 *
 * Every part of herald that speaks HTTP (refreshers, GitLab, webhooks, doctor, login)
 * gets this client from the app layer; tests and embedding apps provide their own.
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as IncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as http from "node:http"
import type * as https from "node:https"
import { AnswerTooLarge } from "./networkError.js"

/** An answer larger than this is refused: no endpoint herald calls sends more than a few KB. */
export const MAX_BODY = 4 * 1024 * 1024

const decoder = new TextDecoder()

/**
 * How long a request may take, given to the client when it is made (`make`, `withDeadlines`):
 * `deadline` for the whole exchange, answer read to its end, or the request fails with
 * DeadlineExceeded as its cause. `answerWithin`: once the whole request has been written,
 * how long in all to wait for its answer (at least `deadline`). For a single-use refresh
 * token, giving up on an answer that is merely late throws away the only copy of the new
 * token, so such calls wait longer once the platform has the request; before that,
 * `deadline` alone applies.
 */
export interface Deadlines {
  readonly deadline?: Duration.Duration | undefined
  readonly answerWithin?: Duration.Duration | undefined
}

const sentMark: unique symbol = Symbol.for("herald/NodeHttp/requestSent")

/**
 * Whether a failed request had been written out in full (so the platform may have acted
 * on it): true or false from this client, undefined from any other (not known).
 */
export const requestWasSent = (error: HttpClientError.HttpClientError): boolean | undefined => {
  const mark = (error as unknown as Record<symbol, unknown>)[sentMark]
  return typeof mark === "boolean" ? mark : undefined
}

const marked = <E extends HttpClientError.HttpClientError>(error: E, sent: boolean): E =>
  Object.defineProperty(error, sentMark, { value: sent, enumerable: false })

const rebuild: unique symbol = Symbol.for("herald/NodeHttp/withDeadlines")

/**
 * The same client (same kept-alive sockets) enforcing these deadlines itself, or undefined
 * when `client` is not one of herald's (then the caller bounds the exchange some other way).
 */
export const withDeadlines = (client: HttpClient.HttpClient, deadlines: Deadlines): HttpClient.HttpClient | undefined => {
  const again = (client as unknown as Record<symbol, unknown>)[rebuild]
  return typeof again === "function" ? (again as (d: Deadlines) => HttpClient.HttpClient)(deadlines) : undefined
}

/** The cause of a request that did not complete within its deadline. */
export class DeadlineExceeded extends Error {
  readonly _tag = "DeadlineExceeded"
  constructor(readonly millis: number) {
    super(`no complete answer within ${millis} ms`)
  }
}

export const isDeadlineExceeded = (error: HttpClientError.HttpClientError): boolean =>
  (error as { cause?: unknown }).cause instanceof DeadlineExceeded

/** The body of a response herald's client read in full, as text, without an effect; undefined for any other response. */
export const textNow = (response: HttpClientResponse.HttpClientResponse): string | undefined =>
  response instanceof BufferedResponse ? response.bodyText : undefined

/** A response whose body has already been read in full. */
class BufferedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [IncomingMessage.TypeId]: IncomingMessage.TypeId = IncomingMessage.TypeId
  private decoded: string | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    readonly headers: Headers.Headers,
    private readonly setCookie: ReadonlyArray<string>,
    private readonly bytes: Uint8Array,
    readonly remoteAddress: Option.Option<string>
  ) {
    super()
  }

  private decodeError(cause: unknown, description?: string) {
    return new HttpClientError.ResponseError({
      request: this.request,
      response: this,
      reason: "Decode",
      cause,
      ...(description === undefined ? {} : { description })
    })
  }

  private get body(): string {
    return (this.decoded ??= decoder.decode(this.bytes))
  }

  /** the body as text (see `textNow`) */
  get bodyText(): string {
    return this.body
  }

  get cookies(): Cookies.Cookies {
    return Cookies.fromSetCookie(this.setCookie)
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.sync(() => this.body)
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.try({
      try: () => (this.body === "" ? null : JSON.parse(this.body) as unknown),
      catch: (cause) => this.decodeError(cause)
    })
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.sync(() => UrlParams.fromInput(new URLSearchParams(this.body)))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.sync(() => this.bytes.slice().buffer as ArrayBuffer)
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.succeed(this.bytes)
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(this.decodeError(undefined, "multipart answers are not read by herald's HTTP client"))
  }

  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
}

/**
 * Kept-alive agents, each made (and its node module loaded) on the first request that needs
 * it: node:http and its client cost ~6 ms of a start that makes no call (`auth status`, a config
 * with nothing to refresh), node:https and TLS ~10 ms more.
 */
interface Agents {
  http?: { readonly module: typeof http; readonly agent: http.Agent }
  https?: { readonly module: typeof https; readonly agent: https.Agent }
}

/** Opens a request on the protocol's agent, made (with its module) on the protocol's first request. */
const openOn = (agents: Agents, tls: boolean): Open => (url, options) => {
  if (tls) {
    const on = agents.https ??= withAgent(process.getBuiltinModule("node:https"))
    return on.module.request(url, { ...options, agent: on.agent })
  }
  const on = agents.http ??= withAgent(process.getBuiltinModule("node:http"))
  return on.module.request(url, { ...options, agent: on.agent })
}

const withAgent = <M extends { readonly Agent: new(options: { keepAlive: boolean }) => unknown }>(module: M) =>
  ({ module, agent: new module.Agent({ keepAlive: true }) as InstanceType<M["Agent"]> })

type Body = Uint8Array | string | undefined

/** The request body as bytes; a streamed body is collected first. */
const bodyOf = (request: HttpClientRequest.HttpClientRequest): Effect.Effect<Body, HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return typeof body.body === "string" || body.body instanceof Uint8Array
        ? Effect.succeed(body.body)
        : Effect.fail(new HttpClientError.RequestError({ request, reason: "Encode", description: "a raw body must be a string or bytes" }))
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => Buffer.concat(Chunk.toReadonlyArray(chunks))),
        Effect.mapError((cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause }))
      )
    case "FormData":
      return Effect.fail(
        new HttpClientError.RequestError({ request, reason: "Encode", description: "multipart bodies are not sent by herald's HTTP client" })
      )
  }
}

type Open = (url: URL, options: http.RequestOptions) => http.ClientRequest

const send = (
  open: Open,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  body: Body,
  deadline: number | undefined,
  answerWithin: number | undefined
) =>
  Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const req = open(url, { method: request.method, headers: request.headers })
    let settled = false
    let sent = false
    let timer: ReturnType<typeof setTimeout> | undefined = undefined
    const settle = (effect: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>) => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      resume(effect)
    }
    const transport = (cause: unknown) =>
      marked(new HttpClientError.RequestError({ request, reason: "Transport", cause }), sent)
    if (deadline !== undefined) {
      const giveUp = (after: number) => {
        settle(Effect.fail(transport(new DeadlineExceeded(after))))
        req.destroy()
      }
      timer = setTimeout(() => {
        // the platform has the request: its answer may carry a new single-use token
        if (sent && answerWithin !== undefined && answerWithin > deadline) {
          timer = setTimeout(() => giveUp(answerWithin), answerWithin - deadline)
        } else {
          giveUp(deadline)
        }
      }, deadline)
    }
    req.on("finish", () => {
      sent = true
    })
    req.on("error", (cause) => settle(Effect.fail(transport(cause))))
    req.on("response", (res) => {
      sent = true
      const chunks: Array<Buffer> = []
      let size = 0
      const broke = (cause: unknown, description?: string) => {
        const partial = new BufferedResponse(request, res.statusCode ?? 0, Headers.empty, [], new Uint8Array(), Option.none())
        settle(Effect.fail(marked(
          new HttpClientError.ResponseError({
            request,
            response: partial,
            reason: "Decode",
            cause,
            ...(description === undefined ? {} : { description })
          }),
          true
        )))
      }
      res.on("data", (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY) {
          const tooLarge = new AnswerTooLarge(MAX_BODY)
          broke(tooLarge, tooLarge.message)
          req.destroy()
          return
        }
        chunks.push(chunk)
      })
      res.on("error", (cause) => broke(cause))
      res.on("aborted", () => broke(new Error("the connection closed before the answer was complete")))
      res.on("end", () => {
        const setCookie = res.headers["set-cookie"] ?? []
        settle(Effect.succeed(
          new BufferedResponse(
            request,
            res.statusCode ?? 0,
            Headers.fromInput(res.headers),
            setCookie,
            chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
            Option.fromNullable(res.socket?.remoteAddress)
          )
        ))
      })
    })
    req.end(body)
    return Effect.sync(() => {
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      req.destroy()
    })
  })

/**
 * The attempt, said at debug level: method, host and path (never the query, where Instagram
 * sends its token; never a header or body), then the status or why there was none.
 */
const logged = (
  exchange: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>,
  method: string,
  url: URL
) => {
  const started = Date.now()
  const what = `HTTP ${method} ${url.host}${url.pathname}`
  return exchange.pipe(
    Effect.tapBoth({
      onSuccess: (response) => Effect.logDebug(`${what} → ${response.status} (${Date.now() - started} ms)`),
      onFailure: (error) => Effect.logDebug(`${what} → no answer: ${attemptFailure(error)} (${Date.now() - started} ms)`)
    })
  )
}

/** A failed attempt in a few words: the error's kind and code, nothing from the request. */
const attemptFailure = (error: HttpClientError.HttpClientError): string => {
  if (isDeadlineExceeded(error)) return "deadline exceeded"
  const cause = error.cause as { readonly code?: unknown } | undefined
  const code = typeof cause?.code === "string" ? ` ${cause.code}` : ""
  return `${error.reason.toLowerCase()} error${code}`
}

const millis = (d: Duration.Duration | undefined) => (d === undefined ? undefined : Math.max(1, Math.ceil(Duration.toMillis(d))))

/**
 * The client over these agents, with these deadlines (none: no deadline of its own).
 * Exported for tests that bring their own agents.
 */
export const make = (agents: Agents, deadlines: Deadlines = {}): HttpClient.HttpClient =>
  over(agents, millis(deadlines.deadline), millis(deadlines.answerWithin), new Map())

/** The clients over one set of agents, one per pair of deadlines (a run asks for the same few again and again). */
const over = (
  agents: Agents,
  deadline: number | undefined,
  answerWithin: number | undefined,
  siblings: Map<string, HttpClient.HttpClient>
): HttpClient.HttpClient => {
  const client = HttpClient.makeWith(
    (effect: Effect.Effect<HttpClientRequest.HttpClientRequest>) =>
      Effect.flatMap(effect, (request): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
        const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
        if (Either.isLeft(url)) {
          return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
        }
        const body = request.body
        const go = (open: Open) =>
          body._tag === "Stream" || body._tag === "FormData" || body._tag === "Raw"
            ? Effect.flatMap(bodyOf(request), (bytes) => send(open, request, url.right, bytes, deadline, answerWithin))
            : send(open, request, url.right, body._tag === "Empty" ? undefined : body.body, deadline, answerWithin)
        const exchange = go(openOn(agents, url.right.protocol === "https:"))
        // `--log-level debug`: one line per attempt; checked here so a normal run pays nothing
        return Effect.withFiberRuntime<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((fiber) =>
          LogLevel.greaterThanEqual(LogLevel.Debug, fiber.getFiberRef(FiberRef.currentMinimumLogLevel))
            ? logged(exchange, request.method, url.right)
            : exchange
        )
      }),
    Effect.succeed
  )
  const withThese = (next: Deadlines): HttpClient.HttpClient => {
    const d = millis(next.deadline)
    const a = millis(next.answerWithin)
    const key = `${d}/${a}`
    let found = siblings.get(key)
    if (found === undefined) {
      found = over(agents, d, a, siblings)
      siblings.set(key, found)
    }
    return found
  }
  return Object.assign(client, { [rebuild]: withThese })
}

/** Kept-alive agents for the life of the layer; their sockets are closed when it ends. */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.scoped(
  HttpClient.HttpClient,
  Effect.map(
    Effect.acquireRelease(
      Effect.sync((): Agents => ({})),
      (agents) =>
        Effect.sync(() => {
          agents.http?.agent.destroy()
          agents.https?.agent.destroy()
        })
    ),
    make
  )
)
