import * as Effect from "effect/Effect"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Schema from "effect/Schema"
import { connectionsOf } from "../src/domain/Connection.js"
import { providerCall, classifyOAuthError, NonEmpty } from "../src/platforms/providerCall.js"
import { json, makeMemoryHttp } from "./support/memoryHttp.js"
const N = 1000
const accounts = Object.fromEntries(Array.from({ length: N - 1 }, (_, i) => [`a${i}`, { refresh_token: `r${i}` }]))
const conns = connectionsOf({ platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "r", accounts } } } as never)
const http = makeMemoryHttp(() => json(200, { access_token: "a", expires_in: 7200, refresh_token: "n", refresh_expires_in: 1000 }))
const TokenResponse = Schema.Struct({ access_token: Schema.Redacted(NonEmpty), expires_in: Schema.Number, refresh_token: Schema.optional(Schema.Redacted(NonEmpty)), refresh_expires_in: Schema.optional(Schema.Number) })
const time = async (name: string, eff: Effect.Effect<unknown, unknown, never>) => {
  for (let k = 0; k < 4; k++) {
    const c0 = process.cpuUsage(); await Effect.runPromise(eff); const c = process.cpuUsage(c0)
    console.log(name, "cpu µs/conn", ((c.user + c.system) / N).toFixed(0))
  }
}
const req = HttpClientRequest.post("http://127.0.0.1:1/v2/oauth/token/").pipe(HttpClientRequest.acceptJson, HttpClientRequest.bodyUrlParams({ client_key: "ck", client_secret: "cs", grant_type: "refresh_token", refresh_token: "r" }))
await time("execute only", Effect.gen(function*() { const client = yield* HttpClient.HttpClient; for (const c of conns) { const r = yield* client.execute(req); yield* r.text } }).pipe(Effect.provide(http.layer)))
await time("providerCall", Effect.gen(function*() { const client = yield* HttpClient.HttpClient; for (const c of conns) yield* providerCall(client, { connection: c, request: req, classify: classifyOAuthError(() => false), success: TokenResponse }) }).pipe(Effect.provide(http.layer)))
await time("timeoutFail x2", Effect.gen(function*() { for (const c of conns) { yield* Effect.succeed(c).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => 1 })); yield* Effect.succeed(c).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => 1 })) } }))
await time("decode", Effect.gen(function*() { for (const c of conns) yield* Schema.decodeUnknown(TokenResponse)({ access_token: "a", expires_in: 7200, refresh_token: "n", refresh_expires_in: 1000 }) }))
