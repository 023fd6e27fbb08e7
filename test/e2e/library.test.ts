/**
 * Issue 2's acceptance, part 10: herald embedded as a library. An Effect program builds its
 * own layer from the pieces `src/index.ts` exports — config from a value, an in-memory
 * keychain, real journal and lock files in a temp dir, a collecting notifier, the live
 * refreshers over FetchHttpClient — and runs `refreshAll("tiktok")` against the TikTok fake.
 */
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { DAY } from "../../sandbox/fakes/server.js"
import { startTikTokFake, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import {
  ConfigFile,
  ConfigStore,
  type HeraldConfig,
  Journal,
  JournalFile,
  Keychain,
  KeychainMemory,
  LocalWriteBack,
  LockFile,
  Notifier,
  refreshAll,
  RefreshersLive,
  type Report,
  SecretsLive
} from "../../src/index.js"

type ConfigEdit = Parameters<ConfigStore["Type"]["apply"]>[0][number]

const CONFIG_FILE = "/embedded/herald.yaml"

/** The fake, on an ephemeral port, for the life of the test's scope. */
const tiktokFake = Effect.acquireRelease(
  Effect.promise(() => startTikTokFake({ clientKey: "lib-client-key", clientSecret: "lib-client-secret" })),
  (fake) => Effect.promise(() => fake.close())
)

const stateDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(tmpdir(), "herald-lib-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

/** Everything the embedding app can see afterwards. */
interface Embedded {
  readonly keychain: Ref.Ref<Map<string, string>>
  readonly edits: Array<ConfigEdit>
  readonly notified: Array<Report>
}

const embed = (fake: TikTokFake, state: string, seed: string) =>
  Effect.gen(function*() {
    const config: HeraldConfig = {
      platforms: {
        tiktok: {
          client_key: "lib-client-key",
          endpoints: { token: fake.url("/v2/oauth/token/"), health: fake.url("/v2/user/info/") }
        }
      }
    }
    // the app keeps its secrets in its own store; herald reads and writes them through the Keychain port
    const memory = yield* KeychainMemory.make({ "tiktok/client_secret": "lib-client-secret", "tiktok/refresh_token": seed })
    const embedded: Embedded = { keychain: memory.store, edits: [], notified: [] }

    const configStore = Layer.succeed(ConfigStore, {
      file: CONFIG_FILE,
      check: Effect.void,
      apply: (edits) => Effect.sync(() => void embedded.edits.push(...edits))
    })
    const notifier = Layer.succeed(Notifier, {
      name: "collecting",
      notify: (report) => Effect.sync(() => void embedded.notified.push(report))
    })

    const layer = Layer.mergeAll(RefreshersLive, SecretsLive, LocalWriteBack.layer, JournalFile.layer, LockFile.layer, notifier).pipe(
      Layer.provideMerge(Layer.mergeAll(configStore, Layer.succeed(Keychain, memory.service), FetchHttpClient.layer, ScrubberRegistry.layer)),
      Layer.provideMerge(ConfigFile.fromValue(config, CONFIG_FILE)),
      // the app's own configuration, not the process environment: state files go to the temp dir
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["XDG_STATE_HOME", state]]))))
    )
    return { embedded, layer }
  })

describe("herald as a library", () => {
  it.scopedLive("refreshAll(\"tiktok\") rotates, stores the new token through the app's keychain, and reports", () =>
    Effect.gen(function*() {
      const fake = yield* tiktokFake
      const state = yield* stateDir
      const seed = fake.issueRefreshToken("lib-refresh-seed", { expiresAt: Date.now() + 180 * DAY })
      const { embedded, layer } = yield* embed(fake, state, seed)

      const { report, pending } = yield* Effect.gen(function*() {
        const report = yield* refreshAll("tiktok", { dryRun: false, concurrency: 4 })
        const pending = yield* (yield* Journal).pending
        return { report, pending }
      }).pipe(Effect.provide(layer))

      assert.strictEqual(report.dryRun, false)
      assert.strictEqual(report.attention, 0)
      assert.strictEqual(report.statuses.length, 1)
      const status = report.statuses[0]!
      assert.deepStrictEqual([status.platform, status.account, status.action, status.alert], ["tiktok", "default", "rotated", false])
      assert.strictEqual(fake.counters.rotations, 1)

      // the new refresh token is in the app's store, and it is the one the platform honours
      const stored = (yield* Ref.get(embedded.keychain)).get("tiktok/refresh_token")
      assert.strictEqual(stored, fake.currentRefreshToken())
      assert.notStrictEqual(stored, seed)
      assert.strictEqual(fake.tokens.get(seed)?.status, "spent")
      // only metadata went to the config store: secrets stay in the keychain
      assert.isTrue(embedded.edits.some((e) => e.path.join(".") === "platforms.tiktok.refresh_token_expires_at"))
      assert.isFalse(embedded.edits.some((e) => e.path.at(-1) === "refresh_token"))
      // nothing needs attention: no alert, and the journal is empty once write-back has the token
      assert.deepStrictEqual(embedded.notified, [])
      assert.deepStrictEqual(pending, [])
      // no secret in the report the app might log
      const text = JSON.stringify(report)
      assert.notInclude(text, String(stored))
      assert.notInclude(text, seed)
    }))

  it.scopedLive("a revoked refresh token: reauth-required, one alert to the app's notifier, nothing stored", () =>
    Effect.gen(function*() {
      const fake = yield* tiktokFake
      const state = yield* stateDir
      const seed = fake.issueRefreshToken("lib-refresh-revoked")
      fake.revoke(seed)
      const { embedded, layer } = yield* embed(fake, state, seed)

      const report = yield* refreshAll(undefined, { dryRun: false, concurrency: 4 }).pipe(Effect.provide(layer))

      assert.strictEqual(report.attention, 1)
      assert.strictEqual(report.statuses[0]?.action, "reauth-required")
      assert.strictEqual(embedded.notified.length, 1)
      assert.strictEqual(embedded.notified[0]?.statuses[0]?.action, "reauth-required")
      assert.strictEqual(report.notification?.backend, "collecting")
      assert.strictEqual((yield* Ref.get(embedded.keychain)).get("tiktok/refresh_token"), seed)
      assert.strictEqual(fake.counters.rotations, 0)
    }))

  it.scopedLive("a dry run calls nothing that rotates and stores nothing", () =>
    Effect.gen(function*() {
      const fake = yield* tiktokFake
      const state = yield* stateDir
      const seed = fake.issueRefreshToken("lib-refresh-dry")
      const { embedded, layer } = yield* embed(fake, state, seed)
      const report = yield* refreshAll("tiktok", { dryRun: true, concurrency: 4 }).pipe(Effect.provide(layer))
      assert.strictEqual(report.dryRun, true)
      assert.strictEqual(report.statuses[0]?.action, "rotated")
      assert.strictEqual(fake.counters.rotations, 0)
      assert.deepStrictEqual(embedded.edits, [])
      assert.strictEqual((yield* Ref.get(embedded.keychain)).get("tiktok/refresh_token"), seed)
    }))
})
