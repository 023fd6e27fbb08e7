/**
 * herald's own HttpClient (src/http/NodeHttp.ts) against real loopback servers:
 * what reaches the server, what comes back, and what happens when the other side
 * misbehaves (refuses, hangs, breaks off, sends too much, redirects).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import * as http from "node:http"
import * as https from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { AddressInfo } from "node:net"
import { isDeadlineExceeded, MAX_BODY, layer as NodeHttpLayer, requestWasSent, withDeadlines } from "../../src/http/NodeHttp.js"
import { formPost, providerCall } from "../../src/platforms/providerCall.js"
import { connection } from "../support/connections.js"
import { describeHttpFailure, networkErrorCode } from "../../src/http/networkError.js"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
  readonly socket: number
}

/** A loopback server; `handler` answers, every request is recorded with its socket's number. */
const serve = (handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly base: string; readonly seen: Array<Seen>; readonly closed: Array<number>; readonly server: http.Server }>((resume) => {
      const seen: Array<Seen> = []
      const closed: Array<number> = []
      const sockets = new WeakMap<object, number>()
      let next = 0
      const server = http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8")
          seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, socket: sockets.get(req.socket)! })
          handler(req, res, body)
        })
      })
      server.on("connection", (socket) => {
        const n = next++
        sockets.set(socket, n)
        socket.on("close", () => closed.push(n))
      })
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          seen,
          closed,
          server
        })))
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

const run = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>) => Effect.provide(effect, NodeHttpLayer)

