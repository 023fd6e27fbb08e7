/**
 * The notifiers: each name `auth.alerts.backend` may say, with the schema of its own
 * section and how its layer is built; the config schema's `backend` literals and sections
 * are derived from this map, so a new backend is one module in this folder plus one entry
 * here. Everything a backend needs is checked here, at start, so a misconfigured alert
 * fails the run before any token is touched (exit 2) rather than after a rotation.
 */
import * as os from "node:os"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Config from "effect/Config"
import type * as EffectConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type AlertsSection, type BackendDescription, backendDescription } from "../../domain/Config.js"
import { ConfigError } from "../../domain/errors.js"
import { secretUrlTransportIssue } from "../../domain/net.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { Notifier } from "../../services/Notifier.js"
import { Scrubber } from "../../services/Scrubber.js"
import * as Email from "./Email.js"
import type { AlertOrigin } from "./message.js"
import * as None from "./None.js"
import * as Webhook from "./Webhook.js"
import { sectionOf } from "../config/section.js"

interface Selection {
  readonly alerts: AlertsSection
  /** the config file, for error messages */
  readonly file: string
  /** `auth.timeout_seconds`, when set: each request's timeout */
  readonly timeoutSeconds?: number | undefined
  /** this machine and the config file, named in every message */
  readonly origin: AlertOrigin
}

type Build = (selection: Selection) => Effect.Effect<Layer.Layer<Notifier, ConfigError, HttpClient.HttpClient>, ConfigError, Scrubber>

/** Names each missing or invalid key; effect's Config messages never carry a value. */
const issuesOf = (error: EffectConfigError.ConfigError): ReadonlyArray<string> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...issuesOf(error.left), ...issuesOf(error.right)]
    case "MissingData":
    case "InvalidData":
    case "SourceUnavailable":
    case "Unsupported":
      return [error.path.length > 0 ? `${error.path.join(".")}: ${error.message}` : error.message]
  }
}

const fromEffectConfig = (file: string) => (error: EffectConfigError.ConfigError): ConfigError =>
  new ConfigError({ file, issues: issuesOf(error) })

/** DESIGN §2 rule 8: only HTTPS off loopback. The message names the key, never the URL (a credential). */
const checkWebhookUrl = (url: string, key: string): string | undefined => {
  if (!URL.canParse(url)) return `${key}: expected an http(s) URL`
  const protocol = new URL(url).protocol
  if (protocol !== "https:" && protocol !== "http:") return `${key}: must be an https URL (plain http only to loopback hosts)`
  const issue = secretUrlTransportIssue(url)
  return issue === undefined ? undefined : `${key}: ${issue}`
}

const webhook: Build = (selection) =>
  Effect.gen(function*() {
    const { file, origin, timeoutSeconds } = selection
    const section = yield* sectionOf({ config: { auth: { alerts: selection.alerts } }, file }, "alerts", "webhook", Webhook.configSection)
    const fail = (issue: string) => Effect.fail(new ConfigError({ file, issues: [issue] }))
    // like the platforms' secrets, the environment wins over the file: CI keeps the URL in a masked variable
    const fromEnv = yield* Config.option(Config.redacted("ALERT_WEBHOOK_URL")).pipe(
      Effect.mapError(fromEffectConfig(file)),
      Effect.map(Option.filter((r) => Redacted.value(r) !== ""))
    )
    const fromFile = Option.fromNullable(section?.url).pipe(Option.map((u) => Redacted.make(u)))
    const [key, url] = Option.isSome(fromEnv)
      ? ["ALERT_WEBHOOK_URL", fromEnv.value] as const
      : Option.isSome(fromFile)
      ? ["auth.alerts.webhook.url", fromFile.value] as const
      : [undefined, undefined] as const
    if (key === undefined) {
      return yield* fail("auth.alerts.webhook.url: required when backend is webhook (or set ALERT_WEBHOOK_URL)")
    }
    const invalid = checkWebhookUrl(Redacted.value(url), key)
    if (invalid !== undefined) return yield* fail(invalid)
    // a webhook URL is a credential (Slack's and Discord's carry their token in the path)
    yield* (yield* Scrubber).register([url])
    const format = section?.format
    return Webhook.layer({
      url,
      origin,
      ...(format === undefined ? {} : { format }),
      ...(timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(timeoutSeconds) })
    })
  })

const email: Build = ({ alerts, file, origin }) =>
  Effect.flatMap(sectionOf({ config: { auth: { alerts } }, file }, "alerts", "email", Email.configSection), (settings) =>
    emailWith(settings, file, origin))

const emailWith = (settings: Email.ConfigSection | undefined, file: string, origin: AlertOrigin) => {
  const fail = (issue: string) => Effect.fail(new ConfigError({ file, issues: [issue] }))
  if (settings === undefined) {
    return fail("auth.alerts.email: required when backend is email (host, from, to)")
  }
  if (typeof settings.to !== "string" && settings.to.length === 0) {
    return fail("auth.alerts.email.to: needs at least one address")
  }
  const { port, secure, ...rest } = settings
  const explicit: Email.EmailSettings = {
    ...rest,
    origin,
    ...(port === undefined ? {} : { port }),
    ...(secure === undefined ? {} : { secure })
  }
  // the SMTP password is a secret the server's refusal may quote; a bad login is reported by the layer
  const register = Effect.flatMap(Scrubber, (scrubber) =>
    Effect.flatMap(Effect.option(Email.credentials), (login) =>
      scrubber.register(Option.toArray(Option.flatten(login)).flatMap((l) => [l.pass]))))
  return Effect.as(register, Email.layer(explicit).pipe(Layer.mapError(fromEffectConfig(file))))
}

export interface NotifierBackend extends BackendDescription {
  readonly layer: Build
}

export const notifierBackends = {
  none: { schema: undefined, layer: () => Effect.succeed(None.layer) },
  webhook: { ...backendDescription(Webhook.configSection, Webhook.configIssues), layer: webhook },
  email: { ...backendDescription(Email.configSection), layer: email }
} as const satisfies Readonly<Record<string, NotifierBackend>>

const backends: Readonly<Record<string, NotifierBackend>> = notifierBackends

export const NotifierFromConfig: Layer.Layer<Notifier, ConfigError, AppConfig | HttpClient.HttpClient | Scrubber> = Layer
  .unwrapEffect(
    Effect.gen(function*() {
      const app = yield* AppConfig
      const alerts: AlertsSection = app.config.auth?.alerts ?? {}
      return yield* (backends[alerts.backend ?? "none"] ?? notifierBackends.none).layer({
        alerts,
        file: app.file,
        timeoutSeconds: app.config.auth?.timeout_seconds,
        origin: { host: os.hostname(), config: app.file }
      })
    })
  )
