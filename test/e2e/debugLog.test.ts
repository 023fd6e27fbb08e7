/**
 * Issue 19, part 5: `--log-level debug` shows each HTTP attempt — method, host, path without
 * its query, status, and the wait before a retry — and never a secret; without it, none.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import { assertBuilt, describeRun, makeWorkspace } from "./support/runHerald.js"

assertBuilt()

const REFRESH = "xr-debug-sentinel"
const QUERY_SECRET = "q-debug-sentinel"

/** A token endpoint that is busy (503) once, then refuses the grant (400) for good. */
const flakyTokenEndpoint = async () => {
  let calls = 0
  const server = http.createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      calls++
      if (calls === 1) {
        res.writeHead(503, { "retry-after": "0", "content-type": "application/json" }).end("{}")
      } else {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_request" }))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { port: (server.address() as AddressInfo).port, calls: () => calls, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe("--log-level debug", { timeout: 60_000 }, () => {
  it("names each attempt and each retry's wait, with no query and no secret", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const fake = await flakyTokenEndpoint()
    onTestFinished(() => fake.close())
    await ws.writeConfig(
      `platforms:\n  x:\n    endpoints: { token: "http://127.0.0.1:${fake.port}/2/oauth2/token?key=${QUERY_SECRET}" }\n`
    )
    const env = { X_CLIENT_ID: "cid", X_REFRESH_TOKEN: REFRESH }
    const run = await ws.herald(["auth", "refresh", "--log-level", "debug"], { env })
    expect(run.code, describeRun(run)).toBe(1)
    const lines = run.stderr.split("\n")
    const attempts = lines.filter((l) => l.includes(`HTTP POST 127.0.0.1:${fake.port}/2/oauth2/token → `))
    expect(attempts.map((l) => l.replace(/.*→ (\d+).*/, "$1")), run.stderr).toEqual(["503", "400"])
    expect(lines.filter((l) => /DEBUG .*retry 1 of 3 in \d+ms/.test(l)), run.stderr).toHaveLength(1)
    // each line once, not once per logger
    expect(new Set(attempts).size).toBe(attempts.length)
    for (const secret of [REFRESH, QUERY_SECRET]) expect(run.stdout + run.stderr).not.toContain(secret)

    const quiet = await ws.herald(["auth", "refresh"], { env })
    expect(quiet.stderr).not.toContain("HTTP POST")
  })
})
