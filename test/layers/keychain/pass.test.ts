/**
 * The pass store with real gpg and pass, in a throwaway GNUPGHOME and PASSWORD_STORE_DIR:
 * the keychain reads and writes entries, the write-back refuses (preflight) when the store
 * is unusable, and a real rotation lands in pass and is read back by the next run.
 */
import * as ScrubberRegistry from "../../../src/layers/scrubber/Registry.js"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll } from "vitest"
import type { HeraldConfig } from "../../../src/domain/Config.js"
import * as ConfigFile from "../../../src/layers/config/ConfigFile.js"
import * as Pass from "../../../src/layers/keychain/Pass.js"
import { SecretsLive } from "../../../src/layers/secrets/SecretsLive.js"
import * as PassWriteBack from "../../../src/layers/writeback/Pass.js"
import { RefreshersLive } from "../../../src/platforms/refreshers.js"
import { refreshAll } from "../../../src/programs/refreshAll.js"
import { type ConfigEdit, ConfigStore } from "../../../src/services/ConfigStore.js"
import { Journal } from "../../../src/services/Journal.js"
import { Keychain } from "../../../src/services/Keychain.js"
import { Notifier } from "../../../src/services/Notifier.js"
import { RunLock } from "../../../src/services/RunLock.js"
import { WriteBack } from "../../../src/services/WriteBack.js"
import { connection } from "../../support/connections.js"
import { json } from "../../support/memoryHttp.js"
import { makeMemoryHttp } from "../../support/memoryHttp.js"
import { makePassStore, passMissing, type PassStore } from "../../support/passStore.js"

const missing = passMissing()
if (missing !== undefined) console.warn(`skipping the pass integration tests: ${missing}`)

