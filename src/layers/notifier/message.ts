/**
 * The words of the one alert a run sends (DESIGN §1 "Alerts"), shared by every backend so
 * Slack, Discord, Teams and email say the same thing. Pure: built only from the report's
 * statuses (whose `detail` is already secret-free) and the time; nothing from the
 * environment, no URL, no provider body.
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import { DEFAULT_ACCOUNT } from "../../domain/Platform.js"
import type { Action, Report, Status } from "../../domain/Status.js"

/** One connection that needs a human. */
export interface AlertEntry {
  /** `linkedin`, `x:brand` — what `herald auth …` takes as TARGET */
  readonly label: string
  readonly action: Action
  readonly detail: string
  /** `2026-12-01 (9 days left)`, when the status has a `reauthBy` */
  readonly by: string | undefined
  /** the exact command(s) to run */
  readonly command: string
}

export interface AlertMessage {
  /** `herald: 2 connections need attention`; the email subject and the chat title */
  readonly subject: string
  readonly entries: ReadonlyArray<AlertEntry>
  /** one self-contained line per entry */
  readonly lines: ReadonlyArray<string>
  /** subject, a blank line, then one bullet per entry: the plain-text rendering */
  readonly text: string
}

const DAY_MS = 86_400_000

/** A detail is one line of prose; keep it so even if a future status carries more. */
const MAX_DETAIL = 300

const labelOf = (s: Status): string => (s.account === DEFAULT_ACCOUNT ? s.platform : `${s.platform}:${s.account}`)

const oneLine = (s: string): string => {
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, " ").replace(/\s+/g, " ").trim()
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL - 3)}...` : flat
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** `2026-12-01 (9 days left)`; an unreadable date is shown as written rather than dropped. */
export const byText = (reauthBy: string, now: DateTime.DateTime): string =>
  Option.match(DateTime.make(reauthBy), {
    onNone: () => oneLine(reauthBy),
    onSome: (at) => {
      const ms = DateTime.toEpochMillis(at) - DateTime.toEpochMillis(now)
      const days = Math.floor(Math.abs(ms) / DAY_MS)
      const left = ms < 0
        ? `${plural(Math.max(days, 1), "day", "days")} overdue`
        : days === 0
        ? "less than a day left"
        : `${plural(days, "day", "days")} left`
      return `${DateTime.formatIsoDateUtc(at)} (${left})`
    }
  })

/**
 * What to run. A dead grant needs a fresh login; a failure or skip needs a look first
 * (`doctor` checks secrets, keychain and write-back), then a retry of that one connection.
 * A successful action that still alerts (a refresh token near its end) needs a login
 * before the date.
 */
export const commandFor = (s: Status): string => {
  const label = labelOf(s)
  switch (s.action) {
    case "reauth-required":
      return `herald auth login ${label}`
    case "failed":
    case "skipped":
      return `herald doctor, then herald auth refresh ${label}`
    case "rotated":
    case "refreshed":
    case "healthy":
      return s.reauthBy !== undefined ? `herald auth login ${label}` : `herald doctor`
  }
}

const entryOf = (s: Status, now: DateTime.DateTime): AlertEntry => ({
  label: labelOf(s),
  action: s.action,
  detail: oneLine(s.detail),
  by: s.reauthBy === undefined ? undefined : byText(s.reauthBy, now),
  command: commandFor(s)
})

const lineOf = (e: AlertEntry): string =>
  `${e.label} (${e.action}): ${e.detail}${e.by === undefined ? "" : ` — by ${e.by}`} — run: ${e.command}`

const render = (subject: string, entries: ReadonlyArray<AlertEntry>, lines: ReadonlyArray<string>): AlertMessage => ({
  subject,
  entries,
  lines,
  text: [subject, "", ...lines.map((l) => `- ${l}`)].join("\n")
})

/** The run's one message: every status with `alert: true`, in report order. */
export const alertMessage = (report: Report, now: DateTime.DateTime): AlertMessage => {
  const connections = report.statuses.filter((s) => s.alert).map((s) => entryOf(s, now))
  // a distribution target that failed (its .env not written, its restart failing) is an entry too
  const targets = (report.distribution ?? []).filter((d) => d.alert).map((d): AlertEntry => ({
    label: d.target,
    action: "failed",
    detail: oneLine(d.detail),
    by: undefined,
    command: d.remedy ?? "herald doctor"
  }))
  const entries = [...connections, ...targets]
  const subject = connections.length === 0
    ? `herald: ${plural(targets.length, "distribution target failed", "distribution targets failed")}`
    : `herald: ${plural(connections.length, "connection needs", "connections need")} attention`
  return render(subject, entries, entries.map(lineOf))
}

/** What `herald alerts test` sends: proves the channel works, asks nothing of anyone. */
export const testMessage = (): AlertMessage =>
  render("herald: test alert", [], [
    "This is a test message from `herald alerts test`: herald's alerts reach this channel. No action is needed."
  ])

/**
 * The report `herald alerts test` hands to `Notifier.notify`. The pipeline never notifies
 * a report without alerts, so backends read one as the test (see `messageFor`).
 */
export const testReport: Report = { dryRun: false, attention: 0, statuses: [] }

export const isTestReport = (report: Report): boolean =>
  !report.statuses.some((s) => s.alert) && !(report.distribution ?? []).some((d) => d.alert)

/** The message a backend sends for a report. */
export const messageFor = (report: Report, now: DateTime.DateTime): AlertMessage =>
  isTestReport(report) ? testMessage() : alertMessage(report, now)
