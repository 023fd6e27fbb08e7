/**
 * `herald doctor`: what a run would find before it runs — the config file, the write-back
 * and alert backends, the keychain, and for each connection where each secret resolves
 * from (names only, never a value); with `online`, whether each endpoint answers.
 *
 * The probing (`doctor`) is kept apart from the judgement (`makeDoctorReport`, pure), so
 * what counts as a problem is tested without a keychain, a file or a network.
 */
import * as path from "node:path"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { envVar } from "../layers/config/envVar.js"
import { allEndpointsOf, type Connection } from "../domain/Connection.js"
import { exchange } from "../http/exchange.js"
import { defaultRetryPolicy, type Retryable } from "../http/retry.js"
import type { ConfigError } from "../domain/errors.js"
import { connectionLabel, envName, type SecretKey } from "../domain/Platform.js"
import { NotifierFromConfig } from "../layers/notifier/index.js"
import { WriteBackFromConfig } from "../layers/writeback/index.js"
import { AppConfig } from "../services/AppConfig.js"
import { ConfigStore } from "../services/ConfigStore.js"
import { Keychain } from "../services/Keychain.js"
import type { Scrubber } from "../services/Scrubber.js"
import { Notifier } from "../services/Notifier.js"
import { Refreshers } from "../services/Refreshers.js"
import { Secrets, type SecretSource } from "../services/Secrets.js"
import { WriteBack } from "../services/WriteBack.js"
import { descriptorOf } from "../platforms/registry.js"
import { configCatalog } from "./configCatalog.js"
import { Catalog } from "../services/Catalog.js"

// ---- the report (pure) -------------------------------------------------------------------

export interface SecretFinding {
  readonly key: SecretKey
  readonly required: boolean
  readonly source: SecretSource | "missing" | "unreadable"
  /** where it was found (env name, keychain account, config key); when missing, the env name to set; when unreadable, the entry */
  readonly name: string
  /** when unreadable: why the store failed the read */
  readonly reason?: string
  /** when missing: every place that was tried, in order */
  readonly tried?: ReadonlyArray<string>
}

export interface EndpointFinding {
  readonly name: string
  /** origin and path only: no query string, no user info */
  readonly url: string
  readonly reachable: boolean
  /** "HTTP 405", "no answer within 5 s", "network error (ECONNREFUSED)" */
  readonly detail: string
}

export interface ConnectionFinding {
  readonly platform: string
  readonly account: string
  readonly secrets: ReadonlyArray<SecretFinding>
  /** empty unless the check was online */
  readonly endpoints: ReadonlyArray<EndpointFinding>
}

export interface BackendFinding {
  readonly backend: string
  readonly ok: boolean
  readonly detail: string
}

export interface DoctorFindings {
  readonly config: { readonly file: string; readonly found: boolean; readonly via: string }
  readonly keychain: { readonly usable: boolean; readonly detail: string }
  readonly writeBack: BackendFinding
  readonly notifier: BackendFinding
  readonly online: boolean
  readonly connections: ReadonlyArray<ConnectionFinding>
}

export interface DoctorReport extends DoctorFindings {
  /** one line each; any problem makes `herald doctor` exit 1 */
  readonly problems: ReadonlyArray<string>
}

const labelOf = (c: { readonly platform: string; readonly account: string }) =>
  connectionLabel(c as Parameters<typeof connectionLabel>[0])

/**
 * The secrets a run replaces with new ones (DESIGN §1, "What refresh does"), each
 * platform's `rewrittenSecrets`: kept in the environment of a run that stores them on this
 * machine, the stale value would hide the stored new one on the next run.
 */
const rewritten = (platform: string): ReadonlyArray<SecretKey> => descriptorOf(platform)?.rewrittenSecrets ?? []

/** Write-backs that store new secrets on this machine (keychain, config file, pass), where the environment would shadow them. */
const storesLocally = (backend: string) => backend === "local" || backend === "pass"

/**
 * What to do about a missing secret: one a run replaces and stores on this machine is stored
 * with herald (`herald auth set x`), never put in the environment; any other is set by its variable.
 */
export const missingSecretRemedy = (
  connection: { readonly platform: string; readonly account: string },
  key: SecretKey,
  envVarName: string,
  writeBackBackend: string
): { readonly text: string; readonly viaHerald: boolean } => {
  if (storesLocally(writeBackBackend) && rewritten(connection.platform).includes(key)) {
    const label = labelOf(connection)
    return { text: `run herald auth set ${label} (or herald auth login ${label})`, viaHerald: true }
  }
  return { text: `set ${envVarName}`, viaHerald: false }
}