const withEnv = (env: Readonly<Record<string, string>>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

const keychainFor = (env: Readonly<Record<string, string>>, options: Pass.PassOptions = {}) =>
  Pass.layer(options).pipe(Layer.provide(withEnv(env)))

describe.skipIf(missing !== undefined)("pass", () => {
  let store: PassStore
  let bare: PassStore
  beforeAll(() => {
    store = makePassStore()
    bare = makePassStore({ initialise: false })
  })
  afterAll(() => {
    store?.close()
    bare?.close()
  })

  it.live("reads and writes entries under the prefix; a missing entry is none", () =>
    Effect.gen(function*() {
      const keychain = yield* Keychain
      yield* keychain.check
      yield* keychain.set("tiktok:brand/refresh_token", Redacted.make("sentinel-rt"))
      assert.strictEqual(store.show("herald/tiktok:brand/refresh_token"), "sentinel-rt")
      store.insert("herald/x/access_token", "sentinel-at")
      assert.strictEqual(Option.map(yield* keychain.get("x/access_token"), Redacted.value).pipe(Option.getOrUndefined), "sentinel-at")
      assert.isTrue(Option.isNone(yield* keychain.get("x/refresh_token")))
      assert.strictEqual(keychain.describe?.("x/refresh_token"), "pass herald/x/refresh_token")
    }).pipe(Effect.provide(keychainFor(store.env))))

  it.live("values are byte-exact: every line of a multi-line value, leading spaces and a trailing newline survive", () =>
    Effect.gen(function*() {
      const keychain = yield* Keychain
      const values = ["sentinel-line1\nsentinel-line2", "  sentinel-spaced  ", "sentinel-ends-with-newline\n", "a\n\nb\r\nc"]
      for (const [i, value] of values.entries()) {
        yield* keychain.set(`exact${i}/refresh_token`, Redacted.make(value))
        assert.strictEqual(store.show(`herald/exact${i}/refresh_token`), value, "pass holds the whole value")
        const back = Option.map(yield* keychain.get(`exact${i}/refresh_token`), Redacted.value).pipe(Option.getOrUndefined)
        assert.strictEqual(back, value)
      }
      // an entry a person inserted with pass insert --multiline reads back whole too
      store.insert("herald/byhand/refresh_token", "sentinel-hand-1\nsentinel-hand-2")
      const byHand = Option.map(yield* keychain.get("byhand/refresh_token"), Redacted.value).pipe(Option.getOrUndefined)
      assert.strictEqual(byHand, "sentinel-hand-1\nsentinel-hand-2")
    }).pipe(Effect.provide(keychainFor(store.env))))

  it.live("remove deletes an entry; removing one that is not there is fine", () =>
    Effect.gen(function*() {
      const keychain = yield* Keychain
      store.insert("herald/gone/refresh_token", "sentinel-rt-gone")
      yield* keychain.remove("gone/refresh_token")
      assert.isUndefined(store.show("herald/gone/refresh_token"))
      assert.isTrue(Option.isNone(yield* keychain.get("gone/refresh_token")))
      yield* keychain.remove("gone/refresh_token")
    }).pipe(Effect.provide(keychainFor(store.env))))

  it.live("an uninitialised store, or no pass at all, is unusable and says why", () =>
    Effect.gen(function*() {
      const uninitialised = yield* Effect.flip(Effect.flatMap(Keychain, (k) => k.check).pipe(Effect.provide(keychainFor(bare.env))))
      assert.include(uninitialised.reason, `the password store ${bare.storeDir} is not initialised: run pass init <gpg-key-id>`)
      const noPass = yield* Effect.flip(
        Effect.flatMap(Keychain, (k) => k.check).pipe(Effect.provide(keychainFor(store.env, { pass: "/nonexistent/pass" })))
      )
      assert.include(noPass.reason, "/nonexistent/pass not found")
    }))

  it.live("the pass write-back refuses before anything is rotated when the store is unusable; it never falls back to the config file", () =>
    Effect.gen(function*() {
      const edits: Array<ConfigEdit> = []
      const layer = PassWriteBack.layer.pipe(
        Layer.provide(keychainFor(bare.env)),
        Layer.provide(memoryStore(edits))
      )
      const writeBack = yield* WriteBack.pipe(Effect.provide(layer))
      const refused = yield* Effect.flip(writeBack.preflight(connection("x"), ["refresh_token"]))
      assert.strictEqual(refused._tag, "PreflightFailed")
      assert.include(refused.reason, "the pass store cannot take the new token: the password store")
      const failed = yield* Effect.exit(
        writeBack.persist(connection("x"), { secrets: { refresh_token: Redacted.make("sentinel-rt") }, metadata: {} })
      )
      assert.isTrue(Exit.isFailure(failed))
      assert.deepStrictEqual(edits, [])
    }))

  it.live("a real rotation lands in pass and the next run reads it back from there", () =>
    Effect.gen(function*() {
      store.insert("herald/x/refresh_token", "sentinel-rt-1")
      let current = "sentinel-rt-1"
      let issued = 1
      // X's single-use refresh tokens: only the latest works
      const http = makeMemoryHttp((req) => {
        if (req.form["refresh_token"] !== current) {
          return json(400, { error: "invalid_request", error_description: "Value passed for the token was invalid." })
        }
        issued++
        current = `sentinel-rt-${issued}`
        return json(200, { token_type: "bearer", expires_in: 7200, access_token: `sentinel-at-${issued}`, refresh_token: current })
      })
      const config: HeraldConfig = { platforms: { x: { client_id: "cid" } }, auth: { writeback: { backend: "pass" } } }
      const edits: Array<ConfigEdit> = []
      const layer = Layer.mergeAll(RefreshersLive, SecretsLive, PassWriteBack.layer, fixed).pipe(
        Layer.provideMerge(Layer.mergeAll(keychainFor(store.env), memoryStore(edits), http.layer, ScrubberRegistry.layer)),
        Layer.provideMerge(ConfigFile.fromValue(config, "/memory/herald.yaml")),
        Layer.provide(withEnv(store.env))
      )
      for (const n of [2, 3]) {
        const report = yield* refreshAll("x", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer))
        assert.strictEqual(report.statuses[0]!.action, "rotated", report.statuses[0]!.detail)
        assert.include(report.statuses[0]!.detail, "stored in pass herald/x/refresh_token, pass herald/x/access_token")
        assert.strictEqual(store.show("herald/x/refresh_token"), `sentinel-rt-${n}`)
        assert.strictEqual(store.show("herald/x/access_token"), `sentinel-at-${n}`)
      }
      // only expiry metadata reaches the config file
      assert.deepStrictEqual([...new Set(edits.map((e) => e.path.join(".")))], ["platforms.x.access_token_expires_at"])
    }))

  it.live("a multi-line rotated token is sent whole by the next run", () =>
    Effect.gen(function*() {
      const token = (n: number) => `sentinel-ml-rt-${n}\nsecond line ${n}`
      store.insert("herald/x:multi/refresh_token", token(1))
      let current = token(1)
      let issued = 1
      const sent: Array<string> = []
      const http = makeMemoryHttp((req) => {
        sent.push(req.form["refresh_token"] ?? "")
        if (req.form["refresh_token"] !== current) {
          return json(400, { error: "invalid_request", error_description: "Value passed for the token was invalid." })
        }
        issued++
        current = token(issued)
        return json(200, { token_type: "bearer", expires_in: 7200, access_token: `sentinel-ml-at-${issued}`, refresh_token: current })
      })
      const config: HeraldConfig = {
        platforms: { x: { client_id: "cid", accounts: { multi: {} } } },
        auth: { writeback: { backend: "pass" } }
      }
      const layer = Layer.mergeAll(RefreshersLive, SecretsLive, PassWriteBack.layer, fixed).pipe(
        Layer.provideMerge(Layer.mergeAll(keychainFor(store.env), memoryStore([]), http.layer, ScrubberRegistry.layer)),
        Layer.provideMerge(ConfigFile.fromValue(config, "/memory/herald.yaml")),
        Layer.provide(withEnv(store.env))
      )
      for (const n of [2, 3]) {
        const report = yield* refreshAll("x:multi", { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer))
        assert.strictEqual(report.statuses[0]!.action, "rotated", report.statuses[0]!.detail)
        assert.strictEqual(store.show("herald/x:multi/refresh_token"), token(n))
      }
      assert.deepStrictEqual(sent, [token(1), token(2)], "each run sent the whole stored token")
    }))
})

const memoryStore = (edits: Array<ConfigEdit>) =>
  Layer.succeed(ConfigStore, {
    file: "/memory/herald.yaml",
    check: Effect.void,
    apply: (more: ReadonlyArray<ConfigEdit>) => Effect.sync(() => void edits.push(...more))
  })

const fixed = Layer.mergeAll(
  Layer.succeed(RunLock, { acquire: Effect.void }),
  Layer.succeed(Notifier, { name: "none", notify: () => Effect.void }),
  Layer.succeed(Journal, { file: "/memory/journal", record: () => Effect.void, clear: () => Effect.void, pending: Effect.succeed([]) })
)
