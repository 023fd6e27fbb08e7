/**
 * Alert memory (DESIGN §1 "Alerts"): what herald has told a human, per config, and the pure
 * decision of what a run sends now. A condition is a connection (or distribution target),
 * a kind and a date — never a detail text, never a secret. The same memory also keeps the
 * platforms' refusals (issue 18 item 5): when a grant was refused and a salted fingerprint
 * of the secrets it was refused with, so a dead token is not sent again on every run.
 */
import { createHash } from "node:crypto"
import * as Schema from "effect/Schema"
import { connectionLabel, type PlatformId } from "./Platform.js"
import type { Report } from "./Status.js"

export const AlertEvent = Schema.Literal("alert", "reminder", "escalation", "recovery")
export type AlertEvent = typeof AlertEvent.Type

/** How events rank when one message carries several: the most pressing names the message. */
export const eventRank: Readonly<Record<AlertEvent, number>> = { escalation: 3, alert: 2, reminder: 1, recovery: 0 }

/** Something that needs a human now. `subject` is the connection label or `target <name>`. */
export interface Condition {
  readonly subject: string
  readonly kind: string
  /** the re-auth date (RFC 3339), when the condition has one */
  readonly date?: string | undefined
}

/** A condition as it was last told. */
export const Told = Schema.Struct({
  kind: Schema.String,
  date: Schema.optional(Schema.String),
  /** when it was last sent (alert, reminder or escalation) */
  toldAt: Schema.String,
  /** the smallest `escalate_days` mark the date had crossed when it was last told */
  mark: Schema.optional(Schema.Number)
})
export type Told = typeof Told.Type

/** The platform refused this connection's grant: when, and a fingerprint of the secrets it was given. */
export const Refusal = Schema.Struct({
  at: Schema.String,
  fingerprint: Schema.String
})
export type Refusal = typeof Refusal.Type

export const AlertMemoryState = Schema.Struct({
  version: Schema.Literal(1),
  /** random per file: fingerprints in one file cannot be compared with another's */
  salt: Schema.String,
  told: Schema.Record({ key: Schema.String, value: Told }),
  refusals: Schema.Record({ key: Schema.String, value: Refusal })
})
export type AlertMemoryState = typeof AlertMemoryState.Type

export const emptyMemory = (salt: string): AlertMemoryState => ({ version: 1, salt, told: {}, refusals: {} })

export interface AlertPolicy {
  /** a standing condition is repeated at most this often; 0 = every run */
  readonly remindHours: number
  /** days before a re-auth date at which the condition is sent again, as an escalation */
  readonly escalateDays: ReadonlyArray<number>
}

export const DEFAULT_REMIND_HOURS = 24
export const DEFAULT_ESCALATE_DAYS: ReadonlyArray<number> = [7, 3, 1]

export const alertPolicyOf = (alerts: { readonly remind_hours?: number | undefined; readonly escalate_days?: ReadonlyArray<number> | undefined } | undefined): AlertPolicy => ({
  remindHours: alerts?.remind_hours ?? DEFAULT_REMIND_HOURS,
  escalateDays: alerts?.escalate_days ?? DEFAULT_ESCALATE_DAYS
})

const HOUR = 3_600_000
const DAY = 86_400_000
/**
 * A schedule's jitter (a timer a minute late one day, a minute early the next) must not
 * push a daily reminder to the following run: a reminder this close to due is due.
 */
const REMINDER_SLACK = 5 * 60_000

/** How a distribution target is named among the subjects (connections go by their label). */
export const targetSubject = (target: string): string => `target ${target}`

/**
 * The conditions a report shows, and every subject it looked at (a subject that was looked
 * at and shows no condition has recovered; one the run did not look at keeps its memory).
 */
export const conditionsOf = (report: Report): { readonly conditions: ReadonlyArray<Condition>; readonly present: ReadonlyArray<string> } => {
  const conditions: Array<Condition> = []
  const present: Array<string> = []
  for (const s of report.statuses) {
    const subject = connectionLabel({ platform: s.platform as PlatformId, account: s.account })
    present.push(subject)
    if (s.alert) conditions.push({ subject, kind: s.action, date: s.reauthBy })
  }
  for (const d of report.distribution ?? []) {
    const subject = targetSubject(d.target)
    present.push(subject)
    if (d.alert) conditions.push({ subject, kind: "distribution-failed" })
  }
  return { conditions, present }
}

/** One event to send. */
export interface Outgoing {
  readonly event: AlertEvent
  readonly subject: string
  /** the condition now; for a recovery, the one that cleared */
  readonly condition: Condition
}

/** A condition not sent this run, and why. */
export interface HeldBack {
  readonly subject: string
  readonly event: "reminder"
  /** `reminder due in 20 h` */
  readonly reason: string
}

export interface AlertDecision {
  readonly send: ReadonlyArray<Outgoing>
  readonly held: ReadonlyArray<HeldBack>
  /** the memory once `send` has been delivered; keep the old one if it was not */
  readonly memory: AlertMemoryState
}

const millis = (iso: string | undefined): number | undefined => {
  if (iso === undefined) return undefined
  const t = Date.parse(iso)
  return Number.isNaN(t) ? undefined : t
}

/** The smallest mark the date has crossed (days left ≤ mark), if any; a past date has crossed them all. */
export const crossedMark = (date: string | undefined, now: number, marks: ReadonlyArray<number>): number | undefined => {
  const at = millis(date)
  if (at === undefined) return undefined
  const left = (at - now) / DAY
  const crossed = marks.filter((m) => left <= m)
  return crossed.length === 0 ? undefined : Math.min(...crossed)
}

