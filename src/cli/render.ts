/** The report for people (a table) and for CI (JSON). Pure. */
import { connectionLabel, type PlatformId } from "../domain/Platform.js"
import type { Action, Report, Status } from "../domain/Status.js"
import { distributionLines } from "./renderDistribution.js"

export const renderJson = (report: Report): string => JSON.stringify(report, null, 2)

const label = (s: Status) => connectionLabel({ platform: s.platform as PlatformId, account: s.account })

/** The table's one date style: `2026-12-20 09:00 UTC` (seconds dropped), in its columns and its text alike. */
const RFC3339 = /\b(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|\+00:00)/g
export const tableDates = (text: string): string => text.replace(RFC3339, "$1 $2 UTC")

const shortDate = (iso: string | undefined) => (iso === undefined ? "-" : tableDates(iso))

/** What a dry run would do, said as such: it rotated nothing. */
const actionText = (action: Action, dryRun: boolean): string => {
  if (!dryRun) return action
  if (action === "rotated") return "would rotate"
  if (action === "refreshed") return "would refresh"
  return action
}

/**
 * Clauses (the parts of a detail between "; ") that every row repeats, when there are
 * several rows: said once below the table instead.
 */
const commonClauses = (details: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (details.length < 2) return []
  const [first, ...rest] = details.map((d) => d.split("; "))
  return first!.filter((clause) => rest.every((clauses) => clauses.includes(clause)))
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
const wrap = (text: string, width: number): Array<string> => {
  const lines: Array<string> = []
  let line = ""
  for (const word of text.split(" ")) {
    if (line === "") line = word
    else if (line.length + 1 + word.length <= width) line += ` ${word}`
    else {
      lines.push(line)
      line = word
    }
  }
  lines.push(line)
  return lines
}

export interface TableOptions {
  /** the terminal's width; without it (a pipe, a file) lines are not wrapped */
  readonly width?: number | undefined
}

/** Narrower than this for the detail column, each connection's detail goes under its row instead. */
const MIN_DETAIL = 24

export const renderTable = (report: Report, options: TableOptions = {}): string => {
  const details = report.statuses.map((s) => tableDates(s.detail))
  const common = commonClauses(details)
  const rows = report.statuses.map((s, i) => {
    const own = common.length === 0 ? details[i]! : details[i]!.split("; ").filter((c) => !common.includes(c)).join("; ")
    return [label(s), `${actionText(s.action, report.dryRun)}${s.alert ? " !" : ""}`, shortDate(s.expiresAt), own === "" ? "-" : own]
  })
  const header = ["CONNECTION", "ACTION", "EXPIRES", "DETAIL"]
  const widths = header.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const detailAt = widths.reduce((a, w) => a + w + 2, 0)
  const width = options.width
  const stacked = width !== undefined && width - detailAt < MIN_DETAIL
  const fixed = (cells: ReadonlyArray<string>) => cells.slice(0, 3).map((c, i) => c.padEnd(widths[i]!)).join("  ")
  const line = (cells: ReadonlyArray<string>): Array<string> => {
    const detail = cells[3]!
    if (width === undefined) return [`${fixed(cells)}  ${detail}`.trimEnd()]
    if (stacked) return [fixed(cells).trimEnd(), ...wrap(detail, Math.max(MIN_DETAIL, width - 4)).map((l) => `    ${l}`)]
    const [head, ...more] = wrap(detail, width - detailAt)
    return [`${fixed(cells)}  ${head}`.trimEnd(), ...more.map((l) => " ".repeat(detailAt) + l)]
  }
  const table = [...(stacked ? [fixed(header).trimEnd()] : line(header)), ...rows.flatMap(line)]
  const out: Array<string> = []
  const n = report.statuses.length
  // report.attention also counts failed distribution targets, which have their own lines
  const flagged = report.statuses.filter((s) => s.alert).length
  out.push("")
  if (common.length > 0) out.push(`every connection: ${common.join("; ")}`)
  if (n === 0) out.push("no connections configured: add platforms to the config file (see herald config validate)")
  else if (flagged === 0) out.push(`${n} connection${n === 1 ? "" : "s"}: nothing needs attention${report.dryRun ? " (dry run: nothing was changed)" : ""}`)
  else out.push(`${flagged} of ${n} connection${n === 1 ? "" : "s"} need${flagged === 1 ? "s" : ""} attention (marked !)${report.dryRun ? " (dry run: nothing was changed, no alert sent)" : ""}`)
  out.push(...distributionLines(report))
  if (report.notification !== undefined) {
    out.push(
      report.notification.notified
        ? `alerts via ${report.notification.backend}: ${report.notification.detail}`
        : `no alert sent (${report.notification.backend}): ${report.notification.detail}`
    )
  }
  return [...table, ...(width === undefined ? out : out.flatMap((l) => (l === "" ? [l] : wrap(l, width))))].join("\n")
}
