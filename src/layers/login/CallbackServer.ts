/**
 * The loopback end of `herald auth login`: an HTTP server on 127.0.0.1 that waits for the
 * platform to redirect the browser to `/callback`, for at most a timeout measured by
 * Effect's Clock (so TestClock drives it in tests). Scoped: the port is released when
 * the login ends, however it ends.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"

export class CallbackListenFailed extends Schema.TaggedError<CallbackListenFailed>()("CallbackListenFailed", {
  port: Schema.Number,
  reason: Schema.String
}) {
  override get message() {
    return `cannot listen on 127.0.0.1:${this.port} for the login callback (${this.reason})`
  }
}

export class CallbackTimeout extends Schema.TaggedError<CallbackTimeout>()("CallbackTimeout", {
  after: Schema.String
}) {}

/** What the browser is shown once the callback arrived. */
export interface CallbackPage {
  readonly ok: boolean
  readonly text: string
}

export interface CallbackServer {
  /** the port actually bound (differs from the one asked for when that was 0) */
  readonly port: number
  /** the query of the first request to the callback path, or CallbackTimeout */
  readonly await: (timeout: Duration.DurationInput) => Effect.Effect<URLSearchParams, CallbackTimeout>
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]!)

const html = (page: CallbackPage): string =>
  [
    "<!DOCTYPE html>",
    "<html><head><meta charset=\"utf-8\"><title>herald</title></head>",
    `<body><h1>${page.ok ? "herald got the answer" : "herald could not use this answer"}</h1>`,
    `<p>${escapeHtml(page.text)}</p><p>You can close this tab and return to the terminal.</p></body></html>`,
    ""
  ].join("\n")

const send = (res: http.ServerResponse, status: number, body: string, type = "text/html; charset=utf-8") => {
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    // the callback URL carries the authorization code: keep it out of caches and referrers
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    connection: "close"
  })
  res.end(body)
}

const listenError = (port: number, e: NodeJS.ErrnoException): CallbackListenFailed =>
  new CallbackListenFailed({
    port,
    reason: e.code === "EADDRINUSE"
      ? "the port is in use; stop what holds it, or pick another port with --port or redirect_port (and register that redirect URI with the platform)"
      : e.code ?? e.message
  })

/**
 * Listen on 127.0.0.1:`port` (0 picks a free port). Only a GET of `path` counts; anything else
 * (a favicon, a probe) is answered 404 and the wait goes on. `page` decides what the
 * browser is told about the answer.
 */
export const listen = (options: {
  readonly port: number
  readonly path: string
  readonly page: (query: URLSearchParams) => CallbackPage
}): Effect.Effect<CallbackServer, CallbackListenFailed, Scope.Scope> =>
  Effect.gen(function*() {
    const received = yield* Deferred.make<URLSearchParams>()
    let answered = false

    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const path = url.pathname.replace(/\/+$/, "") || "/"
      if (req.method !== "GET" || path !== options.path) {
        send(res, 404, "not found\n", "text/plain; charset=utf-8")
        return
      }
      if (answered) {
        send(res, 409, html({ ok: false, text: "This login already received its answer." }))
        return
      }
      answered = true
      const page = options.page(url.searchParams)
      send(res, page.ok ? 200 : 400, html(page))
      Deferred.unsafeDone(received, Exit.succeed(url.searchParams))
    }

    const server = yield* Effect.acquireRelease(
      Effect.async<http.Server, CallbackListenFailed>((resume) => {
        const server = http.createServer(handler)
        const onError = (e: NodeJS.ErrnoException) => resume(Effect.fail(listenError(options.port, e)))
        server.once("error", onError)
        server.listen(options.port, "127.0.0.1", () => {
          server.off("error", onError)
          resume(Effect.succeed(server))
        })
      }),
      (server) =>
        Effect.async<void>((resume) => {
          // idle keep-alive sockets close now; a response still being written gets a moment
          const force = setTimeout(() => server.closeAllConnections(), 1000)
          force.unref()
          server.close(() => {
            clearTimeout(force)
            resume(Effect.void)
          })
          server.closeIdleConnections()
        })
    )
    const port = (server.address() as AddressInfo).port

    return {
      port,
      await: (timeout) =>
        Deferred.await(received).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new CallbackTimeout({ after: Duration.format(Duration.decode(timeout)) })
          })
        )
    } satisfies CallbackServer
  })
