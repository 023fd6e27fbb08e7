/**
 * The fault matrix (issue 3, point 7): every platform × every way a run can go wrong in
 * transit or in the store, through the whole pipeline over in-memory ports. Each cell
 * asserts the status, the alert, the exit code, how many calls the platform saw, and
 * exactly which tokens the store holds afterwards (and the journal, when write-back
 * failed). Every secret is a sentinel; none may appear in the report, the table, the
 * alert text or the logs.
 *
 * Each platform is its token model (src/platforms/<id>/model.ts, the one the sandbox
 * fakes and the simulation serve), set up as the contract suite's entries
 * (test/contract/platforms.ts); a fault wraps it. The answers any platform can give — a
 * malformed body, 503 then OK, an error with HTTP 200, an omitted refresh token, schema
 * drift — are the contract suite's cells; here they remain for the standard LinkedIn app,
 * which only introspects. The table is printed at the end.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { HeraldConfig } from "../../src/domain/Config.js"
import type { Action, Report } from "../../src/domain/Status.js"
import * as LinkedIn from "../../src/platforms/linkedin/model.js"
import { refreshAll, replayJournal } from "../../src/programs/refreshAll.js"
import { type ContractPlatform, contractEntry, contractPlatforms, type Key as Kind, type PlatformRun, sentinel } from "../contract/platforms.js"
import { type Handler, json, type Reply } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"
import { replyOf } from "../support/modelHttp.js"
import { logCapture, printedText, runToEnd, sentinelsIn } from "../support/pipelineRun.js"

// ---- the platforms ---------------------------------------------------------------------

/** A matrix row: a platform entry, under the name the matrix prints. */
interface Row {
  readonly name: string
  readonly p: ContractPlatform
  /** the contract suite covers this platform's answer faults */
  readonly inContract: boolean
}

const builtin = (entryName: string, name = entryName): Row => ({
  name,
  p: contractPlatforms.find((p) => p.name === entryName)!,
  inContract: true
})

// the clock starts at 1970-01-01 (TestClock): dates are relative to that
const linkedinStandard = contractEntry({
  name: "linkedin-std",
  platform: "linkedin",
  model: LinkedIn.model,
  options: { clientId: sentinel("linkedin-std", "client-id"), clientSecret: sentinel("linkedin-std", "client-secret") },
  // no refresh token: herald only introspects (read-only) and counts the days
  section: {
    client_id: sentinel("linkedin-std", "client-id"),
    client_secret: sentinel("linkedin-std", "client-secret"),
    access_token: sentinel("linkedin-std", "access-0"),
    access_token_expires_at: "1970-02-20T00:00:00Z"
  },
  seed: (st) => void st.tokens.issue("access", sentinel("linkedin-std", "access-0"), { expiresAt: Date.parse("1970-02-20T00:00:00Z") }),
  watched: ["access_token"],
  needed: "access_token",
  rotates: false,
  normal: { action: "healthy", store: { access_token: "old" } }
})

const rows: ReadonlyArray<Row> = [
  builtin("instagram"),
  builtin("youtube"),
  builtin("tiktok"),
  builtin("linkedin", "linkedin (partner)"),
  { name: "linkedin (standard)", p: linkedinStandard, inContract: false },
  builtin("x")
]

// ---- the faults ------------------------------------------------------------------------

interface Fault {
  readonly id: FaultId
  readonly label: string
  /** how the platform answers request number `i`, given its normal answer */
  readonly reply: (i: number, normal: () => Reply, row: Row) => Reply
}

type FaultId =
  | "timeout"
  | "reset"
  | "500"
  | "503x2"
  | "429"
  | "html"
  | "200-error"
  | "dead"
  | "no-refresh"
  | "writeback"

/** The answer faults the contract suite runs over its platforms (test/contract/contract.test.ts). */
const inContractSuite: ReadonlySet<FaultId> = new Set(["503x2", "html", "200-error", "no-refresh"])

const htmlPage = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>"

