import { startSandbox } from "../../sandbox/index.js"
import { configYaml } from "./support/world.js"
import * as fs from "node:fs/promises"
import { spawn } from "node:child_process"
const sb = await startSandbox({ linkedinDaysLeft: 40 })
const dir = await fs.mkdtemp("/tmp/peek-")
for (const p of [["youtube"]] as const) {
await fs.writeFile(dir + "/herald.yaml", configYaml(sb, p as any))
const t = Date.now()
const r = await new Promise<string>((res) => { const c = spawn("node", ["--import", "/tmp/probe.mjs", "--cpu-prof", "--cpu-prof-dir=/tmp/prof", "dist/herald.js", "auth", "refresh", "--json", "--config", dir + "/herald.yaml"], { env: { PATH: process.env.PATH!, HERALD_KEYCHAIN: "off", XDG_STATE_HOME: dir } }); let o = ""; c.stderr.on("data", d => o += d); c.on("close", (code) => res(code + o)) })
console.log(p, "total", Date.now() - t, r)
}
await sb.close()
