/**
 * A platform that quotes the token it was sent in its error text (issue 16 item 2): no
 * secret herald knows reaches the report, the table, the JSON or the alert.
 */
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { renderJson, renderTable } from "../../src/cli/render.js"
import { alertMessage } from "../../src/layers/notifier/message.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { json, type Handler } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

const REFRESH = "SENTINEL-TT-REFRESH-0123456789"
const SECRET = "SENTINEL-TT-CLIENT-SECRET-987"
const NEW_ACCESS = "SENTINEL-X-NEW-ACCESS-555555"
const NEW_REFRESH = "SENTINEL-X-NEW-REFRESH-666666"

const config: HeraldConfig = {
  platforms: {
    tiktok: { client_key: "ck-public", client_secret: SECRET, refresh_token: REFRESH },
    x: { client_id: "cid-public", refresh_token: "SENTINEL-X-OLD-REFRESH-1111" }
  }
}

const echoing: Handler = (req) =>
  req.url.hostname.includes("tiktok")
    ? json(400, {
      error: "invalid_grant",
      error_description: `refresh token value ${REFRESH} is invalid (client ${SECRET}, form ${encodeURIComponent(REFRESH)})`
    })
    : json(200, { token_type: "bearer", expires_in: 7200, access_token: NEW_ACCESS, refresh_token: NEW_REFRESH })

const sentinels = (text: string) => text.match(/SENTINEL[\w-]*/g) ?? []

describe("secrets a platform echoes", () => {
  it.effect("are scrubbed from the status, the table, the JSON and the alert", () =>
    Effect.gen(function*() {
      const { layer, world } = makeWorld({ config, http: echoing })
      const report = yield* refreshAll(undefined, { dryRun: false, concurrency: 2 }).pipe(Effect.provide(layer))
      const tiktok = report.statuses.find((s) => s.platform === "tiktok")!
      assert.strictEqual(tiktok.action, "reauth-required")
      assert.include(tiktok.detail, "refresh token value <redacted> is invalid")
      const shown = [
        renderTable(report),
        renderJson(report),
        ...world.notified.map((r) => alertMessage(r, DateTime.unsafeMake(0)).text),
        ...world.notified.map((r) => JSON.stringify(r))
      ]
      assert.isAbove(world.notified.length, 0)
      for (const text of shown) assert.deepStrictEqual(sentinels(text), [])
    }))
})
