import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { renderDoctorJson, renderDoctorText } from "../../src/cli/renderDoctor.js"
import type { HeraldConfig } from "../../src/domain/Config.js"
import * as ConfigFile from "../../src/layers/config/ConfigFile.js"
import * as KeychainMemory from "../../src/layers/keychain/Memory.js"
import { SecretsLive } from "../../src/layers/secrets/SecretsLive.js"
import { loadPlatform, RefreshersLive } from "../../src/platforms/refreshers.js"
import { registry } from "../../src/platforms/registry.js"
import * as TikTok from "../../src/platforms/tiktok/descriptor.js"
import * as X from "../../src/platforms/x/descriptor.js"
import { doctor, type DoctorFindings, makeDoctorReport } from "../../src/programs/doctor.js"
import { ConfigStore, ConfigWriteError } from "../../src/services/ConfigStore.js"
import { Keychain, KeychainUnavailable } from "../../src/services/Keychain.js"
import { type Handler, json, makeMemoryHttp } from "../support/memoryHttp.js"

// sentinels: none of these may ever appear in doctor's output
const SECRET_ENV = "sentinel-client-secret-from-env-7731"
const SECRET_KEYCHAIN = "sentinel-refresh-token-in-keychain-5520"
const SECRET_FILE = "sentinel-client-key-in-config-9034"

const FILE = "/memory/herald.yaml"

interface Setup {
  readonly config: HeraldConfig
  readonly env?: Record<string, string>
  readonly keychain?: Record<string, string>
  readonly keychainUnavailable?: string
  /** the keychain answers its probe, then fails every read with this reason */
  readonly keychainReadFails?: string
  readonly configWritable?: boolean
  readonly http?: Handler
}

const world = (setup: Setup) => {
  const http = makeMemoryHttp(setup.http ?? (() => json(404, {})))
  const usable = setup.keychainUnavailable === undefined
    ? KeychainMemory.layer(setup.keychain ?? {})
    : KeychainMemory.unavailable(setup.keychainUnavailable)
  const readFails = setup.keychainReadFails
  const keychain = readFails === undefined
    ? usable
    : Layer.effect(
      Keychain,
      Effect.map(Keychain, (k) => ({ ...k, get: () => Effect.fail(new KeychainUnavailable({ reason: readFails })) }))
    ).pipe(Layer.provide(usable))
  const store = Layer.succeed(ConfigStore, {
    file: FILE,
    check: setup.configWritable === false ? Effect.fail(new ConfigWriteError({ file: FILE, reason: "not writable (EACCES)" })) : Effect.void,
    apply: () => Effect.die("doctor never writes")
  })
  const layer = Layer.mergeAll(RefreshersLive, SecretsLive).pipe(
    Layer.provideMerge(Layer.mergeAll(keychain, store, http.layer, ScrubberRegistry.layer)),
    Layer.provideMerge(ConfigFile.fromValue(setup.config, FILE)),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(setup.env ?? {})))))
  )
  return { layer, seen: http.seen }
}

const run = (setup: Setup, online = false) => {
  const w = world(setup)
  return doctor({ online, configFlag: Option.some(FILE) }).pipe(Effect.provide(w.layer), Effect.map((report) => ({ report, seen: w.seen })))
}

const tiktok: HeraldConfig = { platforms: { tiktok: { client_key: SECRET_FILE } } }

