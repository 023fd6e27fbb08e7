import * as Effect from "effect/Effect"
import * as Supervisor from "effect/Supervisor"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import { Refreshers } from "../src/services/Refreshers.js"
import { Secrets } from "../src/services/Secrets.js"
import { WriteBack } from "../src/services/WriteBack.js"
import { AppConfig } from "../src/services/AppConfig.js"
import { persistOutcome } from "../src/programs/refreshOne.js"
import { nowUtc } from "../src/programs/statusOfError.js"
import { json } from "./support/memoryHttp.js"
import { makeWorld } from "./support/memoryLayers.js"
let ops = 0
class Counting extends Supervisor.AbstractSupervisor<void> {
  value = Effect.void
  override onEffect() { ops++ }
}
const count = <A, E, R>(name: string, eff: Effect.Effect<A, E, R>) => Effect.suspend(() => { const o = ops; return Effect.tap(eff, () => Effect.sync(() => console.log(name, ops - o))) })
const { layer } = makeWorld({ config: { platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "r" } } }, http: () => json(200, { access_token: `a`, expires_in: 7200, refresh_token: `new`, refresh_expires_in: 15_552_000 }), keychainUnavailable: "off" })
const prog = Effect.gen(function*() {
  const app = yield* AppConfig
  const connection = app.connections[0]!
  const refresher = (yield* Refreshers).get(connection.platform)
  const writeBack = yield* WriteBack
  for (let k = 0; k < 2; k++) {
    const secrets = yield* count("lookup", (yield* Secrets).lookup(connection, refresher.secretKeys))
    const now = yield* count("now", nowUtc)
    const ctx = { connection, secrets, now }
    const plan = yield* count("plan", refresher.plan(ctx))
    if (plan._tag !== "Call") throw new Error("no call")
    yield* count("preflight", writeBack.preflight(connection, plan.writes))
    const outcome = yield* count("execute", refresher.execute(ctx, plan))
    yield* count("persist", persistOutcome(connection, outcome))
  }
})
await Effect.runPromise(prog.pipe(Effect.provide(layer), Effect.supervised(new Counting()), Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))))
