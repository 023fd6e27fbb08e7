/**
 * Turning a parsed YAML value into a HeraldConfig, with every problem named by its key
 * path. Pure: the file is read elsewhere.
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type BackendCatalog, builtinIdsOf, type ConfigCatalog, genericIdsOf, type HeraldConfig, heraldConfigSchema, Rfc3339, sectionOf } from "./Config.js"
import { connectionsOf } from "./Connection.js"
import { distributeIssues } from "./Distribution.js"
import { transportIssue } from "./net.js"
import { secretKeys } from "./Platform.js"
import { builtinIds, endpointNamesIn, isBuiltin, type PlatformCatalog } from "./PlatformCatalog.js"

const unknownPlatform = (catalog: PlatformCatalog, id: string): string =>
  `unknown platform '${id}' (expected one of ${builtinIds(catalog).join(", ")}, or a generic OAuth 2.0 provider: ` +
  "an id of lower-case letters, digits, '-' and '_' with type: oauth2 and endpoints.token)"

/** A URL as it may be shown: without `user:password@`. Text that is not a URL loses anything that looks like userinfo. */
export const withoutUserinfo = (url: string): string => {
  if (URL.canParse(url)) {
    const u = new URL(url)
    if (u.username === "" && u.password === "") return url
    u.username = ""
    u.password = ""
    return u.toString()
  }
  return url.replace(/\/\/[^/?#]*@/, "//")
}

const formatIssue = (catalog: PlatformCatalog) => (issue: ParseResult.ArrayFormatterIssue): { readonly path: string; readonly text: string } => {
  const path = issue.path.map(String).join(".")
  if (issue._tag === "Unexpected") {
    const last = String(issue.path[issue.path.length - 1])
    if (issue.path.length === 2 && issue.path[0] === "platforms") {
      return { path, text: unknownPlatform(catalog, last) }
    }
    return { path, text: `unknown key '${last}'` }
  }
  if (issue._tag === "Missing") {
    // an id that is not built in is read as a generic provider: without `type` it is most likely a typo
    if (issue.path.length === 3 && issue.path[0] === "platforms" && issue.path[2] === "type") {
      return { path: issue.path.slice(0, 2).map(String).join("."), text: unknownPlatform(catalog, String(issue.path[1])) }
    }
    return { path, text: "is required" }
  }
  if (issue.path.length === 2 && issue.path[0] === "platforms" && !isBuiltin(catalog, String(issue.path[1]))) {
    return { path, text: "a generic OAuth 2.0 provider is a mapping with type: oauth2 and endpoints.token" }
  }
  return { path, text: issue.message.replace(/, actual .*/s, "").replace(/^Expected/, "expected") }
}

/**
 * Optional and nullable keys are unions, so one wrong value is reported once per member
 * and once more for each parent. Keep the deepest, most specific message per key.
 */
const tidy = (issues: ReadonlyArray<{ readonly path: string; readonly text: string }>): ReadonlyArray<string> => {
  const meaningful = issues.filter((i) => i.text !== "expected undefined" && i.text !== "expected null")
  const leaves = meaningful.filter((i) => !meaningful.some((o) => o.path !== i.path && o.path.startsWith(`${i.path}.`)))
  const byPath = new Map<string, Array<string>>()
  for (const i of leaves) byPath.set(i.path, [...(byPath.get(i.path) ?? []), i.text])
  return [...byPath].map(([path, texts]) => {
    const literals = texts.map((t) => /^expected "(.*)"$/.exec(t)?.[1])
    const text = literals.every((l) => l !== undefined) && literals.length > 1
      ? `expected one of ${literals.join(", ")}`
      : [...new Set(texts)].join("; ")
    return path ? `${path}: ${text}` : text
  })
}

/** Built once per catalog: a schema is a tree of objects, and a run validates its file more than once. */
const schemas = new WeakMap<ConfigCatalog, ReturnType<typeof heraldConfigSchema>>()
const schemaOf = (catalog: ConfigCatalog) => {
  const known = schemas.get(catalog)
  if (known !== undefined) return known
  const made = heraldConfigSchema(catalog)
  schemas.set(catalog, made)
  return made
}

const extraChecks = (catalog: ConfigCatalog, config: HeraldConfig): ReadonlyArray<string> => {
  const platforms = catalog.platforms
  const issues: Array<string> = []
  for (const platform of [...builtinIdsOf(config), ...genericIdsOf(config)]) {
    const section = sectionOf(config, platform)
    if (section === undefined) continue
    const names = endpointNamesIn(platforms, platform)
    if (!isBuiltin(platforms, platform) && section.endpoints?.["token"] === undefined) {
      issues.push(
        `platforms.${platform}.endpoints.token: is required for a generic OAuth 2.0 provider ` +
          `(the URL its refresh grant is posted to, e.g. https://auth.example.com/oauth/token)`
      )
    }
    const scopes: Array<[string, Record<string, string> | undefined]> = [[`platforms.${platform}`, section.endpoints]]
    for (const [name, acct] of Object.entries(section.accounts ?? {})) {
      scopes.push([`platforms.${platform}.accounts.${name}`, acct?.endpoints])
    }
    for (const [prefix, endpoints] of scopes) {
      for (const [name, url] of Object.entries(endpoints ?? {})) {
        if (!names.includes(name)) {
          issues.push(`${prefix}.endpoints.${name}: unknown endpoint (${platform} calls ${names.join(", ")})`)
          continue
        }
        const t = transportIssue(url)
        if (t !== undefined) issues.push(`${prefix}.endpoints.${name}: ${t}`)
      }
    }
  }
  // each backend's own checks on its section (a URL's transport), named by its key path
  const backendIssues = (part: "writeback" | "alerts", backends: BackendCatalog) =>
    Object.entries(backends).flatMap(([name, backend]) => {
      const section = config.auth?.[part]?.[name]
      return section === undefined || backend.check === undefined
        ? []
        : backend.check(section).map((issue) => `auth.${part}.${name}.${issue}`)
    })
  issues.push(...backendIssues("alerts", catalog.alerts), ...backendIssues("writeback", catalog.writeback))
  // distinct accounts must not collide on env names (x:brand-1 and x:brand_1 are both X_BRAND_1_…)
  const seen = new Map<string, string>()
  for (const c of connectionsOf(config)) {
    const key = `${c.platform}_${c.account}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_")
    const other = seen.get(key)
    if (other !== undefined) {
      issues.push(`platforms.${c.platform}.accounts.${c.account}: same variable names as account '${other}'; rename one`)
    }
    seen.set(key, c.account)
  }
  issues.push(...distributeIssues(platforms, config))
  return issues
}

// ---- accounts, checked without Schema where they are plainly right ------------------------

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)
const optional = (check: (u: unknown) => boolean) => (u: unknown) => u === undefined || check(u)
const aString = (u: unknown) => typeof u === "string"
const isRfc3339 = Schema.is(Rfc3339)
const aDate = (u: unknown) => typeof u === "string" && isRfc3339(u)
const atLeastZero = (u: unknown) => typeof u === "number" && Number.isFinite(u) && u >= 0
const overZero = (u: unknown) => typeof u === "number" && Number.isFinite(u) && u > 0
const aPort = (u: unknown) => typeof u === "number" && Number.isInteger(u) && u >= 0 && u <= 65535
const anHttpUrl = (u: unknown) => typeof u === "string" && URL.canParse(u) && /^https?:$/.test(new URL(u).protocol)
const endpointMap = (u: unknown) => isRecord(u) && Object.values(u).every(anHttpUrl)

/**
 * What each account key may hold: the same rules as Config.ts's AccountSettings, said as
 * plain checks. A key missing here (one added to the schema since) makes the account go
 * through the Schema, so a stale list costs time, never correctness; test/domain checks
 * both agree.
 */
export const quickAccountChecks: Readonly<Record<string, (u: unknown) => boolean>> = {
  // every secret key is a string
  ...Object.fromEntries(secretKeys.map((k) => [k, optional(aString)])),
  access_token_expires_at: optional(aDate),
  refresh_token_expires_at: optional(aDate),
  reauth_warn_days: optional(atLeastZero),
  min_refresh_age_hours: optional(atLeastZero),
  lifetime_days: optional(atLeastZero),
  timeout_seconds: optional(overZero),
  redirect_port: optional(aPort),
  endpoints: optional(endpointMap)
}

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9_-]*$/i

/** Whether one `accounts` entry is plainly what the schema accepts (false: let the schema say). */
export const accountPlainlyValid = (name: string, value: unknown): boolean => {
  if (!ACCOUNT_NAME.test(name)) return false
  if (value === null) return true
  if (!isRecord(value)) return false
  for (const key in value) {
    const check = quickAccountChecks[key]
    if (check === undefined || !Object.prototype.hasOwnProperty.call(quickAccountChecks, key) || !check(value[key])) return false
  }
  return true
}

/**
 * A large config is mostly accounts, and decoding thousands through the Schema is most of
 * what validating costs. Where every account of every section is plainly valid, the
 * sections are decoded without them and the accounts put back as they are (a valid
 * account decodes to itself); where any is not, the whole file goes through the Schema,
 * so every problem is reported with its key path as before.
 */
const withoutPlainAccounts = (raw: Record<string, unknown>): { readonly raw: unknown; readonly accounts: ReadonlyMap<string, Record<string, unknown>> } | undefined => {
  const platforms = raw["platforms"]
  if (!isRecord(platforms)) return undefined
  const accounts = new Map<string, Record<string, unknown>>()
  const sections: Record<string, unknown> = {}
  for (const [id, section] of Object.entries(platforms)) {
    sections[id] = section
    if (!isRecord(section) || !isRecord(section["accounts"])) continue
    const map = section["accounts"]
    for (const name in map) {
      if (!Object.prototype.hasOwnProperty.call(map, name) || !accountPlainlyValid(name, map[name])) return undefined
    }
    accounts.set(id, map)
    sections[id] = { ...section, accounts: {} }
  }
  return accounts.size === 0 ? undefined : { raw: { ...raw, platforms: sections }, accounts }
}

const withAccounts = (config: HeraldConfig, accounts: ReadonlyMap<string, Record<string, unknown>>): HeraldConfig => {
  const platforms: Record<string, unknown> = { ...config.platforms }
  for (const [id, map] of accounts) {
    const section = platforms[id]
    if (isRecord(section)) platforms[id] = { ...section, accounts: map }
  }
  return { ...config, platforms: platforms as HeraldConfig["platforms"] }
}

/**
 * Decode and check against a catalog of built-in platforms, write-back backends and
 * notifiers (programs/configCatalog.ts gives herald's); Left carries every problem, each
 * prefixed with its key path.
 */
export const validateConfigWith = (catalog: ConfigCatalog, raw: unknown): Either.Either<HeraldConfig, ReadonlyArray<string>> => {
  if (raw === null || raw === undefined) return Either.right({})
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return Either.left(["the file must be a YAML mapping with 'platforms' and/or 'auth' at the top"])
  }
  const decodeConfig = Schema.decodeUnknownEither(schemaOf(catalog), { errors: "all", onExcessProperty: "error" })
  const quick = withoutPlainAccounts(raw as Record<string, unknown>)
  const decoded = quick === undefined
    ? decodeConfig(raw)
    : Either.map(decodeConfig(quick.raw), (config) => withAccounts(config, quick.accounts))
  return decoded.pipe(
    Either.mapLeft((e) => tidy(ParseResult.ArrayFormatter.formatErrorSync(e).map(formatIssue(catalog.platforms)))),
    Either.flatMap((config) => {
      const issues = extraChecks(catalog, config)
      return issues.length > 0 ? Either.left(issues) : Either.right(config)
    })
  )
}