describe("makeDoctorReport (pure)", () => {
  const base: DoctorFindings = {
    config: { file: FILE, found: true, via: "--config" },
    keychain: { usable: true, detail: "usable" },
    writeBack: { backend: "local", ok: true, detail: "new secrets go to the OS keychain" },
    notifier: { backend: "none", ok: true, detail: "alerts are off" },
    online: false,
    connections: [{
      platform: "x",
      account: "brand",
      secrets: [
        { key: "client_id", required: true, source: "env", name: "X_CLIENT_ID" },
        { key: "client_secret", required: false, source: "missing", name: "X_BRAND_CLIENT_SECRET", tried: [] },
        { key: "refresh_token", required: true, source: "missing", name: "X_BRAND_REFRESH_TOKEN", tried: [] }
      ],
      endpoints: []
    }]
  }

  it("a missing rotating token under local write-back points to herald auth set/login, never to its variable; a missing optional one is no problem", () => {
    const report = makeDoctorReport(base)
    assert.deepStrictEqual(report.problems, [
      "x:brand: refresh_token is not stored anywhere: run herald auth set x:brand (or herald auth login x:brand); " +
      "not X_BRAND_REFRESH_TOKEN: each run stores a new refresh_token, which that variable would hide"
    ])
    assert.notMatch(renderDoctorText(report), /set X_BRAND_REFRESH_TOKEN/)
  })

  it("where new tokens go to CI variables (gitlab write-back), the variable is the place: named", () => {
    const report = makeDoctorReport({ ...base, writeBack: { backend: "gitlab", ok: true, detail: "new secrets go to the gitlab backend" } })
    assert.deepStrictEqual(report.problems, ["x:brand: refresh_token is not set anywhere (set X_BRAND_REFRESH_TOKEN)"])
  })

  it("a backend that cannot work and an endpoint that does not answer are problems too", () => {
    const report = makeDoctorReport({
      ...base,
      writeBack: { backend: "gitlab", ok: false, detail: "GITLAB_TOKEN is not set" },
      connections: [{
        platform: "tiktok",
        account: "default",
        secrets: [],
        endpoints: [{ name: "token", url: "https://open.tiktokapis.com/v2/oauth/token/", reachable: false, detail: "no answer within 5 s" }]
      }]
    })
    assert.deepStrictEqual(report.problems, [
      "write-back gitlab: GITLAB_TOKEN is not set",
      "tiktok: endpoint token (https://open.tiktokapis.com/v2/oauth/token/) does not answer: no answer within 5 s"
    ])
  })

  it("everything present: no problems, and the text says so", () => {
    const report = makeDoctorReport({ ...base, connections: [] })
    assert.deepStrictEqual(report.problems, [])
    assert.include(renderDoctorText(report), "everything herald needs is in place")
  })
})

