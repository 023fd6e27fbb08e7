/** The report's distribution section, for the table. Pure; names and outcomes, never a value. */
import type { Report } from "../domain/Status.js"

/** Lines after the connections' table: one per target, failures marked `!` like statuses. */
export const distributionLines = (report: Report): ReadonlyArray<string> => {
  const results = report.distribution ?? []
  if (results.length === 0) return []
  const failed = results.filter((d) => d.alert).length
  return [
    "",
    "DISTRIBUTION",
    ...results.map((d) => `${d.target}${d.alert ? " !" : ""}  ${d.detail}${d.alert && d.remedy !== undefined ? `; then run: ${d.remedy}` : ""}`),
    ...(failed > 0 ? [`${failed} distribution target${failed === 1 ? "" : "s"} failed (marked !); the stored tokens are unchanged`] : [])
  ]
}
