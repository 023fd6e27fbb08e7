/**
 * `auth.alerts.backend: webhook`: one JSON POST per run to Slack, Discord, Teams
 * (Workflows) or any endpoint that takes the generic JSON (PROVIDERS §9).
 *
 * The URL is a credential (Slack's path, Discord's token, Teams' `sig=`), so it stays
 * `Redacted`, is unwrapped only to build the request, and never reaches a message, a
 * span or a log: failures are described from the status code alone.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { afterAttempts, type Answer, exchange, isBusy, type Unanswered, waitsTooLong } from "../../http/exchange.js"
import { defaultRetryPolicy, type RetryPolicy } from "../../http/retry.js"
import { connectionLabel, type PlatformId } from "../../domain/Platform.js"
import { type Report, Status } from "../../domain/Status.js"
import { type AlertNotice, Notifier, NotifyFailed } from "../../services/Notifier.js"
import { type AlertMessage, type AlertOrigin, capitalised, eventWords, isTestReport, messageFor } from "./message.js"
import { Url } from "../../domain/Config.js"
import { secretUrlTransportIssue } from "../../domain/net.js"

export const name = "webhook"

export { defaultRetryPolicy, type RetryPolicy }

export type WebhookFormat = "slack" | "discord" | "teams" | "generic"

/** `auth.alerts.webhook` in the config file. */
export const configSection = Schema.Struct({
  url: Schema.optional(Url),
  format: Schema.optional(Schema.Literal("slack", "discord", "teams", "generic"))
})
export type ConfigSection = typeof configSection.Type

/** Pure: DESIGN §2 rule 8 for the URL, said without quoting it (its path is a credential). */
export const configIssues = (section: ConfigSection): ReadonlyArray<string> => {
  const t = section.url === undefined ? undefined : secretUrlTransportIssue(section.url)
  return t === undefined ? [] : [`url: ${t}`]
}

export interface WebhookSettings {
  readonly url: Redacted.Redacted<string>
  /** detected from the URL's host when omitted */
  readonly format?: WebhookFormat
  readonly retry?: RetryPolicy
  /** per attempt */
  readonly timeout?: Duration.DurationInput
  /** the host and config file every message names */
  readonly origin?: AlertOrigin
}

// ---- format ------------------------------------------------------------------------------

const formatHosts: ReadonlyArray<readonly [WebhookFormat, ReadonlyArray<string>]> = [
  ["slack", ["hooks.slack.com"]],
  ["discord", ["discord.com", "discordapp.com"]],
  // Workflows (Power Automate) URLs, plus the retiring Office 365 connectors
  ["teams", ["logic.azure.com", "api.powerautomate.com", "api.powerplatform.com", "flow.microsoft.com", "webhook.office.com"]]
]

const onDomain = (host: string, domain: string): boolean => host === domain || host.endsWith(`.${domain}`)

/** Slack, Discord and Teams by their hosts; anything else gets the generic JSON. */
export const detectFormat = (url: string): WebhookFormat => {
  if (!URL.canParse(url)) return "generic"
  const host = new URL(url).hostname.toLowerCase()
  for (const [format, domains] of formatHosts) {
    if (domains.some((d) => onDomain(host, d))) return format
  }
  return "generic"
}

// ---- payloads ----------------------------------------------------------------------------

export const DISCORD_MAX_CONTENT = 2000

/** Discord rejects longer content outright; a cut message beats no message. */
export const truncate = (text: string, max: number): string => {
  if (text.length <= max) return text
  const marker = "\n… (cut short; the run's report lists every connection)"
  let cut = text.slice(0, max - marker.length)
  // end on a whole line, and never on half a surrogate pair
  const nl = cut.lastIndexOf("\n")
  if (nl > max / 2) cut = cut.slice(0, nl)
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1)
  return cut + marker
}

/** Slack reads `&`, `<` and `>` as markup (links, mentions) in `text`. */
const slackEscape = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const textBlock = (text: string, extra: Record<string, unknown> = {}) => ({ type: "TextBlock", text, wrap: true, ...extra })

const adaptiveCard = (message: AlertMessage) => ({
  type: "message",
  attachments: [{
    contentType: "application/vnd.microsoft.card.adaptive",
    contentUrl: null,
    content: {
      $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
      type: "AdaptiveCard",
      version: "1.4",
      body: [
        textBlock(message.subject, { weight: "Bolder", size: "Medium" }),
        ...(message.entries.length === 0
          ? message.lines.map((l) => textBlock(l))
          : message.entries.flatMap((e) => [
            textBlock(`${capitalised(eventWords[e.event])}: ${e.label} (${e.action})`, { weight: "Bolder", spacing: "Medium" }),
            textBlock(e.detail),
            ...(e.by === undefined && e.command === undefined ? [] : [{
              type: "FactSet",
              facts: [
                ...(e.by === undefined ? [] : [{ title: "By", value: e.by }]),
                ...(e.command === undefined ? [] : [{ title: "Run", value: e.command }])
              ]
            }])
          ])),
        ...(message.footer === undefined ? [] : [textBlock(message.footer, { isSubtle: true, size: "Small", spacing: "Medium" })])
      ]
    }
  }]
})

const encodeStatuses = Schema.encodeSync(Schema.Array(Status))

