/**
 * The floor under `herald auth refresh all` on this machine: the least any Node tool must
 * do for the same run, in plain Node with no Effect, no checks and no safety — start,
 * parse the config with `yaml`, one keep-alive HTTP POST per connection (CONCURRENCY at
 * once) to its platform's fake, read each answer, then rewrite the config once (fsync +
 * rename; its text unchanged). No journal, no validation, no per-answer write-back, no
 * report.
 *
 *   node scripts/floor.mjs CONFIG CONCURRENCY
 *
 * scripts/bench.ts runs it next to herald, so a figure like "wall / ideal" can be read
 * against what the machine allows at all. It prints the number of answers on stdout.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs"
import * as http from "node:http"
import * as YAML from "yaml"

const [file, width] = [process.argv[2], Number(process.argv[3] ?? 8)]
if (file === undefined || !(width >= 1)) {
  process.stderr.write("usage: node scripts/floor.mjs CONFIG CONCURRENCY\n")
  process.exit(2)
}

const text = readFileSync(file, "utf8")
const doc = YAML.parseDocument(text)
const config = doc.toJS()

// one URL per connection: its platform's first configured endpoint (the fakes answer any path)
const urls = []
for (const section of Object.values(config.platforms ?? {})) {
  const url = Object.values(section.endpoints ?? {})[0]
  if (typeof url !== "string") continue
  for (let i = 0; i < 1 + Object.keys(section.accounts ?? {}).length; i++) urls.push(url)
}

const agent = new http.Agent({ keepAlive: true })
const body = "grant_type=refresh_token&refresh_token=floor-token&client_id=floor-client"
const post = (url) =>
  new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) }
    }, (res) => {
      const chunks = []
      res.on("data", (c) => chunks.push(c))
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })

let next = 0
let answered = 0
await Promise.all(Array.from({ length: Math.min(width, urls.length) }, async () => {
  while (next < urls.length) {
    const url = urls[next++]
    await post(url)
    answered++
  }
}))

const tmp = `${file}.floor.tmp`
const fd = openSync(tmp, "w", 0o600)
writeSync(fd, text)
fsyncSync(fd)
closeSync(fd)
renameSync(tmp, file)
agent.destroy()
process.stdout.write(`${answered}\n`)
