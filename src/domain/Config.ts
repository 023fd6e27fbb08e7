/**
 * The config file's shape (DESIGN §1 "Config file"), decoded with effect/Schema.
 * Unknown keys are errors; every error names its key path.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { GENERIC_ID, type SecretKey, secretKeys } from "./Platform.js"
import { builtinIds, isBuiltin, type PlatformCatalog } from "./PlatformCatalog.js"

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** An RFC 3339 timestamp, kept as written (so the file round-trips unchanged). */
export const Rfc3339 = Schema.String.pipe(
  Schema.filter((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), {
    message: () => "expected an RFC 3339 date such as 2026-11-22T16:00:00Z"
  })
)

/** An http(s) URL (whether plain http is allowed there is checked with the rest: domain/net.ts). */
export const Url = Schema.String.pipe(
  Schema.filter((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), {
    message: () => "expected an http(s) URL"
  })
)

export const PositiveNumber = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n >= 0, { message: () => "expected a number ≥ 0" })
)

/** A per-request timeout: 0 would fail every request before it is sent. */
const TimeoutSeconds = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n > 0, { message: () => "expected a number of seconds > 0" })
)

/** Every secret key may live in the file too (resolved last, after env and keychain): one field each, from the one list. */
const secretFields = Object.fromEntries(secretKeys.map((key) => [key, Schema.optional(Schema.String)])) as {
  readonly [K in SecretKey]: Schema.optional<typeof Schema.String>
}

/** Keys an account may override: everything a platform has except `accounts` and `enabled`. */
const accountFields = {
  ...secretFields,
  // metadata, written back by herald
  access_token_expires_at: Schema.optional(Rfc3339),
  refresh_token_expires_at: Schema.optional(Rfc3339),
  // thresholds
  reauth_warn_days: Schema.optional(PositiveNumber),
  min_refresh_age_hours: Schema.optional(PositiveNumber),
  lifetime_days: Schema.optional(PositiveNumber),
  timeout_seconds: Schema.optional(TimeoutSeconds),
  // `auth login`'s loopback callback port: registered with the platform, so it must be stable
  // (default 8765); 0 takes any free port, for platforms that accept a wildcard port (TikTok)
  redirect_port: Schema.optional(
    Schema.Int.pipe(Schema.between(0, 65535, { message: () => "expected a port number from 0 to 65535" }))
  ),
  endpoints: Schema.optional(Schema.Record({ key: Schema.String, value: Url }))
}

export const AccountSettings = Schema.Struct(accountFields)
export type AccountSettings = typeof AccountSettings.Type

export const PlatformSection = Schema.Struct({
  ...accountFields,
  enabled: Schema.optional(Schema.Boolean),
  accounts: Schema.optional(
    Schema.Record({
      key: Schema.String.pipe(
        Schema.pattern(/^[a-z0-9][a-z0-9_-]*$/i, {
          message: () => "account names are letters, digits, '-' and '_'"
        })
      ),
      value: Schema.NullOr(AccountSettings)
    })
  )
})
export type PlatformSection = typeof PlatformSection.Type

/** How a generic provider's client authenticates at its token endpoint (RFC 6749 §2.3). */
export const ClientAuth = Schema.Literal("client_secret_basic", "client_secret_post", "none")
export type ClientAuth = typeof ClientAuth.Type

/** What only a generic OAuth 2.0 provider has (DESIGN §1 "Config file"): set once, for every account. */
export const genericProviderFields = {
  type: Schema.Literal("oauth2"),
  /** default client_secret_basic */
  client_auth: Schema.optional(ClientAuth),
  /** what `auth login` asks for */
  scopes: Schema.optional(Schema.Array(Schema.String)),
  /** extra authorize-URL parameters for `auth login` (`prompt: consent`) */
  authorize_params: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** PKCE S256 at login; default true */
  pkce: Schema.optional(Schema.Boolean)
}

export const GenericProvider = Schema.Struct(genericProviderFields)
export type GenericProvider = typeof GenericProvider.Type

export const GenericSection = Schema.Struct({ ...PlatformSection.fields, ...genericProviderFields })
export type GenericSection = typeof GenericSection.Type

/** A platform's section as written, built in or generic (then with its provider keys). */
export type AnySection = PlatformSection & Partial<GenericProvider>

