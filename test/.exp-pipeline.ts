import * as Effect from "effect/Effect"
import { refreshAll } from "../src/programs/refreshAll.js"
import { json } from "./support/memoryHttp.js"
import { makeWorld } from "./support/memoryLayers.js"
const N = Number(process.argv[2] ?? 1000)
const accounts = Object.fromEntries(Array.from({ length: N - 1 }, (_, i) => [`a${i}`, { refresh_token: `r${i}` }]))
for (let k = 0; k < 3; k++) {
  let n = 0
  const { layer } = makeWorld({ config: { platforms: { tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "r", accounts } } }, http: () => { n++; return json(200, { access_token: `a-${n}`, expires_in: 7200, refresh_token: `new-${n}`, refresh_expires_in: 15_552_000 }) }, keychainUnavailable: "off" })
  const c0 = process.cpuUsage(); const t0 = performance.now()
  const report = await Effect.runPromise(refreshAll("tiktok", { dryRun: false, concurrency: 64 }).pipe(Effect.provide(layer), process.env.NOTRACE ? Effect.withTracerEnabled(false) : (x) => x))
  const c = process.cpuUsage(c0)
  console.log(N, "wall", (performance.now() - t0).toFixed(0), "cpu", ((c.user + c.system) / 1000).toFixed(0), report.statuses.filter(s => s.action === "rotated").length)
}