/** The problem line for a missing required secret. */
export const missingSecretProblem = (
  connection: { readonly platform: string; readonly account: string },
  key: SecretKey,
  envVarName: string,
  writeBackBackend: string
): string => {
  const remedy = missingSecretRemedy(connection, key, envVarName, writeBackBackend)
  return remedy.viaHerald
    ? `${labelOf(connection)}: ${key} is not stored anywhere: ${remedy.text}; ` +
      `not ${envVarName}: each run stores a new ${key}, which that variable would hide`
    : `${labelOf(connection)}: ${key} is not set anywhere (${remedy.text})`
}

/** Everything a run needs, judged: a backend that cannot work, a required secret that is nowhere, an endpoint that does not answer. */
export const makeDoctorReport = (findings: DoctorFindings): DoctorReport => {
  const problems: Array<string> = []
  if (!findings.writeBack.ok) problems.push(`write-back ${findings.writeBack.backend}: ${findings.writeBack.detail}`)
  if (!findings.notifier.ok) problems.push(`alerts ${findings.notifier.backend}: ${findings.notifier.detail}`)
  // accounts of one platform share its endpoints: one line per silent URL, naming them all
  const silent = new Map<string, { readonly name: string; readonly detail: string; readonly labels: Array<string> }>()
  for (const c of findings.connections) {
    const label = labelOf(c)
    for (const s of c.secrets) {
      if (s.required && s.source === "missing") {
        problems.push(missingSecretProblem(c, s.key, s.name, findings.writeBack.backend))
      }
      if (s.source === "unreadable") {
        problems.push(`${label}: ${s.key} could not be read from ${s.name} (${s.reason ?? "error"}); a run would not refresh it`)
      }
    }
    for (const e of c.endpoints) {
      if (e.reachable) continue
      const seen = silent.get(e.url)
      if (seen === undefined) silent.set(e.url, { name: e.name, detail: e.detail, labels: [label] })
      else seen.labels.push(label)
    }
  }
  for (const [url, e] of silent) {
    problems.push(`${e.labels.join(", ")}: endpoint ${e.name} (${url}) does not answer: ${e.detail}`)
  }
  return { ...findings, problems }
}

/** A URL safe to print: a configured endpoint could carry credentials in its user info or query. */
export const displayUrl = (url: string): string => {
  if (!URL.canParse(url)) return "(not a URL)"
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}

// ---- probing (effects) -------------------------------------------------------------------

export type DoctorServices = AppConfig | Keychain | ConfigStore | Refreshers | Secrets | HttpClient.HttpClient | Scrubber

export interface DoctorOptions {
  readonly online: boolean
  /** the `--config` flag, to say how the config file was found */
  readonly configFlag: Option.Option<string>
  /** per endpoint (default 5 s) */
  readonly timeout?: Duration.Duration
}

const envSet = (name: string) => Effect.map(envVar(name), Option.isSome)

const configVia = (flag: Option.Option<string>, file: string) =>
  Effect.gen(function*() {
    if (Option.isSome(flag)) return "--config"
    if (yield* envSet("HERALD_CONFIG")) return "$HERALD_CONFIG"
    if (file === path.resolve("herald.yaml")) return "./herald.yaml"
    return "the default location"
  })

const issuesText = (e: ConfigError) => e.issues.join("; ")

/** Builds the configured backend the way a run would, so its own start-up checks are the ones reported. */
export const checkWriteBack = Effect.gen(function*() {
  const app = yield* AppConfig
  const keychain = yield* Keychain
  const store = yield* ConfigStore
  const configured = app.config.auth?.writeback?.backend ?? "local"
  const built = yield* Layer.build(WriteBackFromConfig).pipe(
    Effect.map((ctx) => Context.get(ctx, WriteBack)),
    Effect.either,
    Effect.scoped,
    Effect.provideService(Catalog, configCatalog)
  )
  if (Either.isLeft(built)) return { backend: configured, ok: false, detail: issuesText(built.left) }
  const backend = built.right.name
  if (backend !== "local") return { backend, ok: true, detail: `new secrets go to the ${backend} backend` }
  const keychainProblem = yield* keychain.check.pipe(Effect.match({ onSuccess: () => undefined, onFailure: (e) => e.reason }))
  if (keychainProblem === undefined) return { backend, ok: true, detail: "new secrets go to the OS keychain" }
  const fileProblem = yield* store.check.pipe(Effect.match({ onSuccess: () => undefined, onFailure: (e) => e.message }))
  return fileProblem === undefined
    ? { backend, ok: true, detail: `new secrets go to ${store.file} (0600), because the OS keychain is unavailable` }
    : {
      backend,
      // a run checks this only before a rotation: with no connection it never matters
      ok: app.connections.length === 0,
      detail: `nowhere to store new secrets: the OS keychain is unavailable (${keychainProblem}) and ${fileProblem}`
    }
})