/**
 * `platforms`: the built-in ids with their own section, any other id a generic provider.
 * Its type says what every key holds (a built-in section is an AnySection without the
 * provider keys), so a platform id that is only known at run time can index it.
 */
export interface Platforms {
  readonly [id: string]: AnySection | null | undefined
}

/**
 * The `platforms` schema for a catalog: one optional key per built-in platform (decoded in
 * the catalog's order), then every other id as a generic provider (in file order).
 */
export const platformsSchema = (catalog: PlatformCatalog): Schema.Schema<Platforms> => {
  const GenericId = Schema.String.pipe(Schema.filter((s) => !isBuiltin(catalog, s) && GENERIC_ID.test(s)))
  const builtins = Object.fromEntries(builtinIds(catalog).map((id) => [id, Schema.optional(Schema.NullOr(PlatformSection))]))
  // a built-in section is an AnySection without the provider keys: the interface above says so
  return Schema.Struct(builtins, Schema.Record({ key: GenericId, value: GenericSection })) as unknown as Schema.Schema<Platforms>
}

/**
 * A write-back backend or notifier as the config schema sees it: the schema of its section
 * (`auth.writeback.<name>`, `auth.alerts.<name>`), if it has one, and the checks that need
 * its decoded value (a URL's transport). The backends' own files define them; their
 * `index.ts` maps each name to it, and the map is handed down here.
 */
export interface BackendDescription {
  /** none where the backend has no section of its own (local, none) */
  readonly schema: Schema.Schema.AnyNoContext | undefined
  /** problems with a well-formed section, each as `key: text` relative to the section */
  readonly check?: (section: unknown) => ReadonlyArray<string>
}

/** Name → backend: the `backend` literals are its keys. */
export type BackendCatalog = Readonly<Record<string, BackendDescription>>

/** A backend's description from its section schema and the checks on its decoded value. */
export const backendDescription = <A, I>(
  schema: Schema.Schema<A, I>,
  check?: (section: A) => ReadonlyArray<string>
): BackendDescription => ({
  schema,
  ...(check === undefined ? {} : {
    check: (section: unknown) =>
      Option.match(Schema.decodeUnknownOption(schema)(section), { onNone: () => [], onSome: check })
  })
})

/** Everything the config schema is made from: the built-in platforms, the write-back backends, the notifiers. */
export interface ConfigCatalog {
  readonly platforms: PlatformCatalog
  readonly writeback: BackendCatalog
  readonly alerts: BackendCatalog
}

/** `auth.writeback`: the backend's name, and each backend's own section under its name. */
export interface WriteBackSection {
  readonly backend?: string | undefined
  /** herald's own CI token (GITLAB_TOKEN, the GitHub token) alerts this many days before it expires (default 14) */
  readonly reauth_warn_days?: number | undefined
  readonly [backend: string]: unknown
}

/** `auth.alerts`: the notifier's name, when to repeat, and each notifier's own section under its name. */
export interface AlertsSection {
  readonly backend?: string | undefined
  readonly remind_hours?: number | undefined
  readonly escalate_days?: ReadonlyArray<number> | undefined
  readonly [backend: string]: unknown
}

/** `backend` and one optional section per backend that has one. */
const backendFields = (backends: BackendCatalog) => {
  const names = Object.keys(backends)
  const sections = Object.fromEntries(
    Object.entries(backends).flatMap(([name, b]) => (b.schema === undefined ? [] : [[name, Schema.optional(b.schema)]]))
  )
  return { backend: Schema.optional(Schema.Literal(...names)), ...sections }
}

/** `auth.alerts.remind_hours`: a standing condition is repeated at most this often (0 = every run). */
const RemindHours = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n >= 0, {
    message: () => "expected a number of hours ≥ 0, such as 24 (0 repeats the alert on every run)"
  })
)

/** `auth.alerts.escalate_days`: days before a re-auth date at which the alert is sent again. */
const EscalateDays = Schema.Array(
  Schema.Number.pipe(
    Schema.filter((n) => Number.isFinite(n) && n > 0, {
      message: () => "expected a number of days > 0 (escalate_days is a list such as [7, 3, 1]; [] turns escalation off)"
    })
  )
).annotations({ message: () => "expected a list of days such as [7, 3, 1] ([] turns escalation off)" })

