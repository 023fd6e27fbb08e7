/**
 * `auth.alerts.backend: email`: one plain-text message per run over SMTP, with nodemailer
 * (PROVIDERS §10). Port 587 with STARTTLS by default, 465 with TLS from the first byte.
 * The login comes from `ALERT_SMTP_USERNAME` / `ALERT_SMTP_PASSWORD`, read as `Redacted`
 * and unwrapped only into the transport; without them herald sends without logging in.
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Nodemailer from "nodemailer"
import type { SMTPTransportOptions } from "nodemailer/lib/smtp-transport"
import { isLoopbackHost } from "../../domain/net.js"
import type { Report } from "../../domain/Status.js"
import { type AlertNotice, Notifier, NotifyFailed } from "../../services/Notifier.js"
import { type AlertOrigin, messageFor } from "./message.js"
import * as Schema from "effect/Schema"

export const name = "email"

/** `auth.alerts.email` in the config file. */
export const configSection = Schema.Struct({
  host: Schema.String,
  port: Schema.optional(Schema.Number),
  secure: Schema.optional(Schema.Boolean),
  from: Schema.String,
  to: Schema.Union(Schema.String, Schema.Array(Schema.String))
})
export type ConfigSection = typeof configSection.Type

export interface EmailSettings {
  readonly host: string
  /** 587 (STARTTLS) unless `secure`, then 465 */
  readonly port?: number
  /** TLS from the first byte; defaults to `port === 465` */
  readonly secure?: boolean
  readonly from: string
  readonly to: string | ReadonlyArray<string>
  /** for connecting and for the server's greeting; sending may take twice as long */
  readonly timeout?: Duration.DurationInput
  /** the host and config file every message names */
  readonly origin?: AlertOrigin
}

type Login = Option.Option<{ readonly user: Redacted.Redacted; readonly pass: Redacted.Redacted }>

const nonEmpty = (key: string) =>
  Config.option(Config.redacted(key)).pipe(
    // CI systems often define unset variables as ""; that means "no login", not an empty one
    Config.map(Option.filter((r) => Redacted.value(r) !== ""))
  )

/** The SMTP login, both or neither: a username without its password is a mistake to report, not to guess around. */
export const credentials: Config.Config<Login> =
  Config.all({ user: nonEmpty("ALERT_SMTP_USERNAME"), pass: nonEmpty("ALERT_SMTP_PASSWORD") }).pipe(
    Config.mapOrFail(({ pass, user }) => {
      if (Option.isSome(user) && Option.isSome(pass)) return Either.right(Option.some({ user: user.value, pass: pass.value }))
      if (Option.isNone(user) && Option.isNone(pass)) return Either.right(Option.none())
      const [missing, set] = Option.isNone(user)
        ? ["ALERT_SMTP_USERNAME", "ALERT_SMTP_PASSWORD"]
        : ["ALERT_SMTP_PASSWORD", "ALERT_SMTP_USERNAME"]
      return Either.left(ConfigError.MissingData([missing], `${missing} is required when ${set} is set`))
    })
  )

const describe = (error: unknown, server: string): string => {
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; responseCode?: unknown }
  const code = typeof e.code === "string" ? e.code : undefined
  const responseCode = typeof e.responseCode === "number" ? e.responseCode : undefined
  // the reply code only: the server's reply text and nodemailer's message are not ours to echo
  const smtp = responseCode === undefined ? "" : ` (SMTP ${responseCode})`
  if (responseCode === 530) {
    return `${server} requires a login${smtp}; set ALERT_SMTP_USERNAME and ALERT_SMTP_PASSWORD`
  }
  switch (code) {
    case "EAUTH":
      return `${server} refused the login${smtp}; check ALERT_SMTP_USERNAME and ALERT_SMTP_PASSWORD`
    case "EREQUIRETLS":
      return `${server} does not offer STARTTLS, and herald will not log in or send in clear text; use port 465 (secure: true) or a server with STARTTLS`
    case "ETLS":
      return `the TLS handshake with ${server} failed${smtp}; is secure set right for this port? (465: true, 587: false)`
    case "ECONNECTION":
    case "ESOCKET":
    case "EDNS":
      return `could not reach ${server}`
    case "ETIMEDOUT":
      return `${server} did not answer in time`
    case "EENVELOPE":
      return `${server} refused the sender or the recipients${smtp}`
    case "EMESSAGE":
      return `${server} refused the message${smtp}`
    default:
      return `sending through ${server} failed${code === undefined ? "" : ` (${code})`}${smtp}`
  }
}

/** The nodemailer transport for these settings; exported so the TLS choices are tested. */
export const transportOptions = (settings: EmailSettings, login: Login): SMTPTransportOptions => {
  const secure = settings.secure ?? settings.port === 465
  const port = settings.port ?? (secure ? 465 : 587)
  const loopback = isLoopbackHost(settings.host)
  const timeout = Duration.toMillis(Duration.decode(settings.timeout ?? Duration.seconds(15)))
  return {
    host: settings.host,
    port,
    secure,
    // Off loopback, a plain connection must upgrade with STARTTLS or fail: a network
    // attacker who strips STARTTLS must not get the login or the message. On loopback
    // nothing crosses a network, and local relays and test servers (smtp-server with
    // STARTTLS disabled) speak plain SMTP or present self-signed certificates, so herald
    // does not attempt TLS there at all. Certificate checks stay at their default (on).
    requireTLS: !secure && !loopback,
    ignoreTLS: !secure && loopback,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout * 2,
    // the message is built from our own text; nothing should make nodemailer read files or URLs
    disableFileAccess: true,
    disableUrlAccess: true,
    ...(Option.isSome(login)
      ? { auth: { user: Redacted.value(login.value.user), pass: Redacted.value(login.value.pass) } }
      : {})
  }
}

export const layer = (settings: EmailSettings): Layer.Layer<Notifier, ConfigError.ConfigError> =>
  Layer.scoped(
    Notifier,
    Effect.gen(function*() {
      const login = yield* credentials
      const options = transportOptions(settings, login)
      const server = `the SMTP server ${settings.host}:${options.port}`
      const timeout = options.connectionTimeout ?? 15_000

      // imported here, not at the top: nodemailer is a quarter of the bin, and only runs with email alerts need it
      const nodemailer: typeof Nodemailer = yield* Effect.promise(() => import("nodemailer"))
      const transport = yield* Effect.acquireRelease(
        Effect.sync(() => nodemailer.createTransport(options)),
        (t) => Effect.sync(() => t.close())
      )

      const notify = Effect.fn("Notifier.notify")(function*(report: Report, notice?: AlertNotice) {
        const now = yield* DateTime.now
        const message = messageFor(report, now, notice, settings.origin)
        const to = typeof settings.to === "string" ? settings.to : [...settings.to]
        const info = yield* Effect.tryPromise({
          try: () => transport.sendMail({ from: settings.from, to, subject: message.subject, text: message.text }),
          catch: (e) => new NotifyFailed({ backend: name, reason: describe(e, server) })
        }).pipe(
          // nodemailer's own timeouts should fire first; this is the backstop
          Effect.timeoutFail({
            duration: Duration.millis(timeout * 4),
            onTimeout: () => new NotifyFailed({ backend: name, reason: `${server} did not finish in time` })
          })
        )
        const rejected = info.rejected.length
        if (rejected > 0) {
          const total = rejected + info.accepted.length
          return yield* new NotifyFailed({ backend: name, reason: `${server} refused ${rejected} of ${total} recipients` })
        }
      })

      return { name, notify }
    })
  )
