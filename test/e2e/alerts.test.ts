/**
 * Alerts people keep reading (issue 18), as a new user sees them: the built CLI on a
 * schedule against a loopback webhook. A LinkedIn token 9 days from expiry makes every run
 * exit 1, but only the first posts; renewing it with `auth set` posts one recovery.
 */
import * as fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { storeKey } from "../../src/layers/journal/stateDir.js"
import { assertBuilt, describeRun, makeWorkspace, reportOf, stripAnsi } from "./support/runHerald.js"
import { rfc3339 } from "./support/world.js"

const DAY = 86_400_000
const OLD = "SENTINEL-LI-ACCESS-OLD-5e21"
const NEW = "SENTINEL-LI-ACCESS-NEW-77b0"

interface Post {
  readonly path: string
  readonly body: Record<string, unknown>
}

let server: Http.Server
let base = ""
const posts: Array<Post> = []

beforeAll(async () => {
  assertBuilt()
  server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      posts.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> })
      res.writeHead(200).end("ok")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const config = (hook: string) =>
  [
    "platforms:",
    "  linkedin:",
    `    access_token: ${OLD}`,
    `    access_token_expires_at: ${rfc3339(Date.now() + 9 * DAY + 3_600_000)}`,
    "auth:",
    "  alerts:",
    "    backend: webhook",
    `    webhook: { url: "${base}/${hook}", format: generic }`,
    ""
  ].join("\n")

const postsTo = (hook: string, from: number) => posts.slice(from).filter((p) => p.path === `/${hook}`)

describe("alerts once per change (built CLI, loopback webhook)", () => {
  it("three runs in a row exit 1 and post one alert; after auth set renews the token, one recovery", async () => {
    const ws = await makeWorkspace()
    await ws.writeConfig(config("hook-a"))
    const before = posts.length

    const runs = []
    for (let i = 0; i < 3; i++) runs.push(await ws.herald(["auth", "refresh", "--json"]))
    for (const run of runs) expect(run.code, describeRun(run)).toBe(1)
    const sent = postsTo("hook-a", before)
    expect(sent.length).toBe(1)
    expect(sent[0]!.body["event"]).toBe("alert")
    expect(String(sent[0]!.body["text"])).toMatch(/^herald: new: 1 connection needs attention/)
    expect(sent[0]!.body["config"]).toBe(ws.configPath)
    expect(typeof sent[0]!.body["host"]).toBe("string")
    expect(reportOf(runs[0]!).notification).toMatchObject({ notified: true, sent: ["alert"], held: [] })
    expect(reportOf(runs[2]!).notification).toMatchObject({ notified: false, sent: [], held: ["linkedin: reminder due in 24 h"] })

    // the table says it in one line
    const table = await ws.herald(["auth", "refresh"])
    expect(table.code).toBe(1)
    expect(stripAnsi(table.stdout)).toContain("no alert sent (webhook): nothing new to tell: linkedin: reminder due in 24 h")
    expect(postsTo("hook-a", before).length).toBe(1)

    // what herald remembers: conditions only, 0600
    const memory = path.join(ws.dir, "state", "herald", `alerts-${storeKey(ws.configPath)}.json`)
    expect(fs.statSync(memory).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(memory, "utf8")).toContain('"kind": "reauth-required"')

    const set = await ws.herald(["auth", "set", "linkedin", "--expires-at", "60d"], { stdin: `access_token=${NEW}\n` })
    expect(set.code, describeRun(set)).toBe(0)
    const healthy = await ws.herald(["auth", "refresh", "--json"])
    expect(healthy.code, describeRun(healthy)).toBe(0)
    const after = postsTo("hook-a", before)
    expect(after.length).toBe(2)
    expect(after[1]!.body["event"]).toBe("recovery")
    expect(String(after[1]!.body["text"])).toMatch(/^herald: fixed: linkedin works again/)
    expect(reportOf(healthy).notification).toMatchObject({ notified: true, sent: ["recovery"] })
    const quiet = await ws.herald(["auth", "refresh", "--json"])
    expect(quiet.code).toBe(0)
    expect(postsTo("hook-a", before).length).toBe(2)

    const everything = [...runs, table, set, healthy, quiet].map((r) => r.stdout + r.stderr).join("\n") +
      JSON.stringify(posts) + fs.readFileSync(memory, "utf8")
    expect(everything).not.toContain(OLD)
    expect(everything).not.toContain(NEW)
  })

  it("a dry run posts nothing and remembers nothing; without the state folder (a fresh CI runner) every run alerts", async () => {
    const ws = await makeWorkspace()
    await ws.writeConfig(config("hook-b"))
    const before = posts.length
    const dry = await ws.herald(["auth", "refresh", "--dry-run", "--json"])
    expect(dry.code).toBe(1)
    expect(postsTo("hook-b", before).length).toBe(0)
    expect(fs.existsSync(path.join(ws.dir, "state", "herald"))).toBe(false)

    for (let i = 0; i < 2; i++) {
      const fresh = path.join(ws.dir, `runner-${i}`)
      const run = await ws.herald(["auth", "refresh", "--json"], { env: { XDG_STATE_HOME: fresh } })
      expect(run.code).toBe(1)
    }
    expect(postsTo("hook-b", before).length).toBe(2)

    // HERALD_ALERT_STATE_DIR (a cached folder) keeps the memory across fresh runners
    const cached = path.join(ws.dir, "ci-cache")
    for (let i = 0; i < 2; i++) {
      const run = await ws.herald(["auth", "refresh", "--json"], {
        env: { XDG_STATE_HOME: path.join(ws.dir, `cached-runner-${i}`), HERALD_ALERT_STATE_DIR: cached }
      })
      expect(run.code).toBe(1)
    }
    expect(postsTo("hook-b", before).map((p) => p.body["event"])).toEqual(["alert", "alert", "alert"])
    expect(fs.readdirSync(cached)).toEqual([`alerts-${storeKey(ws.configPath)}.json`])
  })
})
