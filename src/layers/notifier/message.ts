/**
 * The words of the one alert a run sends (DESIGN §1 "Alerts"), shared by every backend so
 * Slack, Discord, Teams and email say the same thing. Pure: built only from the report's
 * statuses (whose `detail` is already secret-free) and the time; nothing from the
 * environment, no URL, no provider body.
 */
import * as DateTime from "effect/DateTime"
import * as Option from "effect/Option"
import { DEFAULT_ACCOUNT } from "../../domain/Platform.js"
import { type AlertEvent, eventRank, targetSubject } from "../../domain/Alerts.js"
import type { Action, Report, Status } from "../../domain/Status.js"
import type { AlertNotice } from "../../services/Notifier.js"

/** What happened to one entry, in the words a message leads with. */
export const eventWords: Readonly<Record<AlertEvent, string>> = {
  alert: "new",
  reminder: "still",
  escalation: "now urgent",
  recovery: "fixed"
}

/** One connection (or distribution target) the message is about. */
export interface AlertEntry {
  /** `linkedin`, `x:brand` — what `herald auth …` takes as TARGET */
  readonly label: string
  /** why it is in this message: new, still standing, now urgent, fixed */
  readonly event: AlertEvent
  readonly action: Action
  readonly detail: string
  /** `2026-12-01 (9 days left)`, when the status has a `reauthBy` */
  readonly by: string | undefined
  /** the exact command(s) to run; none for a recovery */
  readonly command: string | undefined
}

/** Where the run that sends the message ran: named in every message. */
export interface AlertOrigin {
  readonly host: string
  /** the config file the run used */
  readonly config: string
}

export interface AlertMessage {
  /** `herald: new: 2 connections need attention`; the email subject and the chat title */
  readonly subject: string
  /** the most pressing event in the message (`alert` when the message is not about events) */
  readonly event: AlertEvent
  readonly entries: ReadonlyArray<AlertEntry>
  /** one self-contained line per entry */
  readonly lines: ReadonlyArray<string>
  /** `sent by herald on HOST for CONFIG`, when the origin is known */
  readonly footer: string | undefined
  /** subject, a blank line, one bullet per entry, then the footer: the plain-text rendering */
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

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * The command is given once, in the entry's own "run:" part: a detail that ends by saying
 * the same command ("…; run herald auth login linkedin before then") loses that clause.
 */
const withoutCommand = (detail: string, command: string | undefined): string => {
  if (command === undefined) return detail
  const said = new RegExp(`[;,]?\\s*run ${escapeRegExp(command)}(\\s+before then)?(?=$|[;,)])`, "g")
  const out = detail.replace(said, "").trim()
  return out === "" ? detail : out
}

const entryOf = (s: Status, event: AlertEvent, now: DateTime.DateTime): AlertEntry => {
  const command = event === "recovery" ? undefined : commandFor(s)
  return {
    label: labelOf(s),
    event,
    action: s.action,
    detail: oneLine(withoutCommand(s.detail, command)),
    by: event === "recovery" || s.reauthBy === undefined ? undefined : byText(s.reauthBy, now),
    command
  }
}

export const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

const lineOf = (e: AlertEntry): string =>
  `${capitalised(eventWords[e.event])}: ${e.label} (${e.action}): ${e.detail}` +
  `${e.by === undefined ? "" : ` — by ${e.by}`}${e.command === undefined ? "" : ` — run: ${e.command}`}`

const footerOf = (origin: AlertOrigin | undefined): string | undefined =>
  origin === undefined ? undefined : `sent by herald on ${oneLine(origin.host)} for ${oneLine(origin.config)}`

const render = (
  subject: string,
  event: AlertEvent,
  entries: ReadonlyArray<AlertEntry>,
  lines: ReadonlyArray<string>,
  origin: AlertOrigin | undefined
): AlertMessage => {
  const footer = footerOf(origin)
  return {
    subject,
    event,
    entries,
    lines,
    footer,
    text: [subject, "", ...lines.map((l) => `- ${l}`), ...(footer === undefined ? [] : ["", footer])].join("\n")
  }
}

/** The run's one message: one entry per event, in report order, led by what happened. */
export const alertMessage = (
  report: Report,
  now: DateTime.DateTime,
  notice?: AlertNotice,
  origin?: AlertOrigin
): AlertMessage => {
  const eventOf = new Map<string, AlertEvent>(
    notice === undefined
      ? [
        ...report.statuses.filter((s) => s.alert).map((s) => [labelOf(s), "alert"] as const),
        ...(report.distribution ?? []).filter((d) => d.alert).map((d) => [targetSubject(d.target), "alert"] as const)
      ]
      : notice.events.map((e) => [e.subject, e.event] as const)
  )
  const connections = report.statuses.flatMap((s) => {
    const event = eventOf.get(labelOf(s))
    return event === undefined ? [] : [entryOf(s, event, now)]
  })
  // a distribution target that failed (its .env not written, its restart failing) is an entry too
  const targets = (report.distribution ?? []).flatMap((d): Array<AlertEntry> => {
    const event = eventOf.get(targetSubject(d.target))
    if (event === undefined) return []
    const recovered = event === "recovery"
    return [{
      label: d.target,
      event,
      action: recovered ? "healthy" : "failed",
      detail: oneLine(d.detail),
      by: undefined,
      command: recovered ? undefined : d.remedy ?? "herald doctor"
    }]
  })
  const entries = [...connections, ...targets]
  const top = entries.reduce<AlertEvent>((best, e) => (eventRank[e.event] > eventRank[best] ? e.event : best), "recovery")
  const standing = entries.filter((e) => e.event !== "recovery")
  const fixed = entries.length - standing.length
  const standingConnections = connections.filter((e) => e.event !== "recovery").length
  const what = standingConnections > 0
    ? `${plural(standingConnections, "connection needs", "connections need")} attention`
    : `${plural(standing.length, "distribution target failed", "distribution targets failed")}`
  const fixedText = fixed === 1 && entries.length === 1
    ? `${entries[0]!.label} works again`
    : `${plural(fixed, "connection", "connections")} working again`
  const subject = standing.length === 0
    ? `herald: fixed: ${fixedText}`
    : `herald: ${eventWords[top]}: ${what}${fixed > 0 ? `; ${fixedText}` : ""}`
  return render(subject, standing.length === 0 ? "recovery" : top, entries, entries.map(lineOf), origin)
}

/** What `herald alerts test` sends: proves the channel works, asks nothing of anyone. */
export const testMessage = (origin?: AlertOrigin): AlertMessage =>
  render("herald: test alert", "alert", [], [
    "This is a test message from `herald alerts test`: herald's alerts reach this channel. No action is needed."
  ], origin)

/**
 * The report `herald alerts test` hands to `Notifier.notify`. The pipeline never notifies
 * a report without alerts or events, so backends read one as the test (see `messageFor`).
 */
export const testReport: Report = { dryRun: false, attention: 0, statuses: [] }

export const isTestReport = (report: Report, notice?: AlertNotice): boolean =>
  (notice === undefined || notice.events.length === 0) &&
  !report.statuses.some((s) => s.alert) && !(report.distribution ?? []).some((d) => d.alert)

/** The message a backend sends for a report and what the run tells. */
export const messageFor = (report: Report, now: DateTime.DateTime, notice?: AlertNotice, origin?: AlertOrigin): AlertMessage =>
  isTestReport(report, notice) ? testMessage(origin) : alertMessage(report, now, notice, origin)
