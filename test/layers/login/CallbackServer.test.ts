/** The loopback callback server: what it accepts, what the browser sees, and its timeout on the Clock. */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import * as CallbackServer from "../../../src/layers/login/CallbackServer.js"

const page = (query: URLSearchParams) =>
  query.get("state") === "ok" ? { ok: true, text: "fine" } : { ok: false, text: "state <b>mismatch</b>" }

const get = (url: string) =>
  Effect.promise(async () => {
    const res = await fetch(url)
    return { status: res.status, text: await res.text(), headers: res.headers }
  })

describe("the login callback server", () => {
  it.effect("gives up after the timeout, measured on the Clock", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer.listen({ port: 0, path: "/callback", page })
      const waiting = yield* Effect.fork(server.await("5 minutes"))
      yield* TestClock.adjust("4 minutes")
      assert.isTrue(Option.isNone(yield* Fiber.poll(waiting)))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(waiting).pipe(Effect.flip)
      assert.strictEqual(error._tag, "CallbackTimeout")
      assert.strictEqual(error.after, "5m")
    }).pipe(Effect.scoped))

  it.effect("hands over the query of the first GET /callback; other paths get 404 and the wait goes on", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer.listen({ port: 0, path: "/callback", page })
      const base = `http://127.0.0.1:${server.port}`
      const waiting = yield* Effect.fork(server.await("5 minutes"))
      assert.strictEqual((yield* get(`${base}/favicon.ico`)).status, 404)
      const first = yield* get(`${base}/callback?code=c1&state=ok`)
      assert.strictEqual(first.status, 200)
      assert.include(first.text, "fine")
      // the code is in the URL: nothing may cache it or pass it on as a referrer
      assert.strictEqual(first.headers.get("cache-control"), "no-store")
      assert.strictEqual(first.headers.get("referrer-policy"), "no-referrer")
      const query = yield* Fiber.join(waiting)
      assert.strictEqual(query.get("code"), "c1")
      const again = yield* get(`${base}/callback?code=c2&state=ok`)
      assert.strictEqual(again.status, 409)
    }).pipe(Effect.scoped))

  it.effect("a rejected answer is shown as an error page, its text escaped", () =>
    Effect.gen(function*() {
      const server = yield* CallbackServer.listen({ port: 0, path: "/callback", page })
      const waiting = yield* Effect.fork(server.await("5 minutes"))
      const res = yield* get(`http://127.0.0.1:${server.port}/callback/?code=c1&state=evil`)
      assert.strictEqual(res.status, 400)
      assert.include(res.text, "state &lt;b&gt;mismatch&lt;/b&gt;")
      assert.strictEqual((yield* Fiber.join(waiting)).get("state"), "evil")
    }).pipe(Effect.scoped))

  it.effect("a port in use is a clear error; the port is free again once the login ends", () =>
    Effect.gen(function*() {
      const blocker = http.createServer()
      yield* Effect.promise(() => new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r())))
      const port = (blocker.address() as AddressInfo).port
      const error = yield* CallbackServer.listen({ port, path: "/callback", page }).pipe(Effect.scoped, Effect.flip)
      assert.strictEqual(error._tag, "CallbackListenFailed")
      assert.include(error.message, `127.0.0.1:${port}`)
      assert.include(error.message, "in use")
      yield* Effect.promise(() => new Promise<void>((r) => blocker.close(() => r())))
      // listen, end the scope, listen again on the same port
      yield* CallbackServer.listen({ port, path: "/callback", page }).pipe(Effect.scoped)
      const again = yield* CallbackServer.listen({ port, path: "/callback", page }).pipe(Effect.scoped, Effect.either)
      assert.strictEqual(again._tag, "Right")
    }))
})
