import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import type { Status } from "../../../src/domain/Status.js"
import { makeReport, type Report } from "../../../src/domain/Status.js"
import * as Webhook from "../../../src/layers/notifier/Webhook.js"
import { sendTestAlert } from "../../../src/programs/alertsTest.js"
import { type AlertNotice, Notifier, NotifyFailed } from "../../../src/services/Notifier.js"
import * as NodeHttp from "../../../src/http/NodeHttp.js"
import { makeMemoryHttp } from "../../support/memoryHttp.js"
import { recordingTracer } from "../../support/spans.js"

// ---- a loopback webhook that records what it was sent ----------------------------------

interface Seen {
  readonly method: string
  readonly path: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}
interface Answer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: string
}

const loopback = (answer: (index: number) => Answer) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Http.Server; readonly base: string; readonly seen: Array<Seen> }>((resume) => {
      const seen: Array<Seen> = []
      const server = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          seen.push({
            method: req.method ?? "",
            path: req.url ?? "",
            headers: req.headers,
            body: Buffer.concat(chunks).toString("utf8")
          })
          const a = answer(seen.length - 1)
          res.writeHead(a.status, a.headers)
          res.end(a.body ?? "")
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, base: `http://127.0.0.1:${port}`, seen }))
      })
    }),
    ({ server }) =>
      Effect.async<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

// ---- fixtures ----------------------------------------------------------------------------

const SENTINEL = "SENTINEL-s3cr3t-9f2c"
/** the token part of a webhook URL is a credential too */
const URL_TOKEN = "XyZ-url-token-7731"

const linkedin: Status = {
  platform: "linkedin",
  account: "default",
  action: "reauth-required",
  expiresAt: "2026-12-01T09:00:00Z",
  reauthBy: "2026-12-01T09:00:00Z",
  alert: true,
  detail: "access token expires in 9 days; run herald auth login linkedin"
}
const xBrand: Status = { platform: "x", account: "brand", action: "failed", alert: true, detail: "HTTP 503 (after 4 attempts)" }
const fine: Status = { platform: "tiktok", account: "default", action: "rotated", alert: false, detail: "rotated" }
const report = makeReport(false, [linkedin, fine, xBrand])

const fast: Webhook.RetryPolicy = { retries: 3, base: Duration.millis(10), maxRetryAfter: Duration.seconds(10) }

/** what a real run's environment might hold: never to be sent anywhere */
const secretEnv = ConfigProvider.fromMap(
  new Map([
    ["TIKTOK_REFRESH_TOKEN", SENTINEL],
    ["ALERT_SMTP_PASSWORD", SENTINEL],
    ["ALERT_WEBHOOK_URL", `https://hooks.slack.com/services/${SENTINEL}`]
  ])
)

const notify = (settings: Webhook.WebhookSettings, r: Report = report, notice?: AlertNotice) =>
  Effect.gen(function*() {
    const notifier = yield* Notifier
    return yield* notifier.notify(r, notice)
  }).pipe(
    Effect.provide(Webhook.layer(settings).pipe(Layer.provide(NodeHttp.layer))),
    Effect.withConfigProvider(secretEnv)
  )

const urlOf = (base: string) => Redacted.make(`${base}/api/webhooks/123/${URL_TOKEN}`)

const json = (s: Seen): Record<string, unknown> => JSON.parse(s.body) as Record<string, unknown>

const assertNoSecrets = (seen: ReadonlyArray<Seen>) => {
  for (const s of seen) {
    assert.notInclude(s.body, SENTINEL)
    assert.notInclude(s.body, URL_TOKEN)
    assert.notInclude(JSON.stringify(s.headers), SENTINEL)
  }
}

