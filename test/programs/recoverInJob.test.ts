/**
 * `gitlab` mode, one CI job (issue 16 item 7): `auth recover` writes the journalled token to
 * the CI variable, but the job's environment still holds the old one. A later
 * `auth refresh` in the same job must send the recovered token, not spend the old again.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { HeraldConfig } from "../../src/domain/Config.js"
import { refreshAll, replayJournal } from "../../src/programs/refreshAll.js"
import { WriteBack } from "../../src/services/WriteBack.js"
import { json, type Handler } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

const OLD = "SENTINEL-TT-OLD-spent-0000"
const RECOVERED = "SENTINEL-TT-RECOVERED-1111"
const NEXT = "SENTINEL-TT-NEXT-2222"

const config: HeraldConfig = { platforms: { tiktok: { client_key: "ck", client_secret: "cs-SENTINEL" } } }

const tiktok: Handler = (req) =>
  req.form?.["refresh_token"] === RECOVERED
    ? json(200, { access_token: "act-next", expires_in: 86_400, refresh_token: NEXT, refresh_expires_in: 15_552_000 })
    : json(400, { error: "invalid_grant", error_description: "refresh token is invalid" })

/** The CI variables, as a GitLab write-back sees them; the job's environment is `env` below, read at its start. */
const ciVariables = (job: string | undefined) => {
  const variables = new Map<string, string>()
  const layer = Layer.succeed(WriteBack, {
    name: "gitlab",
    shadowedByEnvironment: false,
    ...(job !== undefined ? { staleEnvironment: job } : {}),
    preflight: () => Effect.void,
    persist: (_connection, update) =>
      Effect.sync(() => {
        for (const [key, value] of Object.entries(update.secrets)) variables.set(key, Redacted.value(value!))
        return { where: "GitLab CI/CD variables", warnings: [], storedIn: "gitlab" }
      })
  })
  return { variables, layer }
}

const setup = (job: string | undefined) => {
  const { layer, world } = makeWorld({ config, http: tiktok, env: { TIKTOK_REFRESH_TOKEN: OLD } })
  // an earlier run rotated, and could not write back: the journal holds the new token
  world.journal.set("tiktok", {
    platform: "tiktok",
    account: "default",
    at: "2026-12-01T00:00:00Z",
    secrets: { refresh_token: RECOVERED },
    metadata: {}
  })
  const ci = ciVariables(job)
  // each program is its own process over the same stores and the same (stale) job environment
  const run = <A, E>(program: Effect.Effect<A, E, Layer.Layer.Success<typeof layer>>) =>
    program.pipe(Effect.provide(ci.layer), Effect.provide(layer), Effect.scoped)
  return { world, ci, run }
}

describe("auth recover, then auth refresh, in one CI job", () => {
  it.effect("the refresh uses the recovered token, not the job environment's spent one", () =>
    Effect.gen(function*() {
      const { world, ci, run } = setup("job-4711")
      const recovered = yield* run(replayJournal)
      assert.deepStrictEqual(recovered, ["tiktok: restored from the journal"])
      assert.strictEqual(ci.variables.get("refresh_token"), RECOVERED)
      // kept, marked: this job's environment cannot see what was written
      assert.strictEqual(world.journal.get("tiktok")?.writtenIn, "job-4711")

      const report = yield* run(refreshAll("tiktok", { dryRun: false, concurrency: 1 }))
      const sent = world.seen.map((r) => r.form?.["refresh_token"])
      assert.deepStrictEqual(sent, [RECOVERED])
      assert.strictEqual(report.statuses[0]!.action, "rotated")
      assert.strictEqual(ci.variables.get("refresh_token"), NEXT)

      // and a third run in the same job uses the newest one
      yield* run(refreshAll("tiktok", { dryRun: false, concurrency: 1 }))
      assert.strictEqual(world.seen.at(-1)!.form?.["refresh_token"], NEXT)
    }))
})
