/**
 * `herald auth login <platform>`: the OAuth 2.0 authorization-code flow through a loopback
 * redirect, with PKCE wherever the platform has it. Prints the URL (and opens the browser
 * when it can), waits for the callback, checks `state`, redeems the code, and stores the
 * tokens exactly as a rotation would (journal first, then write-back).
 */
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { endpointOf } from "../domain/Connection.js"
import { type RefreshError, UsageError } from "../domain/errors.js"
import { LoginFailed } from "../domain/loginErrors.js"
import { connectionLabel, type PlatformId, type SecretKey } from "../domain/Platform.js"
import * as CallbackServer from "../layers/login/CallbackServer.js"
import { openInBrowser } from "../layers/login/browser.js"
import {
  authorizeUrl,
  CALLBACK_PATH,
  checkCallback,
  DEFAULT_REDIRECT_PORT,
  type LoginSpec,
  redirectUriFor,
  resolveScopes
} from "../platforms/login/flow.js"
import { challengeOf, makeState, makeVerifier } from "../platforms/oauth2/pkce.js"
import { loginSpecFor } from "../platforms/login/registry.js"
import { connectionFor, disabledNote } from "../platforms/login/target.js"
import { AppConfig } from "../services/AppConfig.js"
import { ConfigStore } from "../services/ConfigStore.js"
import { Secrets } from "../services/Secrets.js"
import { Scrubber } from "../services/Scrubber.js"
import { WriteBack } from "../services/WriteBack.js"
import { nextCommand, recordInConfig, shadowWarnings, summaryLines } from "./onboarding.js"
import { journalEntryOf, lockForUserWrite, supersedeJournal } from "./userWrite.js"
import { persistOutcome } from "./refreshOne.js"

export const DEFAULT_LOGIN_TIMEOUT = Duration.minutes(5)

export interface LoginOptions {
  readonly platform: PlatformId
  readonly account: string
  /** comma- or space-separated; none: the platform's defaults */
  readonly scopes: Option.Option<string>
  readonly openBrowser: boolean
  readonly timeout: Duration.Duration
  /** overrides `redirect_port` */
  readonly port: Option.Option<number>
  /** how the config file was named on the command line, for the hint at the end */
  readonly configFlag: Option.Option<string>
}

/** Pure: a refused exchange, in words that say what to do. */
export const exchangeFailure = (spec: LoginSpec, account: string, e: RefreshError): LoginFailed => {
  const reason = (() => {
    switch (e._tag) {
      case "RefreshRejected":
        return `${spec.title} refused the authorization code (${e.reason}); it may have expired or been used: log in again`
      case "ClientRejected":
        return `${spec.title} refused the code exchange (${e.reason}); check the app's ${spec.credentials.id} and ` +
          `${spec.credentials.secret}, and that the redirect URI is registered exactly`
      case "ProviderUnavailable":
        return `${spec.title} could not be reached to redeem the code (${e.reason}); log in again later`
      case "MalformedResponse":
        return `${spec.title} answered the code exchange with something herald cannot read (${e.reason})`
      case "AnswerLost":
        return `the answer to the code exchange was lost (${e.reason}); the code may be used up: log in again`
    }
  })()
  return new LoginFailed({ platform: spec.platform, account, reason: `${reason}; nothing was stored` })
}

const missingCredentials = (spec: LoginSpec, label: string, lines: ReadonlyArray<string>) =>
  new UsageError({
    reason: [
      `${label} needs the ${spec.title} app's credentials before a login; missing:`,
      ...lines,
      `set them in the environment, the OS keychain or the config file (herald auth set ${label} reads them from stdin)`
    ].join("\n  ")
  })