const alertsSchema = (alerts: BackendCatalog): Schema.Schema<AlertsSection> =>
  Schema.Struct({
    ...backendFields(alerts),
    remind_hours: Schema.optional(RemindHours),
    escalate_days: Schema.optional(EscalateDays)
  }) as unknown as Schema.Schema<AlertsSection>

const writeBackSchema = (writeback: BackendCatalog): Schema.Schema<WriteBackSection> =>
  Schema.Struct({
    ...backendFields(writeback),
    reauth_warn_days: Schema.optional(PositiveNumber)
  }) as unknown as Schema.Schema<WriteBackSection>

/**
 * One `auth.distribute` entry: a dotenv file that receives the secrets a run stored for the
 * connections it names (TARGET syntax; default all). `keys` maps herald's names
 * (`x/access_token`, or the env name `X_ACCESS_TOKEN`) to the file's keys; when given, only
 * those secrets are written. `then` is an argv (no shell) run once after the file changed,
 * with PATH, HOME, LANG and the `then_env` names as its whole environment.
 */
export const DistributeTarget = Schema.Struct({
  dotenv: Schema.String.pipe(Schema.minLength(1, { message: () => "expected the path of a .env file" })),
  connections: Schema.optional(Schema.Array(Schema.String)),
  keys: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  then: Schema.optional(Schema.NonEmptyArray(Schema.String)),
  /** environment variables `then` gets besides PATH, HOME and LANG (by name; values from herald's environment) */
  then_env: Schema.optional(Schema.Array(Schema.String)),
  timeout_seconds: Schema.optional(PositiveNumber)
})
export type DistributeTarget = typeof DistributeTarget.Type

const authSchema = (writeback: Schema.Schema<WriteBackSection>, alerts: Schema.Schema<AlertsSection>) => Schema.Struct({
  writeback: Schema.optional(writeback),
  distribute: Schema.optional(Schema.Array(DistributeTarget)),
  alerts: Schema.optional(alerts),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** every HTTP request's timeout unless a platform sets its own (default 30) */
  timeout_seconds: Schema.optional(TimeoutSeconds)
})

const configOf = (platforms: Schema.Schema<Platforms>, writeback: Schema.Schema<WriteBackSection>, alerts: Schema.Schema<AlertsSection>) =>
  Schema.Struct({
    platforms: Schema.optional(Schema.NullOr(platforms)),
    auth: Schema.optional(Schema.NullOr(authSchema(writeback, alerts)))
  })

/**
 * The config file's schema for a catalog: the built-in platforms (platforms/registry.ts),
 * the write-back backends and the notifiers (layers/writeback/index.ts, layers/notifier/index.ts).
 */
export const heraldConfigSchema = (catalog: ConfigCatalog) =>
  configOf(platformsSchema(catalog.platforms), writeBackSchema(catalog.writeback), alertsSchema(catalog.alerts))
export type HeraldConfig = Schema.Schema.Type<ReturnType<typeof configOf>>

export const emptyConfig: HeraldConfig = {}

/** The section `platforms.<id>` (null and absent are both undefined here). */
export const sectionOf = (config: HeraldConfig, platform: string): AnySection | undefined =>
  config.platforms?.[platform] ?? undefined

/** Whether `platforms.<id>` is written in the file at all (`x:` with no value counts). */
export const isWritten = (config: HeraldConfig, platform: string): boolean =>
  config.platforms != null && Object.prototype.hasOwnProperty.call(config.platforms, platform)

/** Pure: whether `platforms.<id>` is a generic provider's section (`type: oauth2`; a built-in section has no `type`). */
export const isGenericSection = (config: HeraldConfig, id: string): boolean => sectionOf(config, id)?.type === "oauth2"

/** The generic providers the file defines, in file order. */
export const genericIdsOf = (config: HeraldConfig): ReadonlyArray<string> =>
  config.platforms == null ? [] : Object.keys(config.platforms).filter((id) => isGenericSection(config, id))

/** The built-in platforms the file writes, in its (decoded: the catalog's) order. */
export const builtinIdsOf = (config: HeraldConfig): ReadonlyArray<string> =>
  config.platforms == null ? [] : Object.keys(config.platforms).filter((id) => !isGenericSection(config, id))
