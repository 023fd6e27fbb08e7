import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type AddressObject, type ParsedMail, simpleParser } from "mailparser"
import type { AddressInfo } from "node:net"
import { SMTPServer } from "smtp-server"
import type { Status } from "../../../src/domain/Status.js"
import { makeReport } from "../../../src/domain/Status.js"
import * as Email from "../../../src/layers/notifier/Email.js"
import { sendTestAlert } from "../../../src/programs/alertsTest.js"
import { Notifier, NotifyFailed } from "../../../src/services/Notifier.js"

const USER = "herald-bot"
const PASSWORD = "SENTINEL-smtp-pa55-4e1d"
const OTHER_SECRET = "SENTINEL-refresh-8c0b"

interface Received {
  readonly raw: string
  readonly mail: ParsedMail
  readonly rcptTo: ReadonlyArray<string>
  readonly mailFrom: string
}

/** A real SMTP server on loopback that demands AUTH and keeps what it receives. */
const smtp = Effect.acquireRelease(
  Effect.async<{ readonly server: SMTPServer; readonly port: number; readonly received: Array<Received>; readonly logins: Array<string> }>(
    (resume) => {
      const received: Array<Received> = []
      const logins: Array<string> = []
      const server = new SMTPServer({
        authOptional: false,
        // plain SMTP on loopback: no TLS to upgrade to, so AUTH must be allowed without it
        disabledCommands: ["STARTTLS"],
        allowInsecureAuth: true,
        logger: false,
        onAuth(auth, _session, callback) {
          if (auth.username === USER && auth.password === PASSWORD) {
            logins.push(auth.username ?? "")
            callback(null, { user: auth.username })
          } else {
            callback(new Error("Invalid username or password"))
          }
        },
        onData(stream, session, callback) {
          const chunks: Array<Buffer> = []
          stream.on("data", (c: Buffer) => chunks.push(c))
          stream.on("end", () => {
            const raw = Buffer.concat(chunks).toString("utf8")
            simpleParser(raw).then(
              (mail) => {
                received.push({
                  raw,
                  mail,
                  rcptTo: session.envelope.rcptTo.map((r) => r.address),
                  mailFrom: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address
                })
                callback()
              },
              (e: Error) => callback(e)
            )
          })
        }
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.server.address() as AddressInfo
        resume(Effect.succeed({ server, port, received, logins }))
      })
    }
  ),
  ({ server }) => Effect.async<void>((resume) => server.close(() => resume(Effect.void)))
)

const env = (entries: ReadonlyArray<readonly [string, string]>) =>
  ConfigProvider.fromMap(new Map([["TIKTOK_REFRESH_TOKEN", OTHER_SECRET], ...entries]))

const login = env([["ALERT_SMTP_USERNAME", USER], ["ALERT_SMTP_PASSWORD", PASSWORD]])

const settings = (port: number): Email.EmailSettings => ({
  host: "127.0.0.1",
  port,
  from: "herald@example.com",
  to: ["me@example.com", "ops@example.com"],
  timeout: "5 seconds"
})

const linkedin: Status = {
  platform: "linkedin",
  account: "default",
  action: "reauth-required",
  reauthBy: "2026-12-01T09:00:00Z",
  alert: true,
  detail: "access token expires in 9 days; run herald auth login linkedin"
}
const xBrand: Status = { platform: "x", account: "brand", action: "failed", alert: true, detail: "HTTP 503 (after 4 attempts)" }
const report = makeReport(false, [linkedin, { ...xBrand, platform: "tiktok", account: "default", action: "rotated", alert: false }, xBrand])

const send = (s: Email.EmailSettings, provider: ConfigProvider.ConfigProvider) =>
  Effect.gen(function*() {
    const notifier = yield* Notifier
    assert.strictEqual(notifier.name, "email")
    return yield* notifier.notify(report)
  }).pipe(Effect.provide(Email.layer(s)), Effect.withConfigProvider(provider))

/** Narrows a flipped failure: these tests expect the send itself to fail. */
const notifyFailure = (e: unknown): NotifyFailed => (e instanceof NotifyFailed ? e : assert.fail(`expected NotifyFailed, got ${String(e)}`))

const addresses = (to: AddressObject | Array<AddressObject> | undefined): Array<string> =>
  (to === undefined ? [] : Array.isArray(to) ? to : [to]).flatMap((a) => a.value.map((v) => v.address ?? ""))

