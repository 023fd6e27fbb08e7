/** The report for people (a table) and for CI (JSON). Pure. */
import { connectionLabel, type PlatformId } from "../domain/Platform.js"
import type { Report, Status } from "../domain/Status.js"
import { distributionLines } from "./renderDistribution.js"

export const renderJson = (report: Report): string => JSON.stringify(report, null, 2)

const label = (s: Status) => connectionLabel({ platform: s.platform as PlatformId, account: s.account })

const shortDate = (iso: string | undefined) => (iso === undefined ? "-" : iso.replace("T", " ").replace(/:\d{2}(\.\d+)?Z$/, "Z"))

export const renderTable = (report: Report): string => {
  const rows = report.statuses.map((s) => [
    label(s),
    `${s.action}${s.alert ? " !" : ""}`,
    shortDate(s.expiresAt),
    s.detail
  ])
  const header = ["CONNECTION", "ACTION", "EXPIRES", "DETAIL"]
  const widths = header.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join("  ").trimEnd()
  const out = [line(header), ...rows.map(line)]
  const n = report.statuses.length
  // report.attention also counts failed distribution targets, which have their own lines
  const flagged = report.statuses.filter((s) => s.alert).length
  out.push("")
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
  return out.join("\n")
}