export const checkNotifier = Effect.gen(function*() {
  const app = yield* AppConfig
  const configured = app.config.auth?.alerts?.backend ?? "none"
  const built = yield* Layer.build(NotifierFromConfig).pipe(
    Effect.map((ctx) => Context.get(ctx, Notifier)),
    Effect.either,
    Effect.scoped
  )
  if (Either.isLeft(built)) return { backend: configured, ok: false, detail: issuesText(built.left) }
  return built.right.name === "none"
    ? { backend: "none", ok: true, detail: "alerts are off: the exit code and the report are the alert" }
    : { backend: built.right.name, ok: true, detail: "configured (herald alerts test sends a test message)" }
})


interface Unreachable extends Retryable {
  readonly reason: string
}

/** Any HTTP answer means the endpoint is there; no credentials, no body, nothing but a HEAD, asked once. */
const probe = (client: HttpClient.HttpClient, url: string, timeout: Duration.Duration) =>
  exchange(client, HttpClientRequest.head(url), {
    timeout,
    policy: { ...defaultRetryPolicy, retries: 0 },
    unanswered: (why): Unreachable => ({ reason: why.reason }),
    classify: (answer) => Effect.succeed(`HTTP ${answer.status}`),
    retryable: () => false
  }).pipe(
    Effect.match({
      onSuccess: (detail) => ({ reachable: true, detail }),
      onFailure: ({ failure }) => ({ reachable: false, detail: failure.reason })
    })
  )

const secretsOf = (connection: Connection) =>
  Effect.gen(function*() {
    const refresher = (yield* Refreshers).get(connection.platform)
    const secrets = yield* Secrets
    // one key at a time: a keychain entry that cannot be read is a finding, not the end of the check
    const bags = yield* Effect.forEach(refresher.secretKeys, (key) => Effect.either(secrets.lookup(connection, [key])))
    const found = (key: SecretKey) => {
      const bag = bags[refresher.secretKeys.indexOf(key)]
      return bag !== undefined && bag._tag === "Right" ? bag.right.get(key) : Option.none()
    }
    const required = new Set(refresher.requiredSecrets((key) => Option.isSome(found(key)), connection))
    return refresher.secretKeys.map((key, i): SecretFinding => {
      const bag = bags[i]!
      if (bag._tag === "Left") {
        return { key, required: required.has(key), source: "unreadable", name: bag.left.store, reason: bag.left.reason }
      }
      return Option.match(bag.right.resolved(key), {
        onSome: (r) => ({ key, required: required.has(key), source: r.source, name: r.name }),
        onNone: () => ({ key, required: required.has(key), source: "missing", name: envName(connection, key), tried: bag.right.tried(key) })
      })
    })
  })

const endpointsOf = (connection: Connection) =>
  Effect.map(Refreshers, (r) => Object.entries(allEndpointsOf(connection, r.get(connection.platform).endpoints)))

export const doctor = (options: DoctorOptions): Effect.Effect<DoctorReport, never, DoctorServices> =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const keychain = yield* Keychain
    const client = yield* HttpClient.HttpClient
    const timeout = options.timeout ?? Duration.seconds(5)

    const via = yield* configVia(options.configFlag, app.file)
    const keychainFinding = yield* keychain.check.pipe(
      Effect.match({
        onSuccess: () => ({ usable: true, detail: "usable" }),
        onFailure: (e) => ({ usable: false, detail: e.reason })
      })
    )
    const writeBack = yield* checkWriteBack
    const notifier = yield* checkNotifier

    // each distinct URL is asked once, however many accounts share it
    const urls = options.online
      ? [...new Set((yield* Effect.forEach(app.connections, endpointsOf)).flat().map(([, url]) => url))]
      : []
    const answers = new Map(
      yield* Effect.forEach(urls, (url) => Effect.map(probe(client, url, timeout), (a) => [url, a] as const), {
        concurrency: 8
      })
    )

    const connections = yield* Effect.forEach(app.connections, (connection) =>
      Effect.gen(function*() {
        const secrets = yield* secretsOf(connection)
        const endpoints = options.online
          ? (yield* endpointsOf(connection)).map(([name, url]): EndpointFinding => {
            const a = answers.get(url) ?? { reachable: false, detail: "not checked" }
            return { name, url: displayUrl(url), ...a }
          })
          : []
        return { platform: connection.platform, account: connection.account, secrets, endpoints } satisfies ConnectionFinding
      }))

    return makeDoctorReport({
      config: { file: app.file, found: app.exists, via },
      keychain: keychainFinding,
      writeBack,
      notifier,
      online: options.online,
      connections
    })
  }).pipe(Effect.withSpan("doctor"))