describe("transportOptions", () => {
  const none = Option.none()
  it("587 with STARTTLS required by default; 465 with TLS at connect", () => {
    const base = { host: "smtp.example.com", from: "a@example.com", to: "b@example.com" }
    const plain = Email.transportOptions(base, none)
    assert.strictEqual(plain.port, 587)
    assert.strictEqual(plain.secure, false)
    assert.strictEqual(plain.requireTLS, true)
    assert.strictEqual(plain.ignoreTLS, false)
    assert.isUndefined(plain.auth)
    assert.isUndefined(plain.tls)
    const implicit = Email.transportOptions({ ...base, port: 465 }, none)
    assert.strictEqual(implicit.secure, true)
    assert.strictEqual(implicit.requireTLS, false)
    assert.strictEqual(Email.transportOptions({ ...base, secure: true }, none).port, 465)
    const explicit = Email.transportOptions({ ...base, port: 2525, secure: false }, none)
    assert.strictEqual(explicit.secure, false)
    assert.strictEqual(explicit.requireTLS, true)
  })

  it("loopback hosts skip STARTTLS", () => {
    for (const host of ["127.0.0.1", "localhost", "::1", "[::1]"]) {
      const o = Email.transportOptions({ host, port: 2525, from: "a@example.com", to: "b@example.com" }, none)
      assert.strictEqual(o.requireTLS, false, host)
      assert.strictEqual(o.ignoreTLS, true, host)
    }
  })

  it("logs in only with both credentials", () => {
    const o = Email.transportOptions(
      { host: "smtp.example.com", from: "a@example.com", to: "b@example.com" },
      Option.some({ user: Redacted.make("u"), pass: Redacted.make("p") })
    )
    assert.deepStrictEqual(o.auth, { user: "u", pass: "p" })
  })
})

describe("Email notifier", () => {
  it.scopedLive("logs in and sends one plain-text message listing what needs attention", () =>
    Effect.gen(function*() {
      const server = yield* smtp
      yield* send(settings(server.port), login)
      assert.deepStrictEqual(server.logins, [USER])
      assert.strictEqual(server.received.length, 1)
      const { mail, mailFrom, raw, rcptTo } = server.received[0]!
      assert.strictEqual(mail.subject, "herald: new: 2 connections need attention")
      assert.strictEqual(mailFrom, "herald@example.com")
      assert.deepStrictEqual([...rcptTo], ["me@example.com", "ops@example.com"])
      assert.deepStrictEqual(addresses(mail.to), ["me@example.com", "ops@example.com"])
      assert.strictEqual(mail.html, false)
      const text = mail.text ?? ""
      assert.include(text, "herald: new: 2 connections need attention")
      assert.include(text, "linkedin (reauth-required)")
      assert.include(text, "by 2026-12-01")
      assert.include(text, "run: herald auth login linkedin")
      assert.include(text, "x:brand (failed)")
      assert.include(text, "run: herald doctor, then herald auth refresh x:brand")
      assert.notInclude(text, "tiktok")
      assert.notInclude(raw, PASSWORD)
      assert.notInclude(raw, OTHER_SECRET)
    }))

  it.scopedLive("a single recipient as a string", () =>
    Effect.gen(function*() {
      const server = yield* smtp
      yield* send({ ...settings(server.port), to: "me@example.com" }, login)
      assert.deepStrictEqual([...server.received[0]!.rcptTo], ["me@example.com"])
    }))

  it.scopedLive("a wrong password is NotifyFailed, and says nothing secret", () =>
    Effect.gen(function*() {
      const server = yield* smtp
      const error = notifyFailure(
        yield* Effect.flip(
          send(settings(server.port), env([["ALERT_SMTP_USERNAME", USER], ["ALERT_SMTP_PASSWORD", "wrong-SENTINEL-x"]]))
        )
      )
      assert.strictEqual(error.backend, "email")
      assert.include(error.reason, "refused the login")
      assert.include(error.reason, "ALERT_SMTP_PASSWORD")
      assert.notInclude(JSON.stringify(error), "wrong-SENTINEL-x")
      assert.notInclude(error.reason, "Invalid username") // the server's words are not echoed
      assert.strictEqual(server.received.length, 0)
    }))

  it.scopedLive("no login against a server that requires one", () =>
    Effect.gen(function*() {
      const server = yield* smtp
      const error = notifyFailure(yield* Effect.flip(send(settings(server.port), env([]))))
      assert.include(error.reason, "requires a login")
      assert.strictEqual(server.received.length, 0)
    }))

  it.scopedLive("nobody listening: could not reach", () =>
    Effect.gen(function*() {
      const server = yield* smtp
      const port = server.port
      yield* Effect.async<void>((resume) => {
        server.server.close(() => resume(Effect.void))
      })
      const error = notifyFailure(yield* Effect.flip(send(settings(port), login)))
      assert.include(error.reason, `could not reach the SMTP server 127.0.0.1:${port}`)
    }))

  it.effect("a username without a password is a config error naming the missing variable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(send(settings(1), env([["ALERT_SMTP_USERNAME", USER]])))
      assert.notInstanceOf(error, NotifyFailed)
      assert.include(String(error), "ALERT_SMTP_PASSWORD")
    }))

  it.scopedLive("alerts test sends the test message", () =>
    Effect.gen(function*() {
      const server = yield* smtp
      const said = yield* sendTestAlert.pipe(Effect.provide(Email.layer(settings(server.port))), Effect.withConfigProvider(login))
      assert.strictEqual(said, "sent a test message through the email backend")
      assert.strictEqual(server.received[0]!.mail.subject, "herald: test alert")
      assert.include(server.received[0]!.mail.text ?? "", "herald alerts test")
    }))
})