describe("doctor", () => {
  it.effect("says where each secret resolves from, by name only, and which are missing", () =>
    Effect.gen(function*() {
      const { report, seen } = yield* run({
        config: tiktok,
        env: { TIKTOK_CLIENT_SECRET: SECRET_ENV },
        keychain: { "tiktok/refresh_token": SECRET_KEYCHAIN }
      })
      const byKey = Object.fromEntries(report.connections[0]!.secrets.map((s) => [s.key, s]))
      assert.deepInclude(byKey["client_key"], { source: "config", name: "platforms.tiktok.client_key", required: true })
      assert.deepInclude(byKey["client_secret"], { source: "env", name: "TIKTOK_CLIENT_SECRET", required: true })
      assert.deepInclude(byKey["refresh_token"], { source: "keychain", name: "tiktok/refresh_token", required: true })
      assert.deepInclude(byKey["access_token"], { source: "missing", required: false })
      assert.deepStrictEqual(report.problems, [])
      assert.deepStrictEqual(report.config, { file: FILE, found: true, via: "--config" })
      assert.strictEqual(seen.length, 0, "offline: no request at all")
      for (const out of [renderDoctorText(report), renderDoctorJson(report)]) {
        for (const secret of [SECRET_ENV, SECRET_KEYCHAIN, SECRET_FILE]) assert.notInclude(out, secret)
      }
    }))

  it.effect("a missing required secret is a problem naming the variable to set", () =>
    Effect.gen(function*() {
      const { report } = yield* run({ config: tiktok, env: { TIKTOK_CLIENT_SECRET: SECRET_ENV } })
      assert.deepStrictEqual(report.problems, [
        "tiktok: refresh_token is not stored anywhere: run herald auth set tiktok (or herald auth login tiktok); " +
        "not TIKTOK_REFRESH_TOKEN: each run stores a new refresh_token, which that variable would hide"
      ])
      const text = renderDoctorText(report)
      assert.match(text, /refresh_token\s+MISSING\s+run herald auth set tiktok/)
      assert.include(text, "keychain herald tiktok/refresh_token")
    }))

  it.effect("a keychain entry that cannot be read is a problem naming the entry, and the other secrets are still found", () =>
    Effect.gen(function*() {
      const { report } = yield* run({
        config: tiktok,
        env: { TIKTOK_CLIENT_SECRET: SECRET_ENV },
        keychain: { "tiktok/refresh_token": SECRET_KEYCHAIN },
        keychainReadFails: "D-Bus timeout"
      })
      const byKey = Object.fromEntries(report.connections[0]!.secrets.map((s) => [s.key, s]))
      assert.deepInclude(byKey["client_secret"], { source: "env", name: "TIKTOK_CLIENT_SECRET" })
      assert.deepInclude(byKey["refresh_token"], { source: "unreadable", name: "keychain herald tiktok/refresh_token", reason: "D-Bus timeout" })
      assert.include(
        report.problems,
        "tiktok: refresh_token could not be read from keychain herald tiktok/refresh_token (D-Bus timeout); a run would not refresh it"
      )
      assert.match(renderDoctorText(report), /refresh_token\s+UNREADABLE\s+keychain herald tiktok\/refresh_token: D-Bus timeout/)
    }))

  it.effect("LinkedIn needs its client credentials only beside a refresh token", () =>
    Effect.gen(function*() {
      const standard = yield* run({ config: { platforms: { linkedin: {} } }, env: { LINKEDIN_ACCESS_TOKEN: SECRET_ENV } })
      assert.deepStrictEqual(standard.report.problems, [])
      const partner = yield* run({ config: { platforms: { linkedin: {} } }, env: { LINKEDIN_REFRESH_TOKEN: SECRET_ENV } })
      assert.deepStrictEqual(partner.report.problems, [
        "linkedin: client_id is not set anywhere (set LINKEDIN_CLIENT_ID)",
        "linkedin: client_secret is not set anywhere (set LINKEDIN_CLIENT_SECRET)"
      ])
    }))

  it.effect("no keychain: local write-back is fine while the config file is writable, and a problem when it is not", () =>
    Effect.gen(function*() {
      const writable = yield* run({ config: {}, keychainUnavailable: "no Secret Service" })
      assert.isFalse(writable.report.keychain.usable)
      assert.strictEqual(writable.report.keychain.detail, "no Secret Service")
      assert.deepInclude(writable.report.writeBack, { backend: "local", ok: true })
      assert.include(writable.report.writeBack.detail, `${FILE} (0600)`)
      assert.deepStrictEqual(writable.report.problems, [])

      const readOnly = yield* run({
        config: tiktok,
        env: { TIKTOK_CLIENT_SECRET: SECRET_ENV, TIKTOK_REFRESH_TOKEN: SECRET_KEYCHAIN },
        keychainUnavailable: "no Secret Service",
        configWritable: false
      })
      assert.isFalse(readOnly.report.writeBack.ok)
      assert.strictEqual(readOnly.report.problems.length, 1)
      assert.include(readOnly.report.problems[0]!, "nowhere to store new secrets")

      // no connection, nothing to store: said, but not a problem
      const empty = yield* run({ config: {}, keychainUnavailable: "no Secret Service", configWritable: false })
      assert.include(empty.report.writeBack.detail, "nowhere to store new secrets")
      assert.deepStrictEqual(empty.report.problems, [])
    }))

  it.effect("a misconfigured write-back or alert backend is reported, not fatal", () =>
    Effect.gen(function*() {
      const { report } = yield* run({
        config: { auth: { writeback: { backend: "gitlab" }, alerts: { backend: "webhook" } } }
      })
      assert.deepInclude(report.writeBack, { backend: "gitlab", ok: false })
      assert.include(report.writeBack.detail, "GITLAB_TOKEN is not set")
      assert.deepInclude(report.notifier, { backend: "webhook", ok: false })
      assert.include(report.notifier.detail, "ALERT_WEBHOOK_URL")
      assert.strictEqual(report.problems.length, 2)
    }))

  it.effect("--online asks each distinct endpoint once with a bare HEAD, and reports the one that does not answer", () =>
    Effect.gen(function*() {
      // every endpoint the platform has, on loopback; `health` on a port where nothing answers
      const overrides = Object.fromEntries(
        Object.keys(TikTok.endpoints).map((name) => [name, `http://127.0.0.1:${name === "health" ? 8 : 9}/${name}?k=v`])
      )
      const { report, seen } = yield* run(
        {
          config: { platforms: { tiktok: { client_key: SECRET_FILE, endpoints: overrides, accounts: { brand: null } } } },
          env: { TIKTOK_CLIENT_SECRET: SECRET_ENV, TIKTOK_REFRESH_TOKEN: SECRET_KEYCHAIN, TIKTOK_BRAND_REFRESH_TOKEN: SECRET_KEYCHAIN },
          http: (req) => (req.url.port === "9" ? json(405, {}) : { network: "refused" })
        },
        true
      )
      // two connections share every URL: each is asked once
      assert.strictEqual(seen.length, Object.keys(TikTok.endpoints).length)
      for (const req of seen) {
        assert.strictEqual(req.method, "HEAD")
        assert.strictEqual(req.body, "")
        assert.isUndefined(req.headers["authorization"])
        for (const secret of [SECRET_ENV, SECRET_KEYCHAIN, SECRET_FILE]) assert.notInclude(JSON.stringify(req.headers) + req.url.href, secret)
      }
      const byName = Object.fromEntries(report.connections[1]!.endpoints.map((e) => [e.name, e]))
      assert.deepStrictEqual(byName["token"], { name: "token", url: "http://127.0.0.1:9/token", reachable: true, detail: "HTTP 405" })
      assert.deepStrictEqual(byName["health"], {
        name: "health",
        url: "http://127.0.0.1:8/health",
        reachable: false,
        detail: "network error (refused)"
      })
      assert.deepStrictEqual(report.problems, [
        "tiktok, tiktok:brand: endpoint health (http://127.0.0.1:8/health) does not answer: network error (refused)"
      ])
    }))

  it.effect("--online: an endpoint that never answers is given up on after the timeout", () =>
    Effect.gen(function*() {
      // x's calls loaded first (a real import, outside TestClock): the clock below must move
      // only once the probe is waiting, whatever the tests before this one loaded
      yield* loadPlatform(registry.find((e) => e.descriptor.id === "x")!)
      const fiber = yield* run(
        {
          config: {
            platforms: { x: { endpoints: Object.fromEntries(Object.keys(X.endpoints).map((name) => [name, `http://127.0.0.1:9/${name}`])) } }
          },
          env: { X_CLIENT_ID: "id", X_REFRESH_TOKEN: SECRET_ENV },
          http: (req) => (req.url.pathname === "/token" ? { hang: true } : json(200, {}))
        },
        true
      ).pipe(Effect.fork)
      yield* TestClock.adjust("6 seconds")
      const { report } = yield* Fiber.join(fiber)
      const byName = Object.fromEntries(report.connections[0]!.endpoints.map((e) => [e.name, [e.reachable, e.detail]]))
      assert.deepStrictEqual(byName["token"], [false, "no answer within 5s"])
      assert.deepStrictEqual(byName["health"], [true, "HTTP 200"])
      assert.deepStrictEqual(report.problems, ["x: endpoint token (http://127.0.0.1:9/token) does not answer: no answer within 5s"])
    }))
})