/** Dates this close are one date: an expiry computed as "now + expires_in" moves by a second or two between runs. */
const DATE_TOLERANCE = HOUR

/**
 * Two dates name the same condition when they are (within an hour) the same, or when both
 * are already due: a refused grant reports "re-auth by now" on every run, and that must
 * not read as a new condition. A renewal moves a date by days.
 */
const sameDate = (a: string | undefined, b: string | undefined, now: number): boolean => {
  if (a === b) return true
  const ta = millis(a)
  const tb = millis(b)
  if (ta === undefined || tb === undefined) return false
  return Math.abs(ta - tb) < DATE_TOLERANCE || (ta <= now && tb <= now)
}

const isSame = (told: Told, c: Condition, now: number): boolean => told.kind === c.kind && sameDate(told.date, c.date, now)

const hoursText = (ms: number): string => {
  const h = Math.max(1, Math.ceil(ms / HOUR))
  return `${h} h`
}

/**
 * What this run sends: a condition not told before, or changed, is an `alert`; one told
 * before whose date has crossed a further mark is an `escalation`; one told at least
 * `remindHours` ago is a `reminder` (0: every run); any other is held back with the time
 * its reminder is due. A subject the run looked at that was told a condition and shows
 * none now gets one `recovery`. Pure: `now` is epoch milliseconds.
 */
export const decideAlerts = (input: {
  readonly conditions: ReadonlyArray<Condition>
  readonly present: ReadonlyArray<string>
  readonly memory: AlertMemoryState
  readonly now: number
  readonly policy: AlertPolicy
}): AlertDecision => {
  const { conditions, memory, now, policy } = input
  const send: Array<Outgoing> = []
  const held: Array<HeldBack> = []
  const told: Record<string, Told> = { ...memory.told }
  const nowIso = new Date(now).toISOString()
  const remember = (c: Condition) => {
    const mark = crossedMark(c.date, now, policy.escalateDays)
    told[c.subject] = {
      kind: c.kind,
      ...(c.date !== undefined ? { date: c.date } : {}),
      toldAt: nowIso,
      ...(mark !== undefined ? { mark } : {})
    }
  }
  const withCondition = new Set<string>()
  for (const c of conditions) {
    withCondition.add(c.subject)
    const before = memory.told[c.subject]
    if (before === undefined || !isSame(before, c, now)) {
      send.push({ event: "alert", subject: c.subject, condition: c })
      remember(c)
      continue
    }
    const mark = crossedMark(c.date, now, policy.escalateDays)
    if (mark !== undefined && (before.mark === undefined || mark < before.mark)) {
      send.push({ event: "escalation", subject: c.subject, condition: c })
      remember(c)
      continue
    }
    const interval = policy.remindHours * HOUR
    const last = millis(before.toldAt) ?? 0
    const dueAt = last + interval
    if (policy.remindHours === 0 || now >= dueAt - Math.min(REMINDER_SLACK, interval / 10)) {
      send.push({ event: "reminder", subject: c.subject, condition: c })
      remember(c)
      continue
    }
    held.push({ subject: c.subject, event: "reminder", reason: `reminder due in ${hoursText(dueAt - now)}` })
  }
  const present = new Set(input.present)
  for (const [subject, before] of Object.entries(memory.told)) {
    if (!present.has(subject) || withCondition.has(subject)) continue
    send.push({ event: "recovery", subject, condition: { subject, kind: before.kind, date: before.date } })
    delete told[subject]
  }
  return { send, held, memory: { ...memory, told } }
}

/**
 * The memory without connections the config no longer has: a connection removed while it
 * alerted, and added back later, starts afresh (its first condition is an alert again).
 */
export const forgetUnconfigured = (memory: AlertMemoryState, configured: ReadonlyArray<string>): AlertMemoryState => {
  const keep = new Set(configured)
  const kept = <A>(record: Readonly<Record<string, A>>) =>
    Object.fromEntries(Object.entries(record).filter(([subject]) => keep.has(subject) || subject.startsWith("target ")))
  return { ...memory, told: kept(memory.told), refusals: kept(memory.refusals) }
}

// ---- refusals (no refresh storms) ------------------------------------------------------

/** After this long a refused grant is tried again even with unchanged secrets. */
export const REFUSAL_RETRY_MS = DAY

export type RefusalVerdict =
  | { readonly _tag: "Ask" }
  | { readonly _tag: "Hold"; readonly refusedAt: string; readonly retryAt: string }

/**
 * Whether to send a connection's grant to its platform again. Once refused, it is not
 * sent again with the same secrets (same fingerprint) until a day has passed; new
 * secrets (`auth set`, `auth login`, a changed client secret) are tried at once.
 */
export const refusalVerdict = (known: Refusal | undefined, fingerprint: string, now: number): RefusalVerdict => {
  if (known === undefined || known.fingerprint !== fingerprint) return { _tag: "Ask" }
  const at = millis(known.at)
  if (at === undefined || now >= at + REFUSAL_RETRY_MS || now < at) return { _tag: "Ask" }
  return { _tag: "Hold", refusedAt: known.at, retryAt: new Date(at + REFUSAL_RETRY_MS).toISOString().replace(/\.000Z$/, "Z") }
}

/**
 * A short, salted SHA-256 of a connection's secrets (name=value pairs, in key order): equal
 * exactly when the secrets are, and useless for recovering any of them. Pure.
 */
export const fingerprintOf = (salt: string, secrets: ReadonlyArray<readonly [string, string]>): string => {
  const hash = createHash("sha256").update(salt)
  for (const [key, value] of [...secrets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    hash.update(`\u0000${key}\u0000${value.length}:${value}`)
  }
  return hash.digest("hex").slice(0, 16)
}
