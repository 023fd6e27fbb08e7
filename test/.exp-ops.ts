import * as Effect from "effect/Effect"
import * as Supervisor from "effect/Supervisor"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import { refreshAll } from "../src/programs/refreshAll.js"
import { json } from "./support/memoryHttp.js"
import { makeWorld } from "./support/memoryLayers.js"
const N = Number(process.argv[2] ?? 100)
let ops = 0, starts = 0
const bySpan = new Map<string, number>()
class Counting extends Supervisor.AbstractSupervisor<void> {
  value = Effect.void
  override onStart() { starts++ }
  override onEffect(fiber: any) { ops++; const sp = fiber.currentSpan; const k = sp?.name ?? "(none)"; bySpan.set(k, (bySpan.get(k) ?? 0) + 1) }
}
const accounts = Object.fromEntries(Array.from({ length: N - 1 }, (_, i) => [`a${i}`, { refresh_token: `r${i}` }]))
for (const n of [1, N]) {
  const acc = n === 1 ? {} : accounts
  const { layer } = makeWorld({ config: { platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "r", accounts: acc } } }, http: () => json(200, { access_token: `a`, expires_in: 7200, refresh_token: `new`, refresh_expires_in: 15_552_000 }), keychainUnavailable: "off" })
  ops = 0; starts = 0
  await Effect.runPromise(refreshAll("tiktok", { dryRun: false, concurrency: 64 }).pipe(Effect.provide(layer), Effect.supervised(new Counting()), Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))))
  console.log("connections", n, "ops", ops, "fibers", starts)
  console.log([...bySpan].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${(v / n).toFixed(0)} ${k}`).join("\n")); bySpan.clear()
}
