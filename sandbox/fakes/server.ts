/**
 * The shared half of every loopback fake platform: a node:http server on 127.0.0.1 with an
 * ephemeral port, per-request latency, a scripted fault queue, a request log, counters, a
 * clock the test can drive; and `serveModel`, which serves a platform's token model
 * (src/platforms/<id>/model.ts) through it.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import {
  type Consent,
  type ModelReply,
  type ModelRequest,
  type ModelState,
  type TokenKind,
  type TokenModel,
  type TokenStore
} from "../../src/platforms/tokenModel.js"
import { AuthorizationCodes, type ChallengeEncoding } from "./authorize.js"

// ---- faults ------------------------------------------------------------------------------

/**
 * One scripted misbehaviour, consumed by the next request it applies to (FIFO).
 *
 * - `{ status: 503 }`: answer that status (body: the status text as text/plain, unless `body`).
 * - `{ status: 429, headers: { "retry-after": "1" } }`: headers are added to the answer.
 * - `{ body: {...}, status: 200 }`: answer arbitrary JSON (status defaults to 200).
 * - `{ html: true }`: answer 200 (or `status`) with an HTML page, like a captive portal.
 * - `{ reset: true }`: destroy the socket without answering.
 * - `{ hangMs: N }`: say nothing for N ms, then drop the connection. Combined with an answer
 *   (`status`/`body`/`html`) it answers late instead; with `thenHandle: true` the request is
 *   then handled normally (the platform acts on it even though the client may have given up).
 * - `{ thenHandle: true, ... }`: the platform acts on the request (rotates, say), and then
 *   the answer is lost or spoilt: with `reset` the socket is destroyed instead of answering,
 *   with `truncate` half the body is sent under the full Content-Length, with `status` that
 *   status is sent instead (a gateway's 502), with `rewrite` the platform's JSON answer is
 *   sent as the text it returns (schema drift, numbers JSON cannot write such as 1e999).
 * - `path`: only requests to this path consume the fault (others pass it by).
 */
export interface Fault {
  readonly path?: string
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
  readonly html?: boolean
  readonly reset?: boolean
  readonly hangMs?: number
  readonly thenHandle?: boolean
  readonly truncate?: boolean
  readonly rewrite?: (answer: Record<string, unknown>) => string
}

// ---- request log -------------------------------------------------------------------------

/** What became of a request: the HTTP status sent, or how the connection ended. */
export type Outcome = number | "reset" | "hung" | "pending"

/** A request as the fake received it (lower-case header names; repeated headers joined with ", "). */
export interface LoggedRequest extends ModelRequest {
  /** the fake's clock when the request arrived (ms) */
  readonly at: number
  fault?: Fault
  outcome: Outcome
}

export interface Counters {
  /** every request, faulted or not */
  calls: number
  /** token grants answered with success (refreshes, rotations, health checks excluded) */
  refreshes: number
  /** grants that issued a new refresh token (or, for Instagram, a new token string) */
  rotations: number
  /** 4xx answers given by the platform logic (not by faults) */
  rejections: number
  /** requests that consumed a fault */
  faulted: number
}

// ---- clock -------------------------------------------------------------------------------

/** A clock a test moves by hand; pass `clock.now` as a fake's `now` option. */
export interface ManualClock {
  readonly now: () => number
  set(ms: number): void
  advance(ms: number): void
}

export const manualClock = (startMs: number = Date.now()): ManualClock => {
  let t = startMs
  return {
    now: () => t,
    set: (ms) => {
      t = ms
    },
    advance: (ms) => {
      t += ms
    }
  }
}

export { DAY, HOUR, SECOND } from "../../src/platforms/tokenModel.js"

// ---- the server --------------------------------------------------------------------------

/** What a handler is given: the request and the fake's clock when it is handled. */
export interface FakeRequest extends ModelRequest {
  readonly now: number
}

/** What a handler answers: a model's reply (its `event` is for counters, never sent). */
export type FakeResponse = ModelReply

export type Handler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>

/** Options every fake takes. */
export interface CommonOptions {
  /** delay before each answer (also settable later as `fake.latencyMs`) */
  readonly latencyMs?: number
  /** the fake's clock in epoch ms; defaults to Date.now */
  readonly now?: () => number
  /** generated token values look like `<tokenPrefix>-refresh-2`; defaults to `fake-<platform>` */
  readonly tokenPrefix?: string
}

export interface Fake {
  readonly name: string
  readonly port: number
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string
  url(path: string): string
  /** push faults here; each is consumed by one request */
  readonly faults: Array<Fault>
  readonly requests: Array<LoggedRequest>
  readonly counters: Counters
  latencyMs: number
  now(): number
  /** the logged requests to one path */
  requestsTo(path: string): Array<LoggedRequest>
  /** forget the log, the counters and any unconsumed faults (token state stays) */
  clearLog(): void
  close(): Promise<void>
}

export { json } from "../../src/platforms/tokenModel.js"

const flattenHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v
  }
  return out
}

const parseForm = (contentType: string | undefined, body: string): Record<string, string> =>
  contentType !== undefined && contentType.toLowerCase().includes("application/x-www-form-urlencoded")
    ? Object.fromEntries(new URLSearchParams(body))
    : {}

const htmlPage = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><h1>Please sign in</h1></body></html>\n"

/** Start a fake on 127.0.0.1 with an ephemeral port; `handler` is the platform's logic. */
export const startFakeServer = async (
  name: string,
  options: CommonOptions,
  handler: Handler
): Promise<Fake> => {
  const now = options.now ?? Date.now
  const pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>()
  let closed = false

  /** A sleep that close() cuts short, so a hung request never holds the test open. */
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          pending.delete(entry)
          resolve()
        }, ms),
        resolve
      }
      pending.add(entry)
    })

  const takeFault = (path: string): Fault | undefined => {
    const i = fake.faults.findIndex((f) => f.path === undefined || f.path === path)
    return i < 0 ? undefined : fake.faults.splice(i, 1)[0]
  }

  const send = (res: http.ServerResponse, entry: LoggedRequest, response: FakeResponse): void => {
    if (res.destroyed || res.headersSent) return
    const headers: Record<string, string> = { ...response.headers }
    let payload: string
    if (response.json !== undefined) {
      payload = JSON.stringify(response.json)
      headers["content-type"] ??= "application/json; charset=utf-8"
    } else {
      payload = response.text ?? ""
      headers["content-type"] ??= "text/plain; charset=utf-8"
    }
    headers["content-length"] = String(Buffer.byteLength(payload))
    entry.outcome = response.status
    res.writeHead(response.status, headers)
    res.end(payload)
  }

  const faultResponse = (fault: Fault): FakeResponse => {
    const headers = fault.headers ?? {}
    if (fault.html === true) {
      return { status: fault.status ?? 200, text: htmlPage, headers: { "content-type": "text/html; charset=utf-8", ...headers } }
    }
    if (fault.body !== undefined) return { status: fault.status ?? 200, json: fault.body, headers }
    const status = fault.status ?? 500
    return { status, text: http.STATUS_CODES[status] ?? "Error", headers }
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString("utf8")
    const url = new URL(req.url ?? "/", "http://127.0.0.1")
    const headers = flattenHeaders(req.headers)
    const entry: LoggedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      form: parseForm(headers["content-type"], body),
      body,
      at: now(),
      outcome: "pending"
    }
    fake.requests.push(entry)
    fake.counters.calls++

    if (fake.latencyMs > 0) await sleep(fake.latencyMs)
    if (closed) return

    const fault = takeFault(entry.path)
    if (fault !== undefined) {
      entry.fault = fault
      fake.counters.faulted++
      const answers = fault.status !== undefined || fault.body !== undefined || fault.html === true
      if (fault.hangMs !== undefined) {
        await sleep(fault.hangMs)
        if (closed || res.destroyed) {
          entry.outcome = "hung"
          return
        }
        if (!answers && fault.thenHandle !== true && fault.reset !== true) {
          entry.outcome = "hung"
          req.socket.destroy()
          return
        }
      }
      if (fault.reset === true && fault.thenHandle !== true) {
        entry.outcome = "reset"
        req.socket.destroy()
        return
      }
      if (fault.thenHandle !== true) {
        send(res, entry, faultResponse(fault))
        return
      }
    }

    let response: FakeResponse
    try {
      response = await handler({
        method: entry.method,
        path: entry.path,
        query: entry.query,
        headers: entry.headers,
        form: entry.form,
        body,
        now: now()
      })
    } catch (error) {
      response = { status: 500, text: `fake ${name} crashed: ${String(error)}` }
    }
    if (response.status >= 400 && response.status < 500) fake.counters.rejections++
    if (fault?.thenHandle === true) {
      // the platform has acted on the request; what reaches the client is the fault's
      if (fault.reset === true) {
        entry.outcome = "reset"
        req.socket.destroy()
        return
      }
      if (fault.truncate === true) {
        const payload = response.json !== undefined ? JSON.stringify(response.json) : response.text ?? ""
        entry.outcome = "reset"
        res.writeHead(response.status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) })
        res.write(payload.slice(0, Math.floor(payload.length / 2)), () => req.socket.destroy())
        return
      }
      if (fault.rewrite !== undefined && typeof response.json === "object" && response.json !== null) {
        const text = fault.rewrite(response.json as Record<string, unknown>)
        send(res, entry, { status: response.status, text, headers: { ...response.headers, "content-type": "application/json" } })
        return
      }
      if (fault.status !== undefined || fault.body !== undefined || fault.html === true) {
        send(res, entry, faultResponse(fault))
        return
      }
    }
    send(res, entry, response)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.destroy()
    })
  })
  // a request that is hanging on purpose must not be cut off by node's own timeouts
  server.requestTimeout = 0
  server.headersTimeout = 0

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const baseUrl = `http://127.0.0.1:${port}`

  const fake: Fake = {
    name,
    port,
    baseUrl,
    url: (path) => `${baseUrl}${path.startsWith("/") ? path : `/${path}`}`,
    faults: [],
    requests: [],
    counters: { calls: 0, refreshes: 0, rotations: 0, rejections: 0, faulted: 0 },
    latencyMs: options.latencyMs ?? 0,
    now,
    requestsTo: (path) => fake.requests.filter((r) => r.path === path),
    clearLog: () => {
      fake.requests.length = 0
      fake.faults.length = 0
      Object.assign(fake.counters, { calls: 0, refreshes: 0, rotations: 0, rejections: 0, faulted: 0 })
    },
    close: () => {
      if (closed) return Promise.resolve()
      closed = true
      for (const p of pending) {
        clearTimeout(p.timer)
        p.resolve()
      }
      pending.clear()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    }
  }
  return fake
}

