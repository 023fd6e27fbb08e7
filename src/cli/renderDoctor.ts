/** `herald doctor` for people (text) and for CI (JSON). Pure; names only, never a value. */
import { connectionLabel, type PlatformId } from "../domain/Platform.js"
import { type ConnectionFinding, type DoctorReport, missingSecretRemedy, type SecretFinding } from "../programs/doctor.js"

export const renderDoctorJson = (report: DoctorReport): string => JSON.stringify(report, null, 2)

const sourceText: Record<SecretFinding["source"], string> = {
  env: "environment",
  keychain: "OS keychain",
  config: "config file",
  journal: "journal",
  missing: "MISSING",
  unreadable: "UNREADABLE"
}

const secretLine = (c: ConnectionFinding, backend: string) => (s: SecretFinding): [string, string, string] => {
  if (s.source === "unreadable") return [s.key, sourceText.unreadable, `${s.name}: ${s.reason ?? "error"}`]
  if (s.source !== "missing") return [s.key, sourceText[s.source], s.name]
  if (!s.required) return [s.key, "not set", "optional"]
  const remedy = missingSecretRemedy(c, s.key, s.name, backend)
  return [s.key, sourceText.missing, `${remedy.text} (tried ${(s.tried ?? [s.name]).join(", ")})`]
}

const columns = (rows: ReadonlyArray<ReadonlyArray<string>>, indent: string): Array<string> => {
  const widths = rows.reduce<Array<number>>(
    (w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)),
    []
  )
  return rows.map((r) => indent + r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join("  ").trimEnd())
}

export const renderDoctorText = (report: DoctorReport): string => {
  const out: Array<string> = []
  out.push(...columns([
    [
      "config",
      report.config.found
        ? `${report.config.file} (found via ${report.config.via})`
        : `${report.config.file} does not exist (via ${report.config.via}): a valid, empty config`
    ],
    ["keychain", report.keychain.usable ? report.keychain.detail : `unavailable: ${report.keychain.detail}`],
    ["write-back", `${report.writeBack.backend}: ${report.writeBack.detail}`],
    ["alerts", `${report.notifier.backend}: ${report.notifier.detail}`]
  ], ""))
  for (const c of report.connections) {
    out.push("", connectionLabel({ platform: c.platform as PlatformId, account: c.account }))
    out.push(...columns([
      ...c.secrets.map(secretLine(c, report.writeBack.backend)),
      ...c.endpoints.map((e) => [`endpoint ${e.name}`, e.reachable ? "answers" : "NO ANSWER", `${e.url} (${e.detail})`])
    ], "  "))
  }
  out.push("")
  if (report.connections.length === 0) out.push("no connections configured: add platforms to the config file")
  if (report.problems.length === 0) {
    out.push(`everything herald needs is in place${report.online ? "" : " (endpoints not checked: add --online)"}`)
  } else {
    const n = report.problems.length
    out.push(`${n} problem${n === 1 ? "" : "s"}:`, ...report.problems.map((p) => `  - ${p}`))
  }
  return out.join("\n")
}
