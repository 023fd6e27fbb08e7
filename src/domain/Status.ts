/** What the report says about one connection, and the run as a whole (DESIGN §1 "The report"). */
import * as Schema from "effect/Schema"

export const Action = Schema.Literal("rotated", "refreshed", "healthy", "reauth-required", "skipped", "failed")
export type Action = typeof Action.Type

export const Status = Schema.Struct({
  platform: Schema.String,
  account: Schema.String,
  action: Action,
  expiresAt: Schema.optional(Schema.String),
  reauthBy: Schema.optional(Schema.String),
  alert: Schema.Boolean,
  detail: Schema.String
})
export type Status = typeof Status.Type

export const NotifyResult = Schema.Struct({
  backend: Schema.String,
  notified: Schema.Boolean,
  detail: Schema.String
})
export type NotifyResult = typeof NotifyResult.Type

export const Report = Schema.Struct({
  dryRun: Schema.Boolean,
  attention: Schema.Number,
  statuses: Schema.Array(Status),
  notification: Schema.optional(NotifyResult)
})
export type Report = typeof Report.Type

export const needsAttention = (s: Status): boolean => s.alert

export const makeReport = (dryRun: boolean, statuses: ReadonlyArray<Status>): Report => ({
  dryRun,
  attention: statuses.filter(needsAttention).length,
  statuses
})
