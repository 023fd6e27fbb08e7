/**
 * Distribution (`auth.distribute`): after a run, the secrets it stored are also written to
 * the files other tools read (a poster container's `.env`). Pure: which target takes which
 * secret under which name, what the report says, and the config checks.
 */
import * as Either from "effect/Either"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { type DistributeTarget, type HeraldConfig, sectionOf } from "./Config.js"
import { connectionsOf, parseTarget, selectConnections, type Target } from "./Connection.js"
import {
  type ConnectionId,
  connectionLabel,
  envName,
  isSecretKey,
  keychainAccount,
  type SecretKey,
  secretKeys
} from "./Platform.js"
import { builtinIds, isBuiltin, type PlatformCatalog } from "./PlatformCatalog.js"

/** What became of one target in this run. Names only: never a value. */
export const Distribution = Schema.Struct({
  /** `dotenv /srv/poster/.env` */
  target: Schema.String,
  /** the connections whose new secrets it took */
  connections: Schema.Array(Schema.String),
  /** the file's keys herald wrote */
  keys: Schema.Array(Schema.String),
  /** the file's content changed */
  changed: Schema.Boolean,
  /** the `then` command, as configured */
  then: Schema.optional(Schema.String),
  /** the `then` command was started */
  ran: Schema.optional(Schema.Boolean),
  alert: Schema.Boolean,
  detail: Schema.String,
  /** who besides the file's owner can read the secrets in it (`group and others (mode 0644)`), when anyone can */
  readableBy: Schema.optional(Schema.String),
  /** the command a human should run (after fixing what `detail` names), when `alert` */
  remedy: Schema.optional(Schema.String)
})
export type Distribution = typeof Distribution.Type

/** The secrets one connection stored in this run, handed from the pipeline to the targets. */
export interface Delivery {
  readonly connection: ConnectionId
  readonly secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>>
}

export interface DotenvEntry {
  readonly key: string
  readonly value: Redacted.Redacted<string>
}

const matches = (targets: ReadonlyArray<Target>, c: ConnectionId): boolean =>
  targets.some((t) =>
    t._tag === "All" ||
    (t._tag === "Platform" && t.platform === c.platform) ||
    (t._tag === "Account" && t.platform === c.platform && t.account === c.account)
  )

/** What a target without `keys` is handed. */
export const DEFAULT_DISTRIBUTED: ReadonlySet<SecretKey> = new Set<SecretKey>(["access_token"])

/**
 * Pure: the entries a target writes from this run's deliveries, and the connections they
 * came from. Connection names use TARGET syntax (`x` = every X account, `x:brand` one).
 * Without `keys` only access tokens are written; with a `keys` mapping only the mapped
 * secrets are (a refresh token only when named).
 */
export const entriesFor = (
  target: Pick<DistributeTarget, "connections" | "keys">,
  deliveries: ReadonlyArray<Delivery>
): { readonly connections: ReadonlyArray<string>; readonly entries: ReadonlyArray<DotenvEntry> } => {
  // unparseable names are reported by config validation; here they simply select nothing
  const targets = target.connections === undefined
    ? [{ _tag: "All" } as const]
    // (only the selection matters here: no message names the built-in platforms)
    : target.connections.flatMap((name) => Either.match(parseTarget(name, []), { onLeft: () => [], onRight: (t) => [t] }))
  const connections: Array<string> = []
  const entries = new Map<string, Redacted.Redacted<string>>()
  for (const d of deliveries) {
    if (!matches(targets, d.connection)) continue
    let used = false
    for (const key of secretKeys) {
      const value = d.secrets[key]
      if (value === undefined) continue
      // by default access tokens only (DESIGN §1 "Distribution"): a consumer holding a
      // rotating refresh token can spend it and lock herald out, so that takes a `keys` entry
      const fileKey = target.keys === undefined
        ? (DEFAULT_DISTRIBUTED.has(key) ? envName(d.connection, key) : undefined)
        : target.keys[keychainAccount(d.connection, key)] ?? target.keys[envName(d.connection, key)]
      if (fileKey === undefined) continue
      entries.set(fileKey, value)
      used = true
    }
    if (used) connections.push(connectionLabel(d.connection))
  }
  return { connections, entries: [...entries].map(([key, value]) => ({ key, value })) }
}

/** Pure: who besides its owner can read a file of this mode, or undefined when no one can. */
export const readableBy = (mode: number): string | undefined => {
  const who = [(mode & 0o040) !== 0 ? "group" : undefined, (mode & 0o004) !== 0 ? "others" : undefined].filter((w) => w !== undefined)
  return who.length === 0 ? undefined : `${who.join(" and ")} (mode ${(mode & 0o777).toString(8).padStart(4, "0")})`
}

/**
 * The variables a `then` command gets: PATH (to find the program), HOME and LANG, and the
 * names `then_env` adds. Nothing else of herald's environment — GITLAB_TOKEN, SMTP
 * passwords, client secrets — reaches a command herald did not write.
 */
export const thenEnvNames = (target: Pick<DistributeTarget, "then_env">): ReadonlyArray<string> => [
  ...new Set(["PATH", "HOME", "LANG", ...(target.then_env ?? [])])
]

/** An argv as a person would type it (for the report; never run through a shell). */
export const commandLine = (argv: ReadonlyArray<string>): string =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ")

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/
const HERALD_NAME = /^([a-z]+)(?::([^/]+))?\/([a-z_]+)$/

/** Pure: problems with `auth.distribute`, each prefixed with its key path. */
export const distributeIssues = (catalog: PlatformCatalog, config: HeraldConfig): ReadonlyArray<string> => {
  const issues: Array<string> = []
  const targets = config.auth?.distribute ?? []
  if (targets.length === 0) return issues
  const all = connectionsOf(config)
  // every connection's env names, made only when a key is named by one
  let envNames: Set<string> | undefined
  const isEnvName = (name: string) => (envNames ??= new Set(all.flatMap((c) => secretKeys.map((k) => envName(c, k))))).has(name)
  targets.forEach((t, i) => {
    const at = `auth.distribute.${i}`
    t.connections?.forEach((name, j) => {
      const builtins = builtinIds(catalog)
      const selected = Either.flatMap(parseTarget(name, builtins), (target) => selectConnections(all, target, "the config", builtins))
      if (Either.isLeft(selected)) issues.push(`${at}.connections.${j}: ${selected.left.reason}`)
    })
    for (const [name, fileKey] of Object.entries(t.keys ?? {})) {
      const m = HERALD_NAME.exec(name)
      const known = m !== null
        ? (isBuiltin(catalog, m[1]!) || sectionOf(config, m[1]!)?.type === "oauth2") && isSecretKey(m[3]!)
        : isEnvName(name)
      if (!known) {
        issues.push(
          `${at}.keys.${name}: unknown secret; name one as platform[:account]/key (x/access_token) or by its env name (X_ACCESS_TOKEN)`
        )
      }
      if (!DOTENV_KEY.test(fileKey)) issues.push(`${at}.keys.${name}: '${fileKey}' is not a valid .env key`)
    }
    if (t.then !== undefined && t.then[0].trim() === "") issues.push(`${at}.then.0: the command to run is empty`)
    t.then_env?.forEach((name, j) => {
      if (!ENV_NAME.test(name)) issues.push(`${at}.then_env.${j}: '${name}' is not an environment variable name`)
    })
    if (t.then_env !== undefined && t.then === undefined) issues.push(`${at}.then_env: set only with then (the command it is for)`)
  })
  return issues
}