const faults: ReadonlyArray<Fault> = [
  { id: "timeout", label: "timeout", reply: () => ({ hang: true }) },
  { id: "reset", label: "conn reset", reply: () => ({ network: "reset" }) },
  { id: "500", label: "500", reply: () => ({ status: 500, text: "Internal Server Error" }) },
  { id: "503x2", label: "503 ×2, OK", reply: (i, normal) => (i < 2 ? { status: 503, text: "Service Unavailable" } : normal()) },
  {
    id: "429",
    label: "429 R-A 2s",
    reply: (i, normal) => (i === 0 ? { status: 429, json: { error: "rate_limited" }, headers: { "retry-after": "2" } } : normal())
  },
  { id: "html", label: "HTML body", reply: () => ({ status: 200, text: htmlPage, headers: { "content-type": "text/html" } }) },
  { id: "200-error", label: "200 + error", reply: (_i, _normal, row) => json(200, row.p.errorBodies.invalidClient) },
  { id: "dead", label: "dead token", reply: (_i, normal) => normal() },
  { id: "no-refresh", label: "no refresh_token", reply: (_i, normal) => normal() },
  { id: "writeback", label: "write-back fails", reply: (_i, normal) => normal() }
]

// ---- what each cell must show ----------------------------------------------------------

type Sym = "old" | "new"
type Store = Partial<Record<Kind, Sym>>

interface Expect {
  readonly action: Action
  readonly alert: boolean
  readonly calls: number
  readonly store: Store
  /** after write-back failed: what the journal holds, and what the store holds once recovered */
  readonly journal?: Store
  /** the fault cannot happen on this platform: why, and what was asserted instead */
  readonly na?: string
  /** a single-use token's answer may have been lost: the report must say so, not "unchanged" */
  readonly lostAnswer?: boolean
}

const failed = (calls: number, store: Store): Expect => ({ action: "failed", alert: true, calls, store })
const fine = (action: Action, calls: number, store: Store): Expect => ({ action, alert: false, calls, store })
const dead = (store: Store): Expect => ({ action: "reauth-required", alert: true, calls: 1, store })

/** Bounded retries: 1 attempt + 3 retries. */
const ATTEMPTS = 4

/** The store as the run found it. */
const oldOf = (row: Row): Store => Object.fromEntries(row.p.watched.filter((k) => k in row.p.section).map((k) => [k, "old"]))

/** What the row's normal answer leaves in the store. */
const normalSuccess = (row: Row): Expect => ({ ...row.p.normal, alert: false, calls: 1 })

/**
 * A single-use token whose answer may have been lost (no answer in time, a reset after the
 * request went out, a 500): it is not sent again in the same run, and the report says the
 * answer was lost.
 */
const answerLost = (row: Row): Expect => ({ ...failed(1, oldOf(row)), lostAnswer: true })

const expected = (row: Row, fault: FaultId): Expect => {
  const old = oldOf(row)
  // a standard LinkedIn app only reads (introspection); whatever goes wrong there, the
  // expiry in the config still holds, so the run says so without paging anyone
  if (row.name === "linkedin (standard)") {
    switch (fault) {
      case "timeout":
      case "reset":
      case "500":
        return fine("healthy", ATTEMPTS, old)
      case "503x2":
        return fine("healthy", 3, old)
      case "429":
        return fine("healthy", 2, old)
      case "html":
      case "200-error":
        return fine("healthy", 1, old)
      case "dead":
        return dead(old)
      case "no-refresh":
        return { ...fine("healthy", 1, old), na: "no token call (standard apps have no refresh token); introspection asserted" }
      case "writeback":
        return { ...fine("healthy", 1, old), na: "stores nothing (standard apps only count days); asserted no write and no alert" }
    }
  }
  switch (fault) {
    case "timeout":
    case "reset":
    case "500":
      return row.p.rotates ? answerLost(row) : failed(ATTEMPTS, old)
    case "429":
      return { ...normalSuccess(row), calls: 2 }
    case "dead":
      return dead(old)
    case "writeback": {
      // what the answer brought is in the journal; the store keeps the old until recovery
      const journal: Store = Object.fromEntries(Object.entries(row.p.normal.store).filter(([, v]) => v === "new"))
      return Object.keys(journal).length === 0
        ? { ...normalSuccess(row), na: "a health check stores nothing, so no write can fail; asserted healthy, no alert" }
        : { ...failed(1, old), journal }
    }
    default:
      throw new Error(`${fault} is a contract-suite cell for ${row.name}`)
  }
}

