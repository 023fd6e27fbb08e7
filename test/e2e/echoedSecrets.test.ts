/**
 * Issue 16 acceptance: "a platform error that echoes the token shows no token anywhere".
 * The built CLI against a loopback TikTok token endpoint that quotes the refresh token and
 * client secret it was sent (raw and URL-encoded), with alerts to a loopback webhook.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, describeRun, makeWorkspace } from "./support/runHerald.js"

beforeAll(assertBuilt)

const REFRESH = "SENTINEL-TT-REFRESH-echoed-0123"
const SECRET = "SENTINEL-TT-CLIENT-SECRET-4567"

const servers: Array<http.Server> = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

const listen = async (handler: http.RequestListener): Promise<string> => {
  const server = http.createServer(handler)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const body = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = ""
    req.on("data", (c) => (text += c))
    req.on("end", () => resolve(text))
  })

const sentinels = (text: string) => [...new Set(text.match(/SENTINEL[\w.-]*/g) ?? [])]

describe("a platform that echoes the secrets it was sent", () => {
  it("shows no token in the table, the JSON, stderr or the alert", async ({ onTestFinished }) => {
    const tiktok = await listen(async (req, res) => {
      const form = new URLSearchParams(await body(req))
      res.writeHead(400, { "content-type": "application/json" })
      res.end(JSON.stringify({
        error: "invalid_grant",
        error_description: `refresh_token ${form.get("refresh_token")} is invalid for client_secret=${encodeURIComponent(form.get("client_secret") ?? "")}`
      }))
    })
    const alerts: Array<string> = []
    const hook = await listen(async (req, res) => {
      alerts.push(await body(req))
      res.writeHead(200).end("ok")
    })
    const ws = await makeWorkspace(onTestFinished)
    await ws.writeConfig([
      "platforms:",
      "  tiktok:",
      "    client_key: ck-public",
      `    client_secret: "${SECRET}"`,
      `    refresh_token: "${REFRESH}"`,
      "    endpoints:",
      `      token: ${tiktok}/v2/oauth/token/`,
      "auth:",
      "  alerts:",
      "    backend: webhook",
      `    webhook: { url: "${hook}/hook", format: generic }`,
      ""
    ].join("\n"), 0o600)

    const json = await ws.herald(["auth", "refresh", "--json"])
    expect(json.code, describeRun(json)).toBe(1)
    const report = JSON.parse(json.stdout) as { statuses: Array<{ action: string; detail: string }> }
    expect(report.statuses[0]!.action).toBe("reauth-required")
    expect(report.statuses[0]!.detail).toContain("refresh_token <redacted> is invalid for client_secret=<redacted>")

    // a fresh runner's state (as CI has it): the platform is asked again and alerted again
    const table = await ws.herald(["auth", "refresh"], { env: { XDG_STATE_HOME: `${ws.dir}/fresh-state` } })
    expect(table.code, describeRun(table)).toBe(1)
    expect(alerts.length).toBe(2)
    expect(alerts.join("\n")).toContain("<redacted>")
    expect(sentinels([json.stdout, json.stderr, table.stdout, table.stderr, ...alerts].join("\n"))).toEqual([])
  })
})
