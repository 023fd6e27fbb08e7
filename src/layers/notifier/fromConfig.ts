/**
 * Picks the Notifier from `auth.alerts.backend` (default `none`). A new backend is one
 * module in this folder plus one entry in `backends` (and its literal in domain/Config).
 * Everything a backend needs is checked here, at start, so a misconfigured alert fails
 * the run before any token is touched (exit 2) rather than after a rotation. Only the
 * backend named is loaded (a module reached only by import() is evaluated on first import).
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
import type { AlertSettings as AlertSettingsSchema } from "../../domain/Config.js"
import { ConfigError } from "../../domain/errors.js"
import { secretUrlTransportIssue } from "../../domain/net.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { Notifier } from "../../services/Notifier.js"
import { Scrubber } from "../../services/Scrubber.js"
import type * as Email from "./Email.js"
import type { AlertOrigin } from "./message.js"

type AlertSettings = typeof AlertSettingsSchema.Type

export type Backend = NonNullable<AlertSettings["backend"]>

interface Selection {
  readonly alerts: AlertSettings
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

const webhook: Build = ({ alerts, file, origin, timeoutSeconds }) =>
  Effect.gen(function*() {
    const fail = (issue: string) => Effect.fail(new ConfigError({ file, issues: [issue] }))
    // like the platforms' secrets, the environment wins over the file: CI keeps the URL in a masked variable
    const fromEnv = yield* Config.option(Config.redacted("ALERT_WEBHOOK_URL")).pipe(
      Effect.mapError(fromEffectConfig(file)),
      Effect.map(Option.filter((r) => Redacted.value(r) !== ""))
    )
    const fromFile = Option.fromNullable(alerts.webhook?.url).pipe(Option.map((u) => Redacted.make(u)))
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
    const Webhook = yield* Effect.promise(() => import("./Webhook.js"))
    const format = alerts.webhook?.format
    return Webhook.layer({
      url,
      origin,
      ...(format === undefined ? {} : { format }),
      ...(timeoutSeconds === undefined ? {} : { timeout: Duration.seconds(timeoutSeconds) })
    })
  })

const email: Build = ({ alerts, file, origin }) => {
  const settings = alerts.email
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
  return Effect.flatMap(Effect.promise(() => import("./Email.js")), (Email) => {
    // the SMTP password is a secret the server's refusal may quote; a bad login is reported by the layer
    const register = Effect.flatMap(Scrubber, (scrubber) =>
      Effect.flatMap(Effect.option(Email.credentials), (login) =>
        scrubber.register(Option.toArray(Option.flatten(login)).flatMap((l) => [l.pass]))))
    return Effect.as(register, Email.layer(explicit).pipe(Layer.mapError(fromEffectConfig(file))))
  })
}

/** One entry per backend. */
const backends: { readonly [B in Backend]: Build } = {
  none: () => Effect.promise(() => import("./None.js").then((m) => m.layer)),
  webhook,
  email
}

export const NotifierFromConfig: Layer.Layer<Notifier, ConfigError, AppConfig | HttpClient.HttpClient | Scrubber> = Layer
  .unwrapEffect(
    Effect.gen(function*() {
      const app = yield* AppConfig
      const alerts: AlertSettings = app.config.auth?.alerts ?? {}
      return yield* backends[alerts.backend ?? "none"]({
        alerts,
        file: app.file,
        timeoutSeconds: app.config.auth?.timeout_seconds,
        origin: { host: os.hostname(), config: app.file }
      })
    })
  )