/** The cells of a row: the contract suite has the answer faults of its platforms. */
const faultsOf = (row: Row): ReadonlyArray<Fault> => faults.filter((f) => !(row.inContract && inContractSuite.has(f.id)))

// ---- running one cell --------------------------------------------------------------------

interface Result {
  readonly row: string
  readonly fault: FaultId
  readonly report: Report
  readonly exit: number
  readonly calls: number
  readonly store: Record<string, string>
  readonly journal: Record<string, string>
  readonly recovered?: Record<string, string>
  readonly lost: number
  readonly leaks: ReadonlyArray<string>
  readonly gapMs?: number
  readonly na?: string
}

const results: Array<Result> = []

const runCell = (row: Row, fault: Fault) =>
  Effect.gen(function*() {
    const { p } = row
    const run = p.start()
    const times: Array<number> = []
    const handler: Handler = (req, i) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        times.push(now)
        return fault.reply(i, () => replyOf(run.answer(req, now)), row)
      })
    const { layer, world } = makeWorld({
      config: { platforms: { [p.platform]: p.section } } as HeraldConfig,
      http: handler,
      keychainUnavailable: "disabled by HERALD_KEYCHAIN=off"
    })
    if (fault.id === "dead") run.revokeAll()
    // the store accepts the preflight check, then refuses the write
    if (fault.id === "writeback") world.files.applyFails = true

    const logs = logCapture()
    const report = yield* runToEnd(logs.withLogs(refreshAll(p.platform, { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer))))

    const storedNow = (): Record<string, string> => {
      const out: Record<string, string> = {}
      for (const key of p.watched) {
        const edits = world.edits.filter((e) => e.path.join(".") === `platforms.${p.platform}.${key}`)
        const value = edits.at(-1)?.value ?? (p.section[key] as string | undefined)
        if (value !== undefined) out[key] = value
      }
      return out
    }
    const journalNow = (): Record<string, string> => ({ ...world.journal.get(p.platform)?.secrets })
    const store = storedNow()
    const journal = journalNow()

    // the credential the next run needs, when the platform still honours one
    const lostIn = (places: ReadonlyArray<Record<string, string>>, now: number) => {
      const needed = run.newest(p.needed)
      if (needed === undefined || !run.live(needed, p.needed, now)) return 0
      return places.some((place) => Object.values(place).includes(needed)) ? 0 : 1
    }
    let lost = lostIn([store, journal], yield* Clock.currentTimeMillis)

    let recovered: Record<string, string> | undefined
    if (fault.id === "writeback" && Object.keys(journal).length > 0) {
      // the store works again: `herald auth recover` (or the next run) writes the journal back
      world.files.applyFails = false
      yield* runToEnd(logs.withLogs(replayJournal.pipe(Effect.provide(layer))))
      recovered = storedNow()
      lost = Math.max(lost, lostIn([recovered, journalNow()], yield* Clock.currentTimeMillis))
      assert.deepStrictEqual(journalNow(), {}, "the journal is cleared once the store has the tokens")
    }

    const result: Result = {
      row: row.name,
      fault: fault.id,
      report,
      exit: report.attention > 0 ? 1 : 0,
      calls: world.seen.length,
      store,
      journal,
      ...(recovered === undefined ? {} : { recovered }),
      lost,
      leaks: sentinelsIn(printedText(report, world.notified, logs.lines)),
      ...(times.length > 1 ? { gapMs: times[1]! - times[0]! } : {})
    }
    return { result, run, notified: world.notified.length }
  })

/** old/new for each watched key, as the matrix states it. */
const symbolic = (row: Row, run: PlatformRun, values: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, v === row.p.section[k] ? "old" : v === run.newest(k as Kind) ? "new" : "other"])
  )

// ---- the matrix ------------------------------------------------------------------------

