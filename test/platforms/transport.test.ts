/**
 * Transport rules (DESIGN §2 rule 6, issue 3 point 6): tokens travel over HTTPS except to
 * this machine, to the configured address only, and no request waits forever.
 */
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import * as YAML from "yaml"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { validateConfig } from "../../src/programs/configCatalog.js"
import * as ConfigFile from "../../src/layers/config/ConfigFile.js"
import * as NodeHttp from "../../src/http/NodeHttp.js"
import * as GitLab from "../../src/layers/writeback/GitLab.js"
import { classifyOAuthError, providerCall } from "../../src/platforms/providerCall.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { WriteBack } from "../../src/services/WriteBack.js"
import { connection } from "../support/connections.js"
import { makeMemoryHttp } from "../support/memoryHttp.js"
import { recordingTracer } from "../support/spans.js"
import { makeWorld } from "../support/memoryLayers.js"
import { CatalogLive } from "../../src/cli/AppLayer.js"

const listen = (handler: http.RequestListener) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<http.Server>((resolve) => {
        const server = http.createServer(handler)
        server.listen(0, "127.0.0.1", () => resolve(server))
      })
    ),
    (server) => Effect.promise(() => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }))
  ).pipe(Effect.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`))

const Token = Schema.Struct({ access_token: Schema.String })

const tokenCall = (url: string) =>
  Effect.flatMap(HttpClient.HttpClient, (client) =>
    providerCall(client, {
      connection: connection("tiktok"),
      request: HttpClientRequest.post(url).pipe(
        HttpClientRequest.bodyUrlParams({ grant_type: "refresh_token", refresh_token: "SENTINEL-refresh", client_secret: "SENTINEL-secret" })
      ),
      classify: classifyOAuthError(() => false),
      success: Token
    }))

describe("transport", () => {
  for (const [name, client] of [["herald's client", NodeHttp.layer], ["an app's fetch client", FetchHttpClient.layer]] as const) {
    it.live(`a token endpoint that redirects is not followed (${name}): the refresh token never reaches the other address`, () =>
      Effect.gen(function*() {
        const stolen: Array<string> = []
        const elsewhere = yield* listen((req, res) => {
          let body = ""
          req.on("data", (c: Buffer) => (body += c.toString()))
          req.on("end", () => {
            stolen.push(body)
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "x" }))
          })
        })
        // 307/308 tell a client to re-send the same POST body to the new address
        const endpoint = yield* listen((_req, res) => res.writeHead(307, { location: `${elsewhere}/steal` }).end())
        const error = yield* tokenCall(`${endpoint}/v2/oauth/token/`).pipe(Effect.provide(client), Effect.flip)
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.include(error.reason, "HTTP 307, a redirect, which herald does not follow")
        assert.notInclude(error.reason, elsewhere)
        assert.deepStrictEqual(stolen, [])
      }).pipe(Effect.scoped))
  }

  it.effect("plain http to another host is refused before anything is sent, even when config was never validated", () =>
    Effect.gen(function*() {
      const memory = makeMemoryHttp(() => ({ status: 200, json: { access_token: "x" } }))
      const error = yield* tokenCall("http://open.tiktokapis.example/v2/oauth/token/").pipe(Effect.provide(memory.layer), Effect.flip)
      assert.strictEqual(error._tag, "MalformedResponse")
      assert.include(error.reason, "was not called: plain http is only allowed to loopback hosts; use https://open.tiktokapis.example/v2/oauth/token/")
      assert.strictEqual(memory.seen.length, 0)
      // loopback is this machine: allowed (self-hosted proxies, tests)
      const ok = yield* tokenCall("http://127.0.0.1:9/token").pipe(Effect.provide(memory.layer))
      assert.strictEqual(ok.access_token, "x")
    }))

  it.effect("an app's tracer gets no span for a provider call: Instagram's token rides in the URL's query", () =>
    Effect.gen(function*() {
      const { spans, tracer: recording } = yield* recordingTracer
      // memoryHttp builds its client with HttpClient.make, which traces each request by default
      const memory = makeMemoryHttp(() => ({ status: 200, json: { access_token: "x" } }))
      const request = HttpClientRequest.get("https://graph.instagram.com/refresh_access_token").pipe(
        HttpClientRequest.setUrlParams({ grant_type: "ig_refresh_token", access_token: "SENTINEL-ig-token" })
      )
      const call = Effect.flatMap(HttpClient.HttpClient, (client) =>
        providerCall(client, { connection: connection("instagram"), request, classify: () => undefined, success: Token }))
      yield* call.pipe(Effect.provide(memory.layer), Effect.withTracer(recording))
      assert.strictEqual(memory.seen[0]!.url.searchParams.get("access_token"), "SENTINEL-ig-token")
      assert.deepStrictEqual(spans.map((s) => s.name), [])
      // without the guard the same client would have recorded the URL, token and all
      yield* Effect.flatMap(HttpClient.HttpClient, (client) => client.execute(request)).pipe(
        Effect.provide(memory.layer),
        Effect.withTracer(recording)
      )
      assert.strictEqual(spans.length, 1)
      assert.include(String(spans[0]!.attributes.get("url.full")), "SENTINEL-ig-token")
    }))

  it("config: plain http off loopback, and a zero timeout, are errors naming the key", () => {
    const issues = (text: string) => Either.match(validateConfig(YAML.parse(text)), { onLeft: (l) => l, onRight: () => [] })
    assert.deepStrictEqual(issues(`
platforms:
  tiktok:
    endpoints: { token: "http://proxy.example.com/v2/oauth/token/" }
`), ["platforms.tiktok.endpoints.token: plain http is only allowed to loopback hosts; use https://proxy.example.com/v2/oauth/token/"])
    assert.deepStrictEqual(issues(`
platforms:
  x: { timeout_seconds: 0 }
auth: { timeout_seconds: 0 }
`), ["platforms.x.timeout_seconds: expected a number of seconds > 0", "auth.timeout_seconds: expected a number of seconds > 0"])
    assert.deepStrictEqual(issues(`
platforms:
  x: { timeout_seconds: 2.5 }
auth: { timeout_seconds: 10 }
`), [])
  })
})

describe("request timeouts", () => {
  // a durable refresh token (YouTube): nothing is lost by giving up on a late answer
  const youtube = (extra: { platform?: number; global?: number }): HeraldConfig => ({
    platforms: {
      youtube: {
        client_id: "ci",
        client_secret: "cs",
        refresh_token: "rt",
        ...(extra.platform === undefined ? {} : { timeout_seconds: extra.platform })
      }
    },
    ...(extra.global === undefined ? {} : { auth: { timeout_seconds: extra.global } })
  })
  const tiktok = (): HeraldConfig => ({ platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "rt" } } })

  /** A platform that never answers: how long until the run gives up, and what it says. */
  const hang = (config: HeraldConfig, giveUpWithin: number, attempts = 4) =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({ config, http: () => ({ hang: true }), keychainUnavailable: "off" })
      const platform = Object.keys(config.platforms ?? {})[0]!
      const fiber = yield* refreshAll(platform, { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer), Effect.fork)
      let waited = 0
      while (fiber.unsafePoll() === null && waited < 1200) {
        yield* TestClock.adjust("1 second")
        waited++
      }
      const report = yield* Fiber.join(fiber)
      assert.isAtMost(waited, giveUpWithin)
      assert.strictEqual(world.seen.length, attempts, attempts === 4 ? "one attempt and three retries, each with its own timeout" : "attempts")
      return { report, waited }
    })

  it.effect("every platform call times out after 30 s by default", () =>
    Effect.gen(function*() {
      const { report, waited } = yield* hang(youtube({}), 4 * 30 + 10)
      assert.isAtLeast(waited, 4 * 30)
      assert.strictEqual(report.statuses[0]!.action, "failed")
      assert.include(report.statuses[0]!.detail, "no answer within 30s (after 4 attempts)")
    }))

  it.effect("a single-use token's answer is waited for 4× as long, and a lost one is said to be lost, not revoked", () =>
    Effect.gen(function*() {
      const { report, waited } = yield* hang(tiktok(), 120 + 10, 1)
      assert.isAtLeast(waited, 120)
      assert.strictEqual(report.statuses[0]!.action, "failed")
      assert.include(report.statuses[0]!.detail, "the answer to the refresh was lost (no answer within 2m)")
      assert.notInclude(report.statuses[0]!.detail, "the stored token was not changed")
    }))

  it.effect("auth.timeout_seconds sets it for every platform; a platform's own timeout_seconds wins", () =>
    Effect.gen(function*() {
      const global = yield* hang(youtube({ global: 5 }), 4 * 5 + 10)
      assert.include(global.report.statuses[0]!.detail, "no answer within 5s")
      const own = yield* hang(youtube({ global: 5, platform: 2 }), 4 * 2 + 10)
      assert.include(own.report.statuses[0]!.detail, "no answer within 2s")
    }))

  it.effect("GitLab write-back takes auth.timeout_seconds too", () =>
    Effect.gen(function*() {
      const memory = makeMemoryHttp(() => ({ hang: true }))
      const app = ConfigFile.fromValue({ auth: { timeout_seconds: 3, writeback: { backend: "gitlab", gitlab: { project: "g/b", api_url: "https://gitlab.example.com/api/v4" } } } })
      const writeBack = yield* WriteBack.pipe(
        Effect.provide(GitLab.layer.pipe(Layer.provide(Layer.mergeAll(app, memory.layer, ScrubberRegistry.layer, CatalogLive)))),
        Effect.withConfigProvider(ConfigProvider.fromJson({ GITLAB_TOKEN: "SENTINEL-glpat" }))
      )
      const fiber = yield* writeBack.preflight(connection("tiktok"), ["refresh_token"]).pipe(Effect.flip, Effect.fork)
      yield* TestClock.adjust("60 seconds")
      const error = yield* Fiber.join(fiber)
      assert.include(error.reason, "no answer within 3s")
    }))
})