describe("Webhook notifier", () => {
  it.scopedLive("slack: one POST of {text} with the whole message", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 200, body: "ok" }))
      yield* notify({ url: urlOf(hook.base), format: "slack", retry: fast })
      assert.strictEqual(hook.seen.length, 1)
      const s = hook.seen[0]!
      assert.strictEqual(s.method, "POST")
      assert.strictEqual(s.path, `/api/webhooks/123/${URL_TOKEN}`)
      assert.include(String(s.headers["content-type"]), "application/json")
      const body = json(s)
      assert.deepStrictEqual(Object.keys(body), ["text"])
      const text = String(body["text"])
      assert.isTrue(text.startsWith("herald: new: 2 connections need attention\n"))
      assert.include(text, "New: linkedin (reauth-required)")
      assert.include(text, "by 2026-12-01")
      assert.include(text, "run: herald auth login linkedin")
      // the command once, not once in the detail and again after "run:"
      assert.strictEqual(text.split("herald auth login linkedin").length - 1, 1)
      assert.include(text, "x:brand (failed)")
      assert.notInclude(text, "tiktok")
      assert.isUndefined(s.headers["traceparent"])
      assertNoSecrets(hook.seen)
    }))

  it.scopedLive("slack: markup characters are escaped", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 200, body: "ok" }))
      yield* notify({ url: urlOf(hook.base), format: "slack" }, makeReport(false, [{ ...xBrand, detail: "a <!channel> & b" }]))
      assert.include(String(json(hook.seen[0]!)["text"]), "a &lt;!channel&gt; &amp; b")
    }))

  it.scopedLive("discord: {content ≤ 2000, allowed_mentions: {parse: []}}, answered 204", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 204 }))
      const many = Array.from({ length: 40 }, (_, i): Status => ({
        ...xBrand,
        account: `brand${i}`,
        detail: `@everyone ${"lorem ipsum ".repeat(10)}`
      }))
      yield* notify({ url: urlOf(hook.base), format: "discord", retry: fast }, makeReport(false, many))
      assert.strictEqual(hook.seen.length, 1)
      const body = json(hook.seen[0]!)
      assert.deepStrictEqual(Object.keys(body).sort(), ["allowed_mentions", "content"])
      assert.deepStrictEqual(body["allowed_mentions"], { parse: [] })
      const content = String(body["content"])
      assert.isAtMost(content.length, 2000)
      assert.isTrue(content.startsWith("herald: new: 40 connections need attention"))
      assert.include(content, "cut short")
      assertNoSecrets(hook.seen)
    }))

  it.scopedLive("teams: an Adaptive Card envelope, answered 202", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 202 }))
      yield* notify({ url: urlOf(hook.base), format: "teams", retry: fast })
      assert.strictEqual(hook.seen.length, 1)
      const body = json(hook.seen[0]!) as {
        type: string
        attachments: Array<{ contentType: string; content: { type: string; version: string; body: Array<Record<string, unknown>> } }>
      }
      assert.strictEqual(body.type, "message")
      assert.strictEqual(body.attachments.length, 1)
      const att = body.attachments[0]!
      assert.strictEqual(att.contentType, "application/vnd.microsoft.card.adaptive")
      assert.strictEqual(att.content.type, "AdaptiveCard")
      assert.strictEqual(att.content.version, "1.4")
      assert.strictEqual(att.content.body[0]!["text"], "herald: new: 2 connections need attention")
      const texts = att.content.body.filter((b) => b["type"] === "TextBlock").map((b) => b["text"])
      assert.include(texts, "New: linkedin (reauth-required)")
      assert.include(texts, "New: x:brand (failed)")
      const facts = att.content.body.filter((b) => b["type"] === "FactSet").map((b) => b["facts"])
      // live clock: the days left depend on today
      const [by, run] = facts[0] as [{ title: string; value: string }, { title: string; value: string }]
      assert.strictEqual(by.title, "By")
      assert.match(by.value, /^2026-12-01 \(.+\)$/)
      assert.deepStrictEqual(run, { title: "Run", value: "herald auth login linkedin" })
      assertNoSecrets(hook.seen)
    }))

  it.scopedLive("generic: the report's statuses that need attention", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 200 }))
      yield* notify({ url: urlOf(hook.base), retry: fast })
      const body = json(hook.seen[0]!)
      assert.strictEqual(body["source"], "herald")
      assert.strictEqual(body["test"], false)
      assert.strictEqual(body["subject"], "herald: new: 2 connections need attention")
      assert.strictEqual(body["event"], "alert")
      assert.strictEqual(body["attention"], 2)
      assert.strictEqual(body["dryRun"], false)
      assert.deepStrictEqual(body["statuses"], [linkedin, xBrand])
      assertNoSecrets(hook.seen)
    }))

  it.scopedLive("each format says what happened, and names the host and the config the run used", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 200 }))
      const origin = { host: "build-box-7", config: "/srv/herald/herald.yaml" }
      const healed: Status = { ...xBrand, action: "rotated", alert: false, detail: "rotated; stored in the OS keychain" }
      const notice: AlertNotice = {
        events: [
          { event: "escalation", subject: "linkedin", condition: { subject: "linkedin", kind: "reauth-required", date: linkedin.reauthBy } },
          { event: "recovery", subject: "x:brand", condition: { subject: "x:brand", kind: "failed" } }
        ]
      }
      const r = makeReport(false, [linkedin, fine, healed])
      for (const format of ["generic", "slack", "discord", "teams"] as const) {
        yield* notify({ url: urlOf(hook.base), format, retry: fast, origin }, r, notice)
      }
      const [generic, slack, discord, teams] = hook.seen.map(json)
      assert.strictEqual(generic!["event"], "escalation")
      assert.deepStrictEqual(generic!["events"], [
        { event: "escalation", connection: "linkedin", action: "reauth-required" },
        { event: "recovery", connection: "x:brand", action: "rotated" }
      ])
      assert.strictEqual(generic!["host"], "build-box-7")
      assert.strictEqual(generic!["config"], "/srv/herald/herald.yaml")
      assert.strictEqual(generic!["attention"], 1)
      assert.deepStrictEqual((generic!["statuses"] as Array<Status>).map((s) => s.platform), ["linkedin", "x"])
      for (const text of [String(slack!["text"]), String(discord!["content"]), String(generic!["text"])]) {
        assert.isTrue(text.startsWith("herald: now urgent: 1 connection needs attention; 1 connection working again"), text)
        assert.include(text, "Now urgent: linkedin (reauth-required)")
        assert.include(text, "Fixed: x:brand (rotated): rotated; stored in the OS keychain")
        assert.include(text, "sent by herald on build-box-7 for /srv/herald/herald.yaml")
        assert.notInclude(text, "tiktok")
      }
      const card = JSON.stringify(teams)
      assert.include(card, "Now urgent: linkedin (reauth-required)")
      assert.include(card, "Fixed: x:brand (rotated)")
      assert.include(card, "sent by herald on build-box-7 for /srv/herald/herald.yaml")
      assertNoSecrets(hook.seen)
    }))

  it.scopedLive("429 with Retry-After, then 200: exactly 2 POSTs, waits as asked, succeeds", () =>
    Effect.gen(function*() {
      const hook = yield* loopback((i) => i === 0 ? { status: 429, headers: { "retry-after": "1" }, body: "rate_limited" } : { status: 200, body: "ok" })
      const started = Date.now()
      yield* notify({ url: urlOf(hook.base), format: "slack", retry: fast })
      assert.strictEqual(hook.seen.length, 2)
      assert.isAtLeast(Date.now() - started, 950)
      assert.strictEqual(hook.seen[0]!.body, hook.seen[1]!.body)
    }))

  it.scopedLive("discord 429: honours retry_after (float seconds) from the body", () =>
    Effect.gen(function*() {
      const hook = yield* loopback((i) =>
        i === 0
          ? {
            status: 429,
            headers: { "retry-after": "5", "content-type": "application/json" },
            body: JSON.stringify({ message: "You are being rate limited.", retry_after: 0.3, global: false })
          }
          : { status: 204 }
      )
      const started = Date.now()
      yield* notify({ url: urlOf(hook.base), format: "discord", retry: fast })
      const elapsed = Date.now() - started
      assert.strictEqual(hook.seen.length, 2)
      assert.isAtLeast(elapsed, 280)
      assert.isBelow(elapsed, 4000)
    }))

  it.scopedLive("a Retry-After longer than herald waits fails at once", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 429, headers: { "retry-after": "120" } }))
      const error = yield* Effect.flip(notify({ url: urlOf(hook.base), format: "slack", retry: fast }))
      assert.strictEqual(hook.seen.length, 1)
      assert.include(error.reason, "HTTP 429")
      assert.include(error.reason, "wait 2m")
    }))

  it.scopedLive("discord 404 is permanent: exactly 1 POST, NotifyFailed without the URL", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({
        status: 404,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: `Unknown Webhook ${SENTINEL}`, code: 10015 })
      }))
      const error = yield* Effect.flip(notify({ url: urlOf(hook.base), format: "discord", retry: fast }))
      assert.strictEqual(hook.seen.length, 1)
      assert.instanceOf(error, NotifyFailed)
      assert.strictEqual(error.backend, "webhook")
      assert.include(error.reason, "HTTP 404")
      assert.include(error.reason, "not retried")
      for (const text of [error.reason, error.message, String(error), JSON.stringify(error)]) {
        assert.notInclude(text, URL_TOKEN)
        assert.notInclude(text, hook.base)
        assert.notInclude(text, "127.0.0.1")
        assert.notInclude(text, SENTINEL) // the provider's body is not echoed either
      }
    }))

  it.scopedLive("slack error codes are named; other bodies are not echoed", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 410, body: "channel_is_archived" }))
      const error = yield* Effect.flip(notify({ url: urlOf(hook.base), format: "slack", retry: fast }))
      assert.include(error.reason, "HTTP 410 (channel_is_archived)")
      const other = yield* loopback(() => ({ status: 400, body: `<html>${SENTINEL}</html>` }))
      const error2 = yield* Effect.flip(notify({ url: urlOf(other.base), format: "slack", retry: fast }))
      assert.notInclude(error2.reason, SENTINEL)
      assert.notInclude(error2.reason, "html")
    }))

  it.scopedLive("500 four times: bounded at 4 POSTs (3 retries)", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 500, body: "rollup_error" }))
      const error = yield* Effect.flip(notify({ url: urlOf(hook.base), format: "slack", retry: fast }))
      assert.strictEqual(hook.seen.length, 4)
      assert.include(error.reason, "HTTP 500")
      assert.include(error.reason, "after 4 attempts")
      assert.notInclude(error.reason, URL_TOKEN)
    }))

  it.scopedLive("nobody listening: a network error, retried, without the URL", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 200 }))
      const base = hook.base
      yield* Effect.async<void>((resume) => {
        hook.server.close(() => resume(Effect.void))
      })
      const error = yield* Effect.flip(notify({ url: urlOf(base), format: "generic", retry: fast }))
      assert.include(error.reason, "network error")
      assert.include(error.reason, "after 4 attempts")
      assert.notInclude(error.reason, URL_TOKEN)
      assert.notInclude(error.reason, base)
    }))

  it.effect("over an app's own traced client: no span records the URL (its token) and no trace header goes out", () =>
    Effect.gen(function*() {
      const { spans, tracer: recording } = yield* recordingTracer
      // HttpClient.make traces each request, and propagates the trace, by default
      const http = makeMemoryHttp(() => ({ status: 200 }))
      yield* Effect.gen(function*() {
        const notifier = yield* Notifier
        yield* notifier.notify(report)
      }).pipe(
        Effect.withSpan("the app's own work"),
        Effect.provide(Webhook.layer({ url: urlOf("https://hooks.slack.com/services"), retry: fast }).pipe(Layer.provide(http.layer))),
        Effect.withTracer(recording)
      )
      assert.strictEqual(http.seen.length, 1)
      assert.isUndefined(http.seen[0]!.headers["traceparent"])
      assert.isUndefined(http.seen[0]!.headers["b3"])
      for (const span of spans) assert.notInclude(JSON.stringify([...span.attributes]), URL_TOKEN)
      assert.deepStrictEqual(spans.filter((s) => s.name !== "the app's own work" && s.name !== "Notifier.notify").map((s) => s.name), [])
    }))

  it.effect("a plain-http URL off this machine is never posted to: the message would carry the URL's token in clear", () =>
    Effect.gen(function*() {
      const http = makeMemoryHttp(() => ({ status: 200 }))
      const error = yield* Effect.gen(function*() {
        const notifier = yield* Notifier
        return yield* notifier.notify(report)
      }).pipe(
        Effect.provide(Webhook.layer({ url: Redacted.make(`http://hooks.example.com/${URL_TOKEN}`), retry: fast }).pipe(Layer.provide(http.layer))),
        Effect.flip
      )
      assert.strictEqual(http.seen.length, 0, "nothing was sent")
      assert.include(error.reason, "must be https")
      assert.notInclude(error.reason, URL_TOKEN)
      assert.notInclude(error.reason, "(after")
    }))

  it.scopedLive("alerts test sends the test message", () =>
    Effect.gen(function*() {
      const hook = yield* loopback(() => ({ status: 200 }))
      const said = yield* sendTestAlert.pipe(
        Effect.provide(Webhook.layer({ url: urlOf(hook.base), retry: fast }).pipe(Layer.provide(NodeHttp.layer)))
      )
      assert.strictEqual(said, "sent a test message through the webhook backend")
      assert.strictEqual(hook.seen.length, 1)
      const body = json(hook.seen[0]!)
      assert.strictEqual(body["test"], true)
      assert.strictEqual(body["subject"], "herald: test alert")
      assert.deepStrictEqual(body["statuses"], [])
    }))
})