describe("fault matrix", () => {
  for (const row of rows) {
    describe(row.name, () => {
      for (const fault of faultsOf(row)) {
        const want = expected(row, fault.id)
        it.effect(`${fault.label}${want.na !== undefined ? " (n/a)" : ""}: ${want.action}, exit ${want.alert ? 1 : 0}`, () =>
          Effect.gen(function*() {
            const { notified, result, run } = yield* runCell(row, fault)
            results.push({ ...result, ...(want.na === undefined ? {} : { na: want.na }) })
            const status = result.report.statuses[0]!
            assert.strictEqual(result.report.statuses.length, 1)
            assert.strictEqual(status.action, want.action, status.detail)
            assert.strictEqual(status.alert, want.alert, status.detail)
            assert.strictEqual(result.exit, want.alert ? 1 : 0)
            // an alert goes out exactly when something needs attention
            assert.strictEqual(notified, want.alert ? 1 : 0)
            assert.strictEqual(result.calls, want.calls, "calls the platform saw")
            assert.deepStrictEqual(symbolic(row, run, result.store), want.store, "tokens in the store")
            if (want.journal !== undefined) {
              assert.deepStrictEqual(symbolic(row, run, result.journal), want.journal, "tokens in the journal")
              assert.include(status.detail, "herald auth recover")
              assert.deepStrictEqual(symbolic(row, run, result.recovered ?? {}), { ...want.store, ...want.journal }, "tokens after recovery")
            } else {
              assert.deepStrictEqual(result.journal, {}, "nothing left in the journal")
            }
            if (fault.id === "429") assert.isAtLeast(result.gapMs ?? 0, 2000, "Retry-After honoured")
            // the report says what happened to the token, in words
            if (want.journal !== undefined) assert.include(status.detail, "it is safe in")
            else if (want.action === "failed" && fault.id === "200-error") assert.include(status.detail, "rejected the app's client credentials")
            else if (want.lostAnswer === true) assert.include(status.detail, "the answer to the refresh was lost")
            else if (want.action === "failed") assert.include(status.detail, "the stored token was not changed")
            // introspection failing falls back to the config's expiry, and says so
            if (row.name === "linkedin (standard)" && ["timeout", "reset", "500", "html", "200-error"].includes(fault.id)) {
              assert.include(status.detail, "introspection unavailable")
            }
            assert.strictEqual(result.lost, 0, "tokens lost")
            assert.deepStrictEqual(result.leaks, [], "secrets printed")
          }))
      }
    })
  }

  afterAll(() => {
    const cell = (r: Result | undefined) =>
      r === undefined ? "?" : `${r.report.statuses[0]?.action ?? "?"}${r.report.statuses[0]?.alert ? "!" : ""} ${r.exit}${r.na ? " n/a" : ""}`
    const header = ["platform", ...faults.map((f) => f.label)]
    const grid = rows.map((row) => [
      row.name,
      ...faults.map((f) => (faultsOf(row).includes(f) ? cell(results.find((r) => r.row === row.name && r.fault === f.id)) : "contract"))
    ])
    const widths = header.map((h, i) => Math.max(h.length, ...grid.map((g) => g[i]!.length)))
    const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
    const out = [
      "",
      "FAULT MATRIX — action (! = alert) and exit code per platform × fault (contract = a contract-suite cell)",
      line(header),
      line(widths.map((w) => "-".repeat(w))),
      ...grid.map(line),
      "",
      "cells in detail (store/journal: which tokens are held afterwards; old = as before the run, new = issued in it)",
      ...results.map((r) => {
        const sym = (v: Record<string, string>) =>
          Object.entries(v).map(([k, x]) => `${k.replace("_token", "")}=${x === rows.find((row) => row.name === r.row)!.p.section[k] ? "old" : "new"}`).join(",") || "-"
        return `  ${r.row.padEnd(19)} ${faults.find((f) => f.id === r.fault)!.label.padEnd(16)} ` +
          `${(r.report.statuses[0]?.action ?? "?").padEnd(15)} alert=${r.report.statuses[0]?.alert ? "yes" : "no "} exit=${r.exit} calls=${r.calls} ` +
          `store[${sym(r.store)}] journal[${sym(r.journal)}]${r.recovered ? ` recovered[${sym(r.recovered)}]` : ""}` +
          `${r.lost > 0 ? " LOST A TOKEN" : ""}${r.leaks.length > 0 ? ` PRINTED ${r.leaks.length} SECRET(S)` : ""}` +
          `${r.na ? ` — n/a: ${r.na}` : ""}`
      }),
      "",
      `cells: ${results.length}; tokens lost: ${results.reduce((n, r) => n + r.lost, 0)}; secrets printed: ${results.reduce((n, r) => n + r.leaks.length, 0)}`,
      ""
    ]
    console.log(out.join("\n"))
  })
})
