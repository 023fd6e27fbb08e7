/**
 * The config file's shape (DESIGN §1 "Config file"), decoded with effect/Schema.
 * Unknown keys are errors; every error names its key path.
 */
import * as Schema from "effect/Schema"

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** An RFC 3339 timestamp, kept as written (so the file round-trips unchanged). */
export const Rfc3339 = Schema.String.pipe(
  Schema.filter((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), {
    message: () => "expected an RFC 3339 date such as 2026-11-22T16:00:00Z"
  })
)

const Url = Schema.String.pipe(
  Schema.filter((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), {
    message: () => "expected an http(s) URL"
  })
)

const PositiveNumber = Schema.Number.pipe(
  Schema.filter((n) => Number.isFinite(n) && n >= 0, { message: () => "expected a number ≥ 0" })
)

/** Keys an account may override: everything a platform has except `accounts` and `enabled`. */
const accountFields = {
  // secrets may live here too (resolved last, after env and keychain)
  access_token: Schema.optional(Schema.String),
  refresh_token: Schema.optional(Schema.String),
  client_id: Schema.optional(Schema.String),
  client_key: Schema.optional(Schema.String),
  client_secret: Schema.optional(Schema.String),
  app_secret: Schema.optional(Schema.String),
  // metadata, written back by herald
  access_token_expires_at: Schema.optional(Rfc3339),
  refresh_token_expires_at: Schema.optional(Rfc3339),
  // thresholds
  reauth_warn_days: Schema.optional(PositiveNumber),
  min_refresh_age_hours: Schema.optional(PositiveNumber),
  lifetime_days: Schema.optional(PositiveNumber),
  timeout_seconds: Schema.optional(PositiveNumber),
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

const Platforms = Schema.Struct({
  instagram: Schema.optional(Schema.NullOr(PlatformSection)),
  youtube: Schema.optional(Schema.NullOr(PlatformSection)),
  tiktok: Schema.optional(Schema.NullOr(PlatformSection)),
  linkedin: Schema.optional(Schema.NullOr(PlatformSection)),
  x: Schema.optional(Schema.NullOr(PlatformSection))
})

export const GitLabSettings = Schema.Struct({
  project: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  api_url: Schema.optional(Url),
  environment_scope: Schema.optional(Schema.String)
})

export const WriteBackSettings = Schema.Struct({
  backend: Schema.optional(Schema.Literal("local", "gitlab")),
  gitlab: Schema.optional(GitLabSettings)
})

export const WebhookSettings = Schema.Struct({
  url: Schema.optional(Url),
  format: Schema.optional(Schema.Literal("slack", "discord", "teams", "generic"))
})

export const EmailSettings = Schema.Struct({
  host: Schema.String,
  port: Schema.optional(Schema.Number),
  secure: Schema.optional(Schema.Boolean),
  from: Schema.String,
  to: Schema.Union(Schema.String, Schema.Array(Schema.String))
})

export const AlertSettings = Schema.Struct({
  backend: Schema.optional(Schema.Literal("none", "webhook", "email")),
  webhook: Schema.optional(WebhookSettings),
  email: Schema.optional(EmailSettings)
})

export const AuthSettings = Schema.Struct({
  writeback: Schema.optional(WriteBackSettings),
  alerts: Schema.optional(AlertSettings),
  concurrency: Schema.optional(Schema.Int.pipe(Schema.positive()))
})

export const HeraldConfig = Schema.Struct({
  platforms: Schema.optional(Schema.NullOr(Platforms)),
  auth: Schema.optional(Schema.NullOr(AuthSettings))
})
export type HeraldConfig = typeof HeraldConfig.Type

export const emptyConfig: HeraldConfig = {}