/** The body for each format. Generic is the JSON report cut down to what this message tells. */
export const payloadFor = (
  format: WebhookFormat,
  message: AlertMessage,
  report: Report,
  notice?: AlertNotice,
  origin?: AlertOrigin
): unknown => {
  switch (format) {
    case "slack":
      return { text: slackEscape(message.text) }
    case "discord":
      // parse: [] so an "@everyone" in any text can never ping a whole server
      return { content: truncate(message.text, DISCORD_MAX_CONTENT), allowed_mentions: { parse: [] } }
    case "teams":
      return adaptiveCard(message)
    case "generic": {
      const test = isTestReport(report, notice)
      const told = new Set(message.entries.map((e) => e.label))
      // the Schema encode keeps exactly the report's fields, whatever else a status carries
      const statuses = encodeStatuses(
        report.statuses.filter((s) => told.has(connectionLabel({ platform: s.platform as PlatformId, account: s.account })))
      )
      return {
        source: "herald",
        test,
        event: test ? "test" : message.event,
        events: message.entries.map((e) => ({ event: e.event, connection: e.label, action: e.action })),
        subject: message.subject,
        text: message.text,
        dryRun: report.dryRun,
        attention: message.entries.filter((e) => e.event !== "recovery").length,
        statuses,
        ...(origin === undefined ? {} : { host: origin.host, config: origin.config })
      }
    }
  }
}

// ---- sending -----------------------------------------------------------------------------

interface Failure {
  readonly transient: boolean
  readonly reason: string
  readonly retryAfter?: Duration.Duration | undefined
}

const failure = (transient: boolean, reason: string, retryAfter?: Duration.Duration): Failure =>
  retryAfter === undefined ? { transient, reason } : { transient, reason, retryAfter }

const unanswered = (why: Unanswered): Failure => {
  if (why._tag === "Refused") return failure(false, "the webhook URL must be https (plain http only to loopback hosts)")
  if (why.error?._tag === "RequestError" && why.error.reason === "InvalidUrl") {
    return failure(false, "the webhook URL is not a valid URL")
  }
  return failure(true, why.reason)
}

/** Discord's body says exactly how long to wait, in float seconds; prefer it to the header. */
const discordRetryAfter = (body: unknown): Duration.Duration | undefined => {
  const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["retry_after"] : undefined
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Duration.millis(Math.ceil(value * 1000)) : undefined
}

/** Slack's errors are bare codes such as `channel_not_found`: safe and useful to show. Nothing else is echoed. */
const slackCode = (text: string): string => {
  const t = text.trim()
  return /^[a-z_]{1,40}$/.test(t) ? ` (${t})` : ""
}

const permanentReason = (format: WebhookFormat, status: number, text: string): string => {
  const code = format === "slack" ? slackCode(text) : ""
  const what = `the webhook answered HTTP ${status}${code}`
  switch (status) {
    case 404:
    case 410:
      return format === "discord"
        ? `${what}: the webhook was deleted; replace it (not retried: Discord restricts callers of deleted webhooks)`
        : `${what}: the webhook no longer exists; replace it`
    case 401:
    case 403:
      return `${what}: the webhook refused herald; check the URL`
    default:
      return `${what}: it refused the message`
  }
}

/** The webhook's answer: taken (2xx), not now (429, 5xx: retried), or refused. */
const classify = (format: WebhookFormat) => (answer: Answer): Effect.Effect<void, Failure> => {
  const status = answer.status
  if (status >= 200 && status < 300) return Effect.void
  if (isBusy(status)) {
    const retryAfter = (format === "discord" ? discordRetryAfter(answer.body) : undefined) ?? answer.retryAfter
    const what = status === 429 ? "the webhook is rate limiting herald (HTTP 429)" : `the webhook answered HTTP ${status}`
    return Effect.fail(failure(true, what, retryAfter))
  }
  return Effect.fail(failure(false, permanentReason(format, status, answer.text)))
}

/** Exponential backoff with jitter, at most `retries` times, never sooner than the server asks. */
export const layer = (settings: WebhookSettings): Layer.Layer<Notifier, never, HttpClient.HttpClient> =>
  Layer.effect(
    Notifier,
    Effect.gen(function*() {
      // the exchange's guards record no span (spans record the full URL), and without a span
      // no trace headers go to Slack or Discord either
      const client = yield* HttpClient.HttpClient
      const format = settings.format ?? detectFormat(Redacted.value(settings.url))
      const policy = settings.retry ?? defaultRetryPolicy
      const timeout = Duration.decode(settings.timeout ?? Duration.seconds(10))

      const notify = Effect.fn("Notifier.notify")(function*(report: Report, notice?: AlertNotice) {
        const now = yield* DateTime.now
        const message = messageFor(report, now, notice, settings.origin)
        const request = HttpClientRequest.post(Redacted.value(settings.url)).pipe(
          HttpClientRequest.bodyUnsafeJson(payloadFor(format, message, report, notice, settings.origin))
        )
        yield* exchange(client, request, {
          timeout,
          policy,
          unanswered,
          classify: classify(format),
          retryable: (f: Failure) => f.transient
        }).pipe(
          Effect.mapError(({ attempts, failure: f }) => {
            const tooLong = waitsTooLong(f, policy) ? ` and asked herald to wait ${Duration.format(f.retryAfter!)}` : ""
            return new NotifyFailed({ backend: name, reason: `${f.reason}${tooLong}${afterAttempts(attempts)}` })
          })
        )
      })

      return { name, notify }
    })
  )
