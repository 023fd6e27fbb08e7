import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ConfigProvider from "effect/ConfigProvider"
import { connectionsOf } from "../src/domain/Connection.js"
import { Secrets } from "../src/services/Secrets.js"
import { SecretsLive } from "../src/layers/secrets/SecretsLive.js"
import * as ConfigFile from "../src/layers/config/ConfigFile.js"
import * as KeychainMemory from "../src/layers/keychain/Memory.js"
import { Keychain } from "../src/services/Keychain.js"
const N = 1000
const accounts = Object.fromEntries(Array.from({ length: N - 1 }, (_, i) => [`a${i}`, { refresh_token: `r${i}` }]))
const config = { platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "r", accounts } } }
const conns = connectionsOf(config as never)
const kc = Layer.effect(Keychain, Effect.map(KeychainMemory.make({}, { unavailable: "off" }), (m) => m.service))
const layer = SecretsLive.pipe(Layer.provide(Layer.mergeAll(ConfigFile.fromValue(config as never), kc)))
const time = async (name: string, eff: Effect.Effect<unknown, unknown, never>) => {
  for (let k = 0; k < 3; k++) {
    const c0 = process.cpuUsage(); await Effect.runPromise(eff); const c = process.cpuUsage(c0)
    console.log(name, "cpu µs/conn", ((c.user + c.system) / N).toFixed(0))
  }
}
const keys = ["client_key", "client_secret", "access_token", "refresh_token"] as const
await time("lookup(env)", Effect.gen(function*() { const s = yield* Secrets; for (const c of conns) yield* s.lookup(c, keys) }).pipe(Effect.provide(layer)))
await time("lookup(map)", Effect.gen(function*() { const s = yield* Secrets; for (const c of conns) yield* s.lookup(c, keys) }).pipe(Effect.provide(layer), Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))
await time("noop gen", Effect.gen(function*() { for (const c of conns) yield* Effect.gen(function*() { yield* Effect.succeed(c); yield* Effect.sleep(0) }) }))
await time("gen x2 succeed", Effect.gen(function*() { for (const c of conns) yield* Effect.gen(function*() { yield* Effect.succeed(c); yield* Effect.succeed(c) }) }))
await time("gen x2 succeed x100", Effect.gen(function*() { for (const c of conns) for (let i = 0; i < 100; i++) yield* Effect.gen(function*() { yield* Effect.succeed(c); yield* Effect.succeed(c) }) }))
await time("yield None caught", Effect.gen(function*() { for (const c of conns) yield* Effect.orElseSucceed(Effect.flatMap(Effect.succeed(c), () => Option.none()), () => 1) }))
await time("lookup(env) after", Effect.gen(function*() { const s = yield* Secrets; for (const c of conns) yield* s.lookup(c, keys) }).pipe(Effect.provide(layer)))
