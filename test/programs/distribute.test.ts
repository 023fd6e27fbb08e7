/**
 * Distribution inside a run: only what the run stored reaches the .env file, after every
 * connection finished; a failing target alerts (exit 1, one notification) and leaves the
 * stored tokens alone; a dry run distributes nothing.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { afterEach, beforeEach } from "vitest"
import type { DistributeTarget, HeraldConfig } from "../../src/domain/Config.js"
import { renderJson, renderTable } from "../../src/cli/render.js"
import * as Dotenv from "../../src/layers/distribute/Dotenv.js"
import { alertMessage, messageFor } from "../../src/layers/notifier/message.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { type Handler, json } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-distribute-"))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const config: HeraldConfig = {
  platforms: {
    x: { client_id: "cid", refresh_token: "sentinel-rt-1" },
    tiktok: { client_key: "ck", client_secret: "cs", refresh_token: "tt-rt-1" }
  }
}

/** X rotates; TikTok refuses its (dead) refresh token. */
const http: Handler = (req) =>
  req.url.pathname.includes("oauth2")
    ? json(200, { token_type: "bearer", expires_in: 7200, access_token: "sentinel-at-2", refresh_token: "sentinel-rt-2" })
    : json(400, { error: "invalid_grant", error_description: "refresh token expired" })

const run = (targets: ReadonlyArray<DistributeTarget>, dryRun = false, only: HeraldConfig = config) => {
  const { layer, world } = makeWorld({ config: only, http })
  return refreshAll(undefined, { dryRun, concurrency: 4 }).pipe(
    Effect.provide(Dotenv.layer(targets, dir).pipe(Layer.provideMerge(layer))),
    Effect.map((report) => ({ report, world }))
  )
}

const envFile = () => path.join(dir, ".env")

describe("refreshAll with auth.distribute", () => {
  it.live("the run's new secrets reach the file; a connection that failed contributes nothing", () =>
    Effect.gen(function*() {
      fs.writeFileSync(envFile(), "# keep me\nOTHER=1\n")
      const { report, world } = yield* run([{ dotenv: ".env" }])
      assert.strictEqual(fs.readFileSync(envFile(), "utf8"), "# keep me\nOTHER=1\nX_ACCESS_TOKEN=sentinel-at-2\n")
      assert.deepStrictEqual(report.distribution?.map((d) => [d.connections, d.alert]), [[["x"], false]])
      // TikTok's re-auth is the only thing needing attention
      assert.strictEqual(report.attention, 1)
      assert.strictEqual(world.notified.length, 1)
      assert.notInclude(renderJson(report), "sentinel")
      assert.include(renderTable(report), `dotenv ${envFile()}  wrote X_ACCESS_TOKEN`)
    }))

  it.live("a failing command alerts once, is in the table, JSON and alert, and leaves the stored tokens alone", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run([{ dotenv: ".env", connections: ["x"], then: ["sh", "-c", "exit 4"] }])
      assert.strictEqual(world.keychain.get("x/refresh_token"), "sentinel-rt-2")
      assert.strictEqual(report.attention, 2)
      assert.strictEqual(world.notified.length, 1)
      const failed = report.distribution?.[0]
      assert.isTrue(failed?.alert)
      assert.include(failed?.detail, "sh -c 'exit 4' exited with code 4")
      const table = renderTable(report)
      assert.include(table, `dotenv ${envFile()} !  wrote X_ACCESS_TOKEN; sh -c 'exit 4' exited with code 4`)
      assert.include(table, "1 distribution target failed (marked !)")
      const message = alertMessage(world.notified[0]!, DateTime.unsafeMake("2026-01-01T00:00:00Z"))
      assert.include(message.text, `dotenv ${envFile()} (failed): wrote X_ACCESS_TOKEN; sh -c 'exit 4' exited with code 4 — run: sh -c 'exit 4'`)
      assert.notInclude(message.text + renderJson(report), "sentinel")
    }))

  it.live("a failing target alone still alerts, and the alert is not mistaken for a test message", () =>
    Effect.gen(function*() {
      const { report, world } = yield* run([{ dotenv: "missing-dir/.env" }], false, { platforms: { x: config.platforms!.x! } })
      assert.deepStrictEqual(report.statuses.map((s) => [s.action, s.alert]), [["rotated", false]])
      assert.strictEqual(report.attention, 1)
      assert.strictEqual(world.notified.length, 1)
      const message = messageFor(world.notified[0]!, DateTime.unsafeMake("2026-01-01T00:00:00Z"))
      assert.strictEqual(message.subject, "herald: new: 1 distribution target failed")
      assert.include(message.text, "could not write the file (ENOENT); the stored tokens are unchanged — run: herald auth refresh x")
    }))

  it.live("a dry run distributes nothing", () =>
    Effect.gen(function*() {
      const { report } = yield* run([{ dotenv: ".env", then: ["sh", "-c", "exit 4"] }], true)
      assert.isFalse(fs.existsSync(envFile()))
      assert.isUndefined(report.distribution)
    }))
})
