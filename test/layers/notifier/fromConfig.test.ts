import * as ScrubberRegistry from "../../../src/layers/scrubber/Registry.js"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HeraldConfig } from "../../../src/domain/Config.js"
import { ConfigError } from "../../../src/domain/errors.js"
import { makeReport } from "../../../src/domain/Status.js"
import { NotifierFromConfig } from "../../../src/layers/notifier/index.js"
import { AppConfig } from "../../../src/services/AppConfig.js"
import { Notifier } from "../../../src/services/Notifier.js"
import { makeMemoryHttp } from "../../support/memoryHttp.js"

const FILE = "/home/me/.config/herald/config.yaml"

const report = makeReport(false, [
  { platform: "x", account: "brand", action: "failed", alert: true, detail: "HTTP 503 (after 4 attempts)" }
])

/** Builds the notifier from this config and env, sends one report, and says what went out. */
const run = (config: HeraldConfig, env: Record<string, string> = {}) =>
  Effect.gen(function*() {
    const http = makeMemoryHttp(() => ({ status: 200, text: "ok" }))
    const app = Layer.succeed(AppConfig, { file: FILE, exists: true, config, connections: [] })
    const notifier = yield* Effect.gen(function*() {
      const n = yield* Notifier
      yield* n.notify(report)
      return n
    }).pipe(
      Effect.provide(NotifierFromConfig.pipe(Layer.provide(Layer.mergeAll(app, http.layer, ScrubberRegistry.layer)))),
      Effect.withConfigProvider(ConfigProvider.fromJson(env))
    )
    return { name: notifier.name, seen: http.seen }
  })

const configError = (config: HeraldConfig, env: Record<string, string> = {}) =>
  Effect.flip(run(config, env)).pipe(
    Effect.map((e) => (e instanceof ConfigError ? e : assert.fail(`expected ConfigError, got ${String(e)}`)))
  )

describe("NotifierFromConfig", () => {
  it.effect("no alerts section: none, and nothing is sent", () =>
    Effect.gen(function*() {
      const out = yield* run({})
      assert.strictEqual(out.name, "none")
      assert.strictEqual(out.seen.length, 0)
      assert.strictEqual((yield* run({ auth: { alerts: { backend: "none" } } })).name, "none")
      // a webhook block alone does not switch alerts on
      assert.strictEqual((yield* run({ auth: { alerts: { webhook: { url: "https://hooks.slack.com/services/A/B/C" } } } })).name, "none")
    }))

  it.effect("webhook: URL from the file, format detected from the host", () =>
    Effect.gen(function*() {
      const out = yield* run({ auth: { alerts: { backend: "webhook", webhook: { url: "https://hooks.slack.com/services/A/B/C" } } } })
      assert.strictEqual(out.name, "webhook")
      assert.strictEqual(out.seen.length, 1)
      assert.strictEqual(out.seen[0]!.url.href, "https://hooks.slack.com/services/A/B/C")
      assert.deepStrictEqual(Object.keys(JSON.parse(out.seen[0]!.body) as object), ["text"])
    }))

  it.effect("webhook: an explicit format wins over the host", () =>
    Effect.gen(function*() {
      const out = yield* run({
        auth: { alerts: { backend: "webhook", webhook: { url: "https://relay.example.com/hook", format: "discord" } } }
      })
      const body = JSON.parse(out.seen[0]!.body) as Record<string, unknown>
      assert.deepStrictEqual(body["allowed_mentions"], { parse: [] })
    }))

  it.effect("webhook: ALERT_WEBHOOK_URL, which wins over the file", () =>
    Effect.gen(function*() {
      const envOnly = yield* run({ auth: { alerts: { backend: "webhook" } } }, {
        ALERT_WEBHOOK_URL: "https://discord.com/api/webhooks/1/tok"
      })
      assert.strictEqual(envOnly.seen[0]!.url.href, "https://discord.com/api/webhooks/1/tok")
      assert.include(Object.keys(JSON.parse(envOnly.seen[0]!.body) as object), "content")
      const both = yield* run(
        { auth: { alerts: { backend: "webhook", webhook: { url: "https://hooks.slack.com/services/A/B/C" } } } },
        { ALERT_WEBHOOK_URL: "https://example.com/hook" }
      )
      assert.strictEqual(both.seen[0]!.url.href, "https://example.com/hook")
    }))

  it.effect("webhook without a URL: ConfigError naming the key and the file", () =>
    Effect.gen(function*() {
      const error = yield* configError({ auth: { alerts: { backend: "webhook" } } }, { ALERT_WEBHOOK_URL: "" })
      assert.strictEqual(error.file, FILE)
      assert.deepStrictEqual(error.issues, [
        "auth.alerts.webhook.url: required when backend is webhook (or set ALERT_WEBHOOK_URL)"
      ])
      assert.include(error.message, FILE)
    }))

  it.effect("webhook over plain http off loopback is refused without echoing the URL", () =>
    Effect.gen(function*() {
      const error = yield* configError({
        auth: { alerts: { backend: "webhook", webhook: { url: "http://hooks.example.com/secret-path" } } }
      })
      assert.include(error.issues[0]!, "auth.alerts.webhook.url: must be an https URL")
      assert.notInclude(error.message, "secret-path")
      const fromEnv = yield* configError({ auth: { alerts: { backend: "webhook" } } }, { ALERT_WEBHOOK_URL: "not a url tok3n" })
      assert.include(fromEnv.issues[0]!, "ALERT_WEBHOOK_URL")
      assert.notInclude(fromEnv.message, "tok3n")
      // loopback may be plain http (tests, local relays)
      assert.strictEqual(
        (yield* run({ auth: { alerts: { backend: "webhook", webhook: { url: "http://127.0.0.1:9/hook" } } } })).name,
        "webhook"
      )
    }))

  it.effect("email: built from the block; a missing block is a ConfigError", () =>
    Effect.gen(function*() {
      const error = yield* configError({ auth: { alerts: { backend: "email" } } })
      assert.strictEqual(error.file, FILE)
      assert.include(error.issues[0]!, "auth.alerts.email: required when backend is email")
      const noRecipients = yield* configError({
        auth: { alerts: { backend: "email", email: { host: "smtp.example.com", from: "h@example.com", to: [] } } }
      })
      assert.include(noRecipients.issues[0]!, "auth.alerts.email.to")
    }))

  it.effect("email: a username without its password is a ConfigError", () =>
    Effect.gen(function*() {
      const error = yield* configError(
        { auth: { alerts: { backend: "email", email: { host: "smtp.example.com", from: "h@example.com", to: "me@example.com" } } } },
        { ALERT_SMTP_USERNAME: "bot" }
      )
      assert.strictEqual(error.file, FILE)
      assert.include(error.issues[0]!, "ALERT_SMTP_PASSWORD")
    }))

  it.effect("email: selected by backend (the layer connects only when it sends)", () =>
    Effect.gen(function*() {
      const app = Layer.succeed(AppConfig, {
        file: FILE,
        exists: true,
        config: { auth: { alerts: { backend: "email", email: { host: "smtp.example.com", from: "h@example.com", to: "me@example.com" } } } },
        connections: []
      })
      const name = yield* Effect.map(Notifier, (n) => n.name).pipe(
        Effect.provide(NotifierFromConfig.pipe(Layer.provide(Layer.mergeAll(app, makeMemoryHttp(() => ({ status: 500 })).layer, ScrubberRegistry.layer)))),
        Effect.withConfigProvider(ConfigProvider.fromJson({}))
      )
      assert.strictEqual(name, "email")
    }))
})