// ---- token state and the helpers the models share (src/platforms/tokenModel.ts) -------

export {
  basicAuth,
  basicAuthMatches,
  bearer,
  epochSeconds,
  type IssueOptions,
  methodNotAllowed,
  notFound,
  secondsUntil,
  type TokenKind,
  type TokenRecord,
  type TokenStatus,
  TokenStore
} from "../../src/platforms/tokenModel.js"

// ---- a platform served from its token model ------------------------------------------

/** The token API every model-served fake offers, whatever the platform. */
export interface ModelFake<S extends ModelState> extends Fake {
  /** the model's state: settings a test may change, the token store */
  readonly state: S
  readonly tokens: TokenStore
  /** settable: whether the next consent is approved or denied */
  consent: Consent
  /** the authorization codes the consent page issued (and the authorize requests it saw) */
  readonly codes: AuthorizationCodes
  /** Seed a refresh token herald may start from (expiry: the platform's default lifetime); returns its value. */
  issueRefreshToken(value?: string, options?: SeedOptions): string
  issueAccessToken(value?: string, options?: SeedOptions): string
  /** The newest refresh token still usable, if any. */
  currentRefreshToken(): string | undefined
  liveRefreshTokens(): Array<string>
  liveAccessTokens(): Array<string>
  revoke(token: string): void
}

export interface SeedOptions {
  /** epoch ms (default: now) */
  readonly issuedAt?: number
  /** epoch ms (default: issuedAt + the platform's lifetime for that kind) */
  readonly expiresAt?: number
}

/**
 * Serve `model` on loopback: the one adapter from node:http to a platform's token model.
 * Counters follow what the model did (`refreshed`, `rotated`); faults, latency and the log
 * are the server's.
 */
export const serveModel = async <S extends ModelState, O>(
  model: TokenModel<S, O>,
  options: CommonOptions & O,
  extras: { readonly challenge?: ChallengeEncoding } = {}
): Promise<ModelFake<S>> => {
  const now = options.now ?? Date.now
  const prefix = options.tokenPrefix ?? `fake-${model.id}`
  const codes = new AuthorizationCodes(prefix, now, extras.challenge)
  const state = model.init(options, { prefix, now, codes })
  const base = await startFakeServer(model.id, options, (req) => {
    const reply = model.answer(state, req, req.now)
    if (reply.event === "refreshed" || reply.event === "rotated") base.counters.refreshes++
    if (reply.event === "rotated") base.counters.rotations++
    return reply
  })
  const seed = (kind: TokenKind) => (value?: string, o: SeedOptions = {}): string => {
    const issuedAt = o.issuedAt ?? now()
    const lifetime = model.lifetimes(state)[kind]
    const expiresAt = o.expiresAt ?? (lifetime === undefined ? undefined : issuedAt + lifetime)
    return state.tokens.issue(kind, value, { issuedAt, ...(expiresAt !== undefined ? { expiresAt } : {}) }).value
  }
  const served = Object.assign(base, {
    state,
    tokens: state.tokens,
    codes,
    issueRefreshToken: seed("refresh"),
    issueAccessToken: seed("access"),
    currentRefreshToken: () => state.tokens.liveValues("refresh").at(-1),
    liveRefreshTokens: () => state.tokens.liveValues("refresh"),
    liveAccessTokens: () => state.tokens.liveValues("access"),
    revoke: (t: string) => {
      state.tokens.revoke(t)
    }
  })
  const fake: ModelFake<S> = settable(served, state, "consent")
  return fake
}

/** Forward a settable field of the model's state as a property of the fake. */
export const settable = <T extends object, S extends object, K extends keyof S>(target: T, state: S, key: K): T & Record<K, S[K]> =>
  Object.defineProperty(target, key, {
    get: () => state[key],
    set: (v: S[K]) => {
      state[key] = v
    },
    enumerable: true,
    configurable: true
  }) as T & Record<K, S[K]>