describe("detectFormat", () => {
  it("knows Slack, Discord and Teams by host; anything else is generic", () => {
    const cases: ReadonlyArray<readonly [string, Webhook.WebhookFormat]> = [
      ["https://hooks.slack.com/services/T0/B0/x", "slack"],
      ["https://discord.com/api/webhooks/1/x", "discord"],
      ["https://ptb.discord.com/api/webhooks/1/x", "discord"],
      ["https://discordapp.com/api/webhooks/1/x", "discord"],
      ["https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x", "teams"],
      ["https://api.powerautomate.com/x", "teams"],
      ["https://default0f.ab.environment.api.powerplatform.com/powerautomate/x", "teams"],
      ["https://flow.microsoft.com/x", "teams"],
      ["https://contoso.webhook.office.com/webhookb2/x", "teams"],
      ["https://example.com/hook", "generic"],
      ["https://hooks.slack.com.evil.example/x", "generic"],
      ["https://notdiscord.com/x", "generic"],
      ["http://127.0.0.1:8080/hook", "generic"],
      ["not a url", "generic"]
    ]
    for (const [url, format] of cases) assert.strictEqual(Webhook.detectFormat(url), format, url)
  })

  it("truncate keeps Discord's limit and whole characters", () => {
    const long = "😀".repeat(1500)
    const cut = Webhook.truncate(long, 2000)
    assert.isAtMost(cut.length, 2000)
    assert.isFalse(/[\uD800-\uDBFF]$/.test(cut.split("\n")[0]!))
    assert.strictEqual(Webhook.truncate("short", 2000), "short")
  })
})