describe("NodeHttp client", () => {
  it.live("sends a form POST with its headers and reads status, headers and JSON back", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) =>
        res.writeHead(201, { "content-type": "application/json", "retry-after": "3", "set-cookie": ["a=1", "b=2"] })
          .end(JSON.stringify({ access_token: "new" })))
      const response = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) =>
        client.execute(
          HttpClientRequest.post(`${server.base}/oauth/token?x=1`).pipe(
            HttpClientRequest.acceptJson,
            HttpClientRequest.setUrlParam("y", "2 3"),
            HttpClientRequest.bodyUrlParams({ grant_type: "refresh_token", refresh_token: "r/t+1" })
          )
        )))
      assert.strictEqual(response.status, 201)
      assert.strictEqual(response.headers["retry-after"], "3")
      assert.deepStrictEqual(yield* response.json, { access_token: "new" })
      assert.strictEqual(yield* response.text, "{\"access_token\":\"new\"}")
      assert.deepStrictEqual(Object.keys(response.cookies.cookies).sort(), ["a", "b"])
      const seen = server.seen[0]!
      assert.strictEqual(seen.method, "POST")
      assert.strictEqual(seen.url, "/oauth/token?x=1&y=2+3")
      assert.strictEqual(seen.headers["content-type"], "application/x-www-form-urlencoded")
      assert.strictEqual(seen.headers["accept"], "application/json")
      assert.strictEqual(seen.headers["content-length"], String(Buffer.byteLength(seen.body)))
      assert.deepStrictEqual(Object.fromEntries(new URLSearchParams(seen.body)), { grant_type: "refresh_token", refresh_token: "r/t+1" })
    }).pipe(Effect.scoped))

  it.live("keeps the connection alive: sequential requests share one socket", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => res.writeHead(200).end("ok"))
      yield* run(Effect.flatMap(HttpClient.HttpClient, (client) =>
        Effect.forEach([1, 2, 3], () => Effect.flatMap(client.get(`${server.base}/ping`), (r) => r.text), { discard: true })))
      assert.deepStrictEqual(server.seen.map((s) => s.socket), [0, 0, 0])
    }).pipe(Effect.scoped))

  it.live("sends streamed and raw bodies whole", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => res.writeHead(204).end())
      yield* run(Effect.flatMap(HttpClient.HttpClient, (client) =>
        Effect.all([
          client.execute(HttpClientRequest.put(`${server.base}/s`).pipe(
            HttpClientRequest.bodyStream(Stream.fromIterable([new TextEncoder().encode("he"), new TextEncoder().encode("llo")]))
          )),
          client.execute(HttpClientRequest.post(`${server.base}/r`).pipe(HttpClientRequest.bodyText("plain", "text/plain")))
        ])))
      assert.deepStrictEqual(server.seen.map((s) => [s.url, s.body]), [["/s", "hello"], ["/r", "plain"]])
    }).pipe(Effect.scoped))

  it.live("does not follow a redirect: the 3xx is the answer, and nothing goes to the Location", () =>
    Effect.gen(function*() {
      const elsewhere = yield* serve((_req, res) => res.writeHead(200).end("stolen"))
      const server = yield* serve((_req, res) => res.writeHead(307, { location: `${elsewhere.base}/steal` }).end())
      const response = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) =>
        client.execute(HttpClientRequest.post(`${server.base}/token`).pipe(HttpClientRequest.bodyUrlParams({ refresh_token: "SENTINEL" })))))
      assert.strictEqual(response.status, 307)
      assert.strictEqual(elsewhere.seen.length, 0)
    }).pipe(Effect.scoped))

  it.live("a refused connection fails with the socket's error code", () =>
    Effect.gen(function*() {
      const error = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => client.get("http://127.0.0.1:9/token"))).pipe(Effect.flip)
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(networkErrorCode(error), "ECONNREFUSED")
    }))

  it.live("an answer broken off half way fails as a ResponseError, not as a short body", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(200, { "content-length": "100" })
        res.write("{\"access_token\":")
        setTimeout(() => res.socket?.destroy(), 20)
      })
      const error = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => client.get(`${server.base}/t`))).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ResponseError")
    }).pipe(Effect.scoped))

  it.live("an answer larger than MAX_BODY is refused and its socket closed", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => {
        res.writeHead(200)
        const chunk = Buffer.alloc(256 * 1024, 120)
        let sent = 0
        const more = () => {
          while (sent <= MAX_BODY + chunk.length && !res.destroyed) {
            sent += chunk.length
            if (!res.write(chunk)) return void res.once("drain", more)
          }
          res.end()
        }
        more()
      })
      const error = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => client.get(`${server.base}/big`))).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ResponseError")
      assert.include(error.message, "larger than 4 MiB")
      // what a user reads: the size, and what to check
      assert.strictEqual(
        describeHttpFailure(error),
        "the answer is larger than 4 MiB, more than any endpoint herald calls sends: check that the configured URL is the right one"
      )
    }).pipe(Effect.scoped))

  it.live("interrupting a request (a timeout) closes its socket", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {
        // never answers
      })
      const result = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => client.get(`${server.base}/hang`))).pipe(
        Effect.timeoutTo({ duration: "100 millis", onSuccess: () => "answered", onTimeout: () => "timed out" })
      )
      assert.strictEqual(result, "timed out")
      // the server sees the socket close shortly after
      yield* Effect.sleep("200 millis")
      assert.deepStrictEqual(server.closed, [0])
    }).pipe(Effect.scoped))

  it.live("a stream read from the response gives the whole body", () =>
    Effect.gen(function*() {
      const server = yield* serve((_req, res) => res.writeHead(200).end("abc"))
      const response = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => client.get(`${server.base}/x`)))
      const chunks = yield* Stream.runCollect(response.stream)
      assert.strictEqual(Buffer.concat(Chunk.toReadonlyArray(chunks)).toString(), "abc")
    }).pipe(Effect.scoped))

  it.live("a deadline given to the client: it gives up itself, with DeadlineExceeded, and closes the socket", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {
        // never answers
      })
      const started = Date.now()
      const error = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => {
        const timed = withDeadlines(client, { deadline: Duration.millis(150) })
        assert.isDefined(timed, "herald's client keeps deadlines itself")
        return timed!.get(`${server.base}/hang`)
      })).pipe(Effect.flip)
      assert.isTrue(isDeadlineExceeded(error))
      assert.isAtLeast(Date.now() - started, 140)
      yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(server.closed, [0])
    }).pipe(Effect.scoped))

  it.live("answerWithin: once the request is out, a late answer is still waited for, up to that longer deadline", () =>
    Effect.gen(function*() {
      const server = yield* serve((req, res) => {
        if (req.url === "/late") setTimeout(() => res.writeHead(200).end("{}"), 250)
      })
      const deadlines = { deadline: Duration.millis(100), answerWithin: Duration.millis(400) }
      const late = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => withDeadlines(client, deadlines)!.post(`${server.base}/late`)))
      assert.strictEqual(late.status, 200)
      const started = Date.now()
      const never = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => withDeadlines(client, deadlines)!.post(`${server.base}/never`))).pipe(Effect.flip)
      assert.isTrue(isDeadlineExceeded(never))
      assert.isTrue(requestWasSent(never))
      assert.isAtLeast(Date.now() - started, 390)
    }).pipe(Effect.scoped))

  it.live("withDeadlines: the same deadlines give the same client; a client that is not herald's gets none", () =>
    Effect.gen(function*() {
      const client = yield* run(HttpClient.HttpClient)
      const a = withDeadlines(client, { deadline: Duration.seconds(1) })
      assert.strictEqual(withDeadlines(client, { deadline: Duration.seconds(1) }), a)
      assert.strictEqual(withDeadlines(a!, { deadline: Duration.seconds(1) }), a)
      assert.notStrictEqual(withDeadlines(client, { deadline: Duration.seconds(2) }), a)
      assert.isUndefined(withDeadlines(HttpClient.make(() => Effect.die("unused")), { deadline: Duration.seconds(1) }))
    }))

  it.live("a provider call over this client times out per attempt, retries, and says how long it waited", () =>
    Effect.gen(function*() {
      const server = yield* serve(() => {
        // never answers
      })
      const error = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) =>
        providerCall(client, {
          connection: connection("tiktok", { timeout_seconds: 0.2 }),
          request: formPost(`${server.base}/token`, { grant_type: "refresh_token", refresh_token: Redacted.make("SENTINEL") }),
          classify: () => undefined,
          success: Schema.Struct({ access_token: Schema.String }),
          retry: { retries: 1, base: Duration.millis(10), maxRetryAfter: Duration.seconds(1) }
        }))).pipe(Effect.flip)
      assert.strictEqual(error._tag, "ProviderUnavailable")
      assert.strictEqual(error.reason, "no answer within 200ms (after 2 attempts)")
      assert.strictEqual(server.seen.length, 2, "each attempt reached the endpoint")
    }).pipe(Effect.scoped))

  // a throwaway self-signed certificate, made with openssl where it is installed
  const selfSigned = (() => {
    const dir = mkdtempSync(join(tmpdir(), "herald-tls-"))
    const r = spawnSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")
    ], { encoding: "utf8" })
    try {
      return r.status !== 0 ? undefined : { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })()

  it.live.skipIf(selfSigned === undefined)(
    `https goes through TLS with verification on: a certificate nobody vouches for is refused${selfSigned === undefined ? " (skipped: openssl is not installed)" : ""}`,
    () =>
      Effect.gen(function*() {
        let served = 0
        const port = yield* Effect.acquireRelease(
          Effect.async<{ readonly port: number; readonly server: https.Server }>((resume) => {
            const server = https.createServer(selfSigned!, (_req, res) => {
              served++
              res.writeHead(200).end("{}")
            })
            server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ port: (server.address() as AddressInfo).port, server })))
          }),
          ({ server }) => Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))
        ).pipe(Effect.map((s) => s.port))
        const error = yield* run(Effect.flatMap(HttpClient.HttpClient, (client) => client.get(`https://127.0.0.1:${port}/token`))).pipe(
          Effect.flip
        )
        assert.strictEqual(error._tag, "RequestError")
        assert.strictEqual(networkErrorCode(error), "DEPTH_ZERO_SELF_SIGNED_CERT")
        assert.strictEqual(served, 0)
      }).pipe(Effect.scoped)
  )
})