export const login = (options: LoginOptions) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const connection = connectionFor(app.config, options.platform, options.account)
    const spec = yield* Effect.mapError(loginSpecFor(connection), (reason) => new UsageError({ reason }))
    const label = connectionLabel(connection)
    const { id: idKey, secret: secretKey } = spec.credentials
    const bag = yield* (yield* Secrets).lookup(connection, [idKey, secretKey, ...spec.stores])

    const required: ReadonlyArray<SecretKey> = spec.credentials.secretRequired ? [idKey, secretKey] : [idKey]
    const missing = required.filter((k) => Option.isNone(bag.get(k)))
    if (missing.length > 0) {
      return yield* Effect.fail(missingCredentials(spec, label, missing.map((k) => `${k} (tried ${bag.tried(k).join(", ")})`)))
    }
    const clientId = Option.getOrThrow(bag.get(idKey))
    const clientSecret = bag.get(secretKey)

    // never send the user through a consent whose tokens could not be kept (DESIGN §2 rule 1)
    const writeBack = yield* WriteBack
    yield* writeBack.preflight(connection, spec.stores)
    yield* (yield* ConfigStore).check

    const state = yield* makeState
    const verifier = spec.pkce === "none" ? Option.none<string>() : Option.some(yield* makeVerifier)
    const { added, scopes } = resolveScopes(spec, options.scopes)
    const port = Option.getOrElse(options.port, () => connection.settings.redirect_port ?? DEFAULT_REDIRECT_PORT)
    const server = yield* CallbackServer.listen({
      port,
      path: CALLBACK_PATH,
      page: (query) =>
        Either.match(checkCallback(spec.title, query, state), {
          onLeft: (text) => ({ ok: false, text: `Nothing was stored: ${text}.` }),
          onRight: () => ({ ok: true, text: `${spec.title} sent an authorization code; herald finishes the login in the terminal.` })
        })
    })
    const redirectUri = redirectUriFor(server.port)
    const url = authorizeUrl(spec, {
      endpoint: endpointOf(connection, "authorize", spec.authorizeEndpoint),
      clientId: Redacted.value(clientId),
      redirectUri,
      state,
      scopes,
      challenge: Option.map(verifier, (v) => challengeOf(v, spec.pkce === "hex" ? "hex" : "base64url"))
    })

    yield* Console.log(
      [
        `Log in to ${spec.title} for ${label}: open this URL in a browser and approve herald's access.`,
        "",
        `  ${url}`,
        "",
        `herald is waiting ${Duration.format(options.timeout)} for ${spec.title} to send the browser back to ${redirectUri}`,
        `(that redirect URI must be registered with the app).`,
        ...added.map((s) => `note: added the scope ${s}: without it ${spec.title} issues no refresh token`),
        ...spec.notes.map((n) => `note: ${n}`)
      ].join("\n")
    )
    if (options.openBrowser) {
      const opened = yield* openInBrowser(url)
      if (!opened) yield* Console.log("(no browser could be opened here: open the URL yourself)")
    }

    const query = yield* server.await(options.timeout).pipe(
      Effect.mapError(() =>
        new LoginFailed({
          platform: spec.platform,
          account: connection.account,
          reason: `no answer from ${spec.title} within ${Duration.format(options.timeout)}: the browser never came back to ` +
            `${redirectUri}. Nothing was stored. Check that this redirect URI is registered with the app, then run ` +
            `herald auth login ${label} again`
        })
      )
    )
    const code = yield* Either.match(checkCallback(spec.title, query, state), {
      onLeft: (reason) => Effect.fail(new LoginFailed({ platform: spec.platform, account: connection.account, reason })),
      onRight: Effect.succeed
    })
    // what the platform may quote back in a refusal is never printed (DESIGN §2 rule 7)
    yield* (yield* Scrubber).register([code, ...Option.toArray(verifier)])
    // from here on, nothing else may rotate or replay this connection's tokens
    yield* lockForUserWrite
    const earlier = yield* journalEntryOf(connection)
    const result = yield* spec.exchange({
      connection,
      clientId,
      clientSecret,
      code,
      codeVerifier: Option.map(verifier, Redacted.make),
      redirectUri
    }).pipe(
      Effect.catchTags({
        RefreshRejected: (e) => Effect.fail(exchangeFailure(spec, connection.account, e)),
        ClientRejected: (e) => Effect.fail(exchangeFailure(spec, connection.account, e)),
        ProviderUnavailable: (e) => Effect.fail(exchangeFailure(spec, connection.account, e)),
        MalformedResponse: (e) => Effect.fail(exchangeFailure(spec, connection.account, e)),
        AnswerLost: (e) => Effect.fail(exchangeFailure(spec, connection.account, e))
      })
    )

    // journal first, then write-back: a TikTok or X token that only lived in memory would be lost
    const persisted = yield* persistOutcome(connection, result).pipe(
      Effect.mapError((e) =>
        new LoginFailed({
          platform: spec.platform,
          account: connection.account,
          reason: `${spec.title} issued the tokens but they could not be stored (${e.reason})` +
            (e.recoveryPath !== undefined
              ? `; they are kept in ${e.recoveryPath}: run herald auth recover once the store works`
              : "")
        })
      )
    )
    const unlisted = yield* recordInConfig({
      config: app.config,
      connection,
      metadata: result.metadata,
      persisted,
      appId: Option.some({ key: idKey, value: Redacted.value(clientId) })
    }).pipe(
      Effect.mapError((e) =>
        new LoginFailed({
          platform: spec.platform,
          account: connection.account,
          reason: `the tokens are stored (${persisted.where}) but the expiry could not be recorded: ${e.message}`
        })
      )
    )
    const stored = Object.keys(result.secrets) as Array<SecretKey>
    const superseded = yield* supersedeJournal(connection, stored, earlier)
    const warnings = [
      ...(writeBack.shadowedByEnvironment ? shadowWarnings(connection, bag, stored) : []),
      ...Option.toArray(unlisted),
      ...Option.toArray(disabledNote(app.config, spec.platform))
    ]
    yield* Console.log(
      [
        `Logged in to ${spec.title} for ${label}.`,
        ...summaryLines(stored, persisted, result.metadata, result.notes),
        ...(superseded !== undefined ? [`  ${superseded}`] : []),
        ...warnings.map((w) => `  warning: ${w}`),
        `next: ${nextCommand("refresh", connection, options.configFlag)}`
      ].join("\n")
    )
  }).pipe(Effect.scoped)
