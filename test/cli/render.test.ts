/** The report table (pure): dry-run wording, one date style, shared clauses once, wrapping to a width. */
import { describe, expect, it } from "vitest"
import { renderTable } from "../../src/cli/render.js"
import type { Report } from "../../src/domain/Status.js"

const report = (dryRun: boolean): Report => ({
  dryRun,
  attention: 0,
  statuses: [
    { platform: "tiktok", account: "default", action: "rotated", alert: false, detail: "rotated the refresh token; stored in the OS keychain", expiresAt: "2026-12-20T09:00:00Z" },
    { platform: "x", account: "default", action: "rotated", alert: false, detail: "rotated the refresh token (single-use); stored in the OS keychain" },
    { platform: "instagram", account: "default", action: "refreshed", alert: false, detail: "refreshed; valid until 2027-02-01T10:30:15.250Z; stored in the OS keychain" }
  ]
})

describe("renderTable", () => {
  it("says 'would rotate' / 'would refresh' in a dry run, and what was done in a real one", () => {
    expect(renderTable(report(true))).toMatch(/^tiktok +would rotate/m)
    expect(renderTable(report(true))).toMatch(/^instagram +would refresh/m)
    expect(renderTable(report(false))).toMatch(/^tiktok +rotated/m)
  })

  it("one date style in columns and text", () => {
    const table = renderTable(report(false))
    expect(table).toContain("2026-12-20 09:00 UTC")
    expect(table).toContain("valid until 2027-02-01 10:30 UTC")
    expect(table).not.toMatch(/\d{4}-\d\d-\d\dT/)
  })

  it("a clause every row repeats is said once, under the table", () => {
    const table = renderTable(report(false))
    expect(table.match(/stored in the OS keychain/g)).toHaveLength(1)
    expect(table).toContain("every connection: stored in the OS keychain")
    expect(table).toMatch(/^x +rotated +- +rotated the refresh token \(single-use\)$/m)
  })

  it("wraps the detail to the width, and stacks it under the row when the width is too small for columns", () => {
    const long: Report = { ...report(false), statuses: [{ ...report(false).statuses[0]!, detail: "word ".repeat(40).trim() }] }
    for (const width of [80, 50]) {
      for (const line of renderTable(long, { width }).split("\n")) expect(line.length).toBeLessThanOrEqual(width)
    }
    expect(renderTable(long, { width: 50 })).toMatch(/^tiktok +rotated +2026-12-20 09:00 UTC\n {4}word/m)
    expect(renderTable(long).split("\n")[1]!.length).toBeGreaterThan(200)
  })
})
