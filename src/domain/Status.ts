/** What the report says about one connection, and the run as a whole (DESIGN §1 "The report"). */
import * as Schema from "effect/Schema"
import { Distribution } from "./Distribution.js"

export const Action = Schema.Literal("rotated", "refreshed", "healthy", "reauth-required", "skipped", "failed")
export type Action = typeof Action.Type

export const Status = Schema.Struct({
  platform: Schema.String,
  account: Schema.String,
  action: Action,
  expiresAt: Schema.optional(Schema.String),
  reauthBy: Schema.optional(Schema.String),
  alert: Schema.Boolean,
  detail: Schema.String,
  /**
   * Where this run put a new secret, for CI to check without parsing `detail`:
   * "keychain", "config-file" (local write-back without a usable keychain), "gitlab", "github", or
   * "recovery-file" when write-back failed and only the journal holds it.
   */
  storedIn: Schema.optional(Schema.String)
})
export type Status = typeof Status.Type

export const NotifyResult = Schema.Struct({
  backend: Schema.String,
  /** a message went out */
  notified: Schema.Boolean,
  /** the events it carried, one per connection told: `alert`, `reminder`, `escalation`, `recovery` */
  sent: Schema.Array(Schema.String),
  /** what was not told this run, and why: `linkedin: reminder due in 20 h` */
  held: Schema.Array(Schema.String),
  detail: Schema.String
})
export type NotifyResult = typeof NotifyResult.Type

export const Report = Schema.Struct({
  dryRun: Schema.Boolean,
  attention: Schema.Number,
  statuses: Schema.Array(Status),
  notification: Schema.optional(NotifyResult),
  /** what each `auth.distribute` target did with this run's new secrets */
  distribution: Schema.optional(Schema.Array(Distribution))
})
export type Report = typeof Report.Type

export const needsAttention = (s: Status): boolean => s.alert

export const makeReport = (dryRun: boolean, statuses: ReadonlyArray<Status>): Report => ({
  dryRun,
  attention: statuses.filter(needsAttention).length,
  statuses
})

/** Pure: the report with the distribution results; a failed target counts as needing attention. */
export const withDistribution = (report: Report, results: ReadonlyArray<Distribution>): Report =>
  results.length === 0
    ? report
    : { ...report, attention: report.attention + results.filter((r) => r.alert).length, distribution: results }
