/** `herald auth verify`'s answer for people (a table) and for CI (JSON). Pure. */
import { connectionLabel, type PlatformId } from "../domain/Platform.js"
import type { VerifyReport } from "../domain/Verify.js"

export const renderVerifyJson = (report: VerifyReport): string => JSON.stringify(report, null, 2)

export const renderVerifyTable = (report: VerifyReport): string => {
  const rows = report.statuses.map((s) => [
    connectionLabel({ platform: s.platform as PlatformId, account: s.account }),
    `${s.health}${s.health === "ok" ? "" : " !"}`,
    s.detail
  ])
  const header = ["CONNECTION", "TOKEN", "DETAIL"]
  const widths = header.slice(0, 2).map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c)).join("  ").trimEnd()
  const n = report.statuses.length
  const summary = n === 0
    ? "no connections configured: add platforms to the config file (see herald config validate)"
    : report.attention === 0
    ? `${n} connection${n === 1 ? "" : "s"}: every token works`
    : `${report.attention} of ${n} connection${n === 1 ? "" : "s"} ${report.attention === 1 ? "has a token" : "have tokens"} that did not pass (marked !)`
  return [line(header), ...rows.map(line), "", summary].join("\n")
}
