/**
 * The fault matrix (issue 3, point 7): every platform × every way a run can go wrong,
 * through the whole pipeline over in-memory ports. Each cell asserts the status, the
 * alert, the exit code, how many calls the platform saw, and exactly which tokens the
 * store holds afterwards (and the journal, when write-back failed). Every secret is a
 * sentinel; none may appear in the report, the table, the alert text or the logs.
 *
 * Each platform is a small model of the real one (PROVIDERS.md): which tokens are live,
 * what a refresh issues, what it kills, how a dead token is answered. A fault wraps it.
 * The table is printed at the end.
 */
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { renderJson, renderTable } from "../../src/cli/render.js"
import type { PlatformSection } from "../../src/domain/Config.js"
import type { PlatformId } from "../../src/domain/Platform.js"
import type { Action, Report } from "../../src/domain/Status.js"
import { alertMessage } from "../../src/layers/notifier/message.js"
import { refreshAll, replayJournal } from "../../src/programs/refreshAll.js"
import { type Handler, json, type Reply, type SeenRequest } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"

// ---- the platforms ---------------------------------------------------------------------

type Kind = "refresh_token" | "access_token"

/** What one platform knows: which tokens work, and the newest of each kind it issued. */
class PlatformModel {
  readonly live = new Set<string>()
  readonly newest: Partial<Record<Kind, string>> = {}
  private n = 0
  constructor(private readonly prefix: string, initial: Partial<Record<Kind, string>>) {
    for (const [kind, value] of Object.entries(initial) as Array<[Kind, string]>) {
      this.live.add(value)
      this.newest[kind] = value
    }
  }
  issue(kind: Kind): string {
    const value = `SENTINEL-${this.prefix}-${kind === "refresh_token" ? "refresh" : "access"}-${++this.n}`
    this.live.add(value)
    this.newest[kind] = value
    return value
  }
  revokeAll(): void {
    this.live.clear()
  }
}

interface AnswerOptions {
  /** the rotation answer leaves out refresh_token */
  readonly omitRefresh: boolean
}

interface Row {
  readonly name: string
  readonly platform: PlatformId
  /** the config section: secrets in the file, as with HERALD_KEYCHAIN=off */
  readonly section: PlatformSection
  /** the tokens the platform starts with (all live) */
  readonly initial: Partial<Record<Kind, string>>
  /** the store keys the matrix reports */
  readonly watched: ReadonlyArray<Kind>
  /** the credential the next run depends on: losing it is losing the connection */
  readonly needed: Kind
  readonly answer: (req: SeenRequest, model: PlatformModel, options: AnswerOptions) => Reply
  /** what the platform says, with HTTP 200, when it refuses */
  readonly errorBody: unknown
}

const s = (row: string, what: string) => `SENTINEL-${row}-${what}`

const oauthDead = (description: string) => json(400, { error: "invalid_grant", error_description: description })
const invalidClient = { error: "invalid_client", error_description: "Client authentication failed." }

// the clock starts at 1970-01-01 (TestClock): dates are relative to that
const rows: ReadonlyArray<Row> = [
  {
    name: "instagram",
    platform: "instagram",
    // 30 days old (expires in 30 of its 60): due for a refresh, and nowhere near "too young"
    section: { access_token: s("instagram", "access-0"), app_secret: s("instagram", "app-secret"), access_token_expires_at: "1970-01-31T00:00:00Z" },
    initial: { access_token: s("instagram", "access-0") },
    watched: ["access_token"],
    needed: "access_token",
    answer: (req, m) => {
      if (!m.live.has(req.url.searchParams.get("access_token") ?? "")) {
        return json(400, { error: { message: "Error validating access token: Session has expired", type: "OAuthException", code: 190, error_subcode: 463 } })
      }
      // whether the old token keeps working is unconfirmed: the model keeps it live
      return json(200, { access_token: m.issue("access_token"), token_type: "bearer", expires_in: 5_184_000 })
    },
    errorBody: { error: { message: "Invalid parameter", type: "OAuthException", code: 100 } }
  },
  {
    name: "youtube",
    platform: "youtube",
    section: { client_id: s("youtube", "client-id"), client_secret: s("youtube", "client-secret"), refresh_token: s("youtube", "refresh-0") },
    initial: { refresh_token: s("youtube", "refresh-0") },
    watched: ["refresh_token"],
    needed: "refresh_token",
    answer: (req, m) =>
      m.live.has(req.form["refresh_token"] ?? "")
        ? json(200, { access_token: m.issue("access_token"), expires_in: 3599, scope: "https://www.googleapis.com/auth/youtube.upload", token_type: "Bearer" })
        : oauthDead("Token has been expired or revoked."),
    errorBody: invalidClient
  },
  {
    name: "tiktok",
    platform: "tiktok",
    section: {
      client_key: s("tiktok", "client-key"),
      client_secret: s("tiktok", "client-secret"),
      refresh_token: s("tiktok", "refresh-0"),
      access_token: s("tiktok", "access-0")
    },
    initial: { refresh_token: s("tiktok", "refresh-0"), access_token: s("tiktok", "access-0") },
    watched: ["refresh_token", "access_token"],
    needed: "refresh_token",
    answer: (req, m, o) => {
      const presented = req.form["refresh_token"] ?? ""
      if (!m.live.has(presented)) return oauthDead("Refresh token is invalid or expired.")
      const access = m.issue("access_token")
      if (o.omitRefresh) return json(200, { access_token: access, expires_in: 86_400, open_id: "o", scope: "video.publish", token_type: "Bearer" })
      // rotation: the presented token dies the moment its successor exists
      m.live.delete(presented)
      return json(200, {
        access_token: access,
        expires_in: 86_400,
        refresh_token: m.issue("refresh_token"),
        refresh_expires_in: 15_552_000,
        open_id: "o",
        scope: "video.publish",
        token_type: "Bearer"
      })
    },
    errorBody: invalidClient
  },
  {
    name: "linkedin (partner)",
    platform: "linkedin",
    section: {
      client_id: s("linkedin", "client-id"),
      client_secret: s("linkedin", "client-secret"),
      refresh_token: s("linkedin", "refresh-0"),
      access_token: s("linkedin", "access-0"),
      refresh_token_expires_at: "1970-10-28T00:00:00Z"
    },
    initial: { refresh_token: s("linkedin", "refresh-0"), access_token: s("linkedin", "access-0") },
    watched: ["refresh_token", "access_token"],
    needed: "refresh_token",
    answer: (req, m, o) => {
      const presented = req.form["refresh_token"] ?? ""
      if (!m.live.has(presented)) {
        return json(400, { error: "invalid_request", error_description: "The provided authorization grant or refresh token is invalid, expired or revoked" })
      }
      // LinkedIn repeats the same refresh token; its 365 days never reset
      return json(200, {
        access_token: m.issue("access_token"),
        expires_in: 5_184_000,
        ...(o.omitRefresh ? {} : { refresh_token: presented, refresh_token_expires_in: 25_000_000 }),
        scope: "w_member_social"
      })
    },
    errorBody: invalidClient
  },
  {
    name: "linkedin (standard)",
    platform: "linkedin",
    // no refresh token: herald only introspects (read-only) and counts the days
    section: {
      client_id: s("linkedin-std", "client-id"),
      client_secret: s("linkedin-std", "client-secret"),
      access_token: s("linkedin-std", "access-0"),
      access_token_expires_at: "1970-02-20T00:00:00Z"
    },
    initial: { access_token: s("linkedin-std", "access-0") },
    watched: ["access_token"],
    needed: "access_token",
    answer: (req, m) =>
      m.live.has(req.form["token"] ?? "")
        ? json(200, { active: true, status: "active", client_id: "c", expires_at: 50 * 86_400, auth_type: "3L" })
        : json(200, { active: false, status: "revoked" }),
    errorBody: invalidClient
  },
  {
    name: "x",
    platform: "x",
    section: {
      client_id: s("x", "client-id"),
      client_secret: s("x", "client-secret"),
      refresh_token: s("x", "refresh-0"),
      access_token: s("x", "access-0")
    },
    initial: { refresh_token: s("x", "refresh-0"), access_token: s("x", "access-0") },
    watched: ["refresh_token", "access_token"],
    needed: "refresh_token",
    answer: (req, m, o) => {
      const presented = req.form["refresh_token"] ?? ""
      // X says invalid_request, not invalid_grant, for a spent or revoked token
      if (!m.live.has(presented)) return json(400, { error: "invalid_request", error_description: "Value passed for the token was invalid." })
      const access = m.issue("access_token")
      if (o.omitRefresh) return json(200, { token_type: "bearer", expires_in: 7200, access_token: access, scope: "tweet.write offline.access" })
      m.live.delete(presented)
      return json(200, {
        token_type: "bearer",
        expires_in: 7200,
        access_token: access,
        scope: "tweet.write offline.access",
        refresh_token: m.issue("refresh_token")
      })
    },
    errorBody: invalidClient
  }
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
  | DriftId

/**
 * Schema drift and absurd numbers (issue 14, points 1–2): the platform rotates and answers
 * 200 with a good refresh token, but another field is not what the schema expects. The new
 * token must be kept whatever the rest says.
 */
type DriftId =
  | "expires-string"
  | "expires-null"
  | "expires-missing"
  | "expires-1e20"
  | "expires-1e999"
  | "token-type-mac"
  | "scope-array"
  | "access-empty"
  | "refresh-expires-string"
  | "refresh-expires-1e20"
  | "open-id-number"

const driftIds: ReadonlyArray<DriftId> = [
  "expires-string",
  "expires-null",
  "expires-missing",
  "expires-1e20",
  "expires-1e999",
  "token-type-mac",
  "scope-array",
  "access-empty",
  "refresh-expires-string",
  "refresh-expires-1e20",
  "open-id-number"
]

/** The rows whose refresh tokens rotate on every refresh: the ones drift can cost a token. */
const rotating = new Set(["tiktok", "x"])

/** `1e999` is not something JSON.stringify can write: it goes into the text as it is. */
const INFINITE = "__INFINITE__"

const drifted = (id: DriftId, body: Record<string, unknown>): Record<string, unknown> => {
  const out = { ...body }
  switch (id) {
    case "expires-string":
      out["expires_in"] = String(out["expires_in"])
      break
    case "expires-null":
      out["expires_in"] = null
      break
    case "expires-missing":
      delete out["expires_in"]
      break
    case "expires-1e20":
      out["expires_in"] = 1e20
      break
    case "expires-1e999":
      out["expires_in"] = INFINITE
      break
    case "token-type-mac":
      out["token_type"] = "mac"
      break
    case "scope-array":
      out["scope"] = String(out["scope"] ?? "a b").split(/[ ,]/)
      break
    case "access-empty":
      out["access_token"] = ""
      break
    case "refresh-expires-string":
      out["refresh_expires_in"] = String(out["refresh_expires_in"] ?? 15_552_000)
      break
    case "refresh-expires-1e20":
      out["refresh_expires_in"] = 1e20
      break
    case "open-id-number":
      out["open_id"] = 12345
      break
  }
  return out
}

const driftReply = (id: DriftId) => (_i: number, normal: () => Reply, row: Row): Reply => {
  const reply = normal()
  if (!rotating.has(row.name) || !("status" in reply) || reply.status !== 200 || typeof reply.json !== "object") return reply
  const text = JSON.stringify(drifted(id, reply.json as Record<string, unknown>)).replace(`"${INFINITE}"`, "1e999")
  return { status: 200, text, headers: { "content-type": "application/json" } }
}

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
  { id: "200-error", label: "200 + error", reply: (_i, _normal, row) => json(200, row.errorBody) },
  { id: "dead", label: "dead token", reply: (_i, normal) => normal() },
  { id: "no-refresh", label: "no refresh_token", reply: (_i, normal) => normal() },
  { id: "writeback", label: "write-back fails", reply: (_i, normal) => normal() },
  ...driftIds.map((id): Fault => ({ id, label: id, reply: driftReply(id) }))
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

const OLD: Record<string, Store> = {
  instagram: { access_token: "old" },
  youtube: { refresh_token: "old" },
  tiktok: { refresh_token: "old", access_token: "old" },
  "linkedin (partner)": { refresh_token: "old", access_token: "old" },
  "linkedin (standard)": { access_token: "old" },
  x: { refresh_token: "old", access_token: "old" }
}

/** Bounded retries: 1 attempt + 3 retries. */
const ATTEMPTS = 4

/** What each row's normal answer leaves in the store. */
const SUCCESS: Record<string, Expect> = {
  instagram: fine("refreshed", 1, { access_token: "new" }),
  youtube: fine("healthy", 1, OLD["youtube"]!),
  tiktok: fine("rotated", 1, { refresh_token: "new", access_token: "new" }),
  "linkedin (partner)": fine("refreshed", 1, { refresh_token: "old", access_token: "new" }),
  "linkedin (standard)": fine("healthy", 1, OLD["linkedin (standard)"]!),
  x: fine("rotated", 1, { refresh_token: "new", access_token: "new" })
}

const normalSuccess = (row: Row): Expect => SUCCESS[row.name]!

const isDrift = (fault: FaultId): fault is DriftId => (driftIds as ReadonlyArray<FaultId>).includes(fault)

/**
 * A single-use token whose answer may have been lost (no answer in time, a reset after the
 * request went out, a 500): it is not sent again in the same run, and the report says the
 * answer was lost.
 */
const answerLost = (row: Row): Expect => ({ ...failed(1, OLD[row.name]!), lostAnswer: true })

const expected = (row: Row, fault: FaultId): Expect => {
  const old = OLD[row.name]!
  if (isDrift(fault)) {
    if (!rotating.has(row.name)) {
      return { ...normalSuccess(row), na: "does not rotate (drift is asserted on the rotating platforms); its normal answer asserted" }
    }
    // the new refresh token is kept whatever else the answer gets wrong; an empty access token is no access token
    return fine("rotated", 1, fault === "access-empty" ? { refresh_token: "new", access_token: "old" } : { refresh_token: "new", access_token: "new" })
  }
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
  const success: Record<string, Expect> = SUCCESS
  switch (fault) {
    case "timeout":
    case "reset":
    case "500":
      return rotating.has(row.name) ? answerLost(row) : failed(ATTEMPTS, old)
    case "503x2":
      return { ...success[row.name]!, calls: 3 }
    case "429":
      return { ...success[row.name]!, calls: 2 }
    case "html":
    case "200-error":
      return failed(1, old)
    case "dead":
      return dead(old)
    case "no-refresh":
      switch (row.name) {
        case "instagram":
          return { ...success[row.name]!, na: "no refresh token: the access token is refreshed in place; the normal refresh asserted" }
        case "youtube":
          return { ...success[row.name]!, na: "Google never returns a refresh token on refresh: this is the normal answer, asserted" }
        default:
          // the merge rule: keep the refresh token the platform did not replace
          return fine("refreshed", 1, { ...old, access_token: "new" })
      }
    case "writeback":
      switch (row.name) {
        case "youtube":
          return { ...success[row.name]!, na: "a health check stores nothing, so no write can fail; asserted healthy, no alert" }
        case "instagram":
          return { ...failed(1, old), journal: { access_token: "new" } }
        case "linkedin (partner)":
          return { ...failed(1, old), journal: { access_token: "new" } }
        default:
          return { ...failed(1, old), journal: { refresh_token: "new", access_token: "new" } }
      }
  }
}

// ---- running one cell --------------------------------------------------------------------

/** Runs under TestClock, moving time on until the program is done (timeouts, backoff). */
const runToEnd = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < 2000; i++) {
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      yield* TestClock.adjust("500 millis")
    }
    return yield* Fiber.join(fiber)
  })

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

const SENTINEL = /SENTINEL[\w-]*/g

const runCell = (row: Row, fault: Fault) =>
  Effect.gen(function*() {
    const model = new PlatformModel(row.name.replace(/\W+/g, ""), row.initial)
    const times: Array<number> = []
    const handler: Handler = (req, i) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        times.push(now)
        return fault.reply(i, () => row.answer(req, model, { omitRefresh: fault.id === "no-refresh" }), row)
      })
    const { layer, world } = makeWorld({
      config: { platforms: { [row.platform]: row.section } },
      http: handler,
      keychainUnavailable: "disabled by HERALD_KEYCHAIN=off"
    })
    if (fault.id === "dead") model.revokeAll()
    // the store accepts the preflight check, then refuses the write
    if (fault.id === "writeback") world.files.applyFails = true

    const logs: Array<string> = []
    const capture = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ cause, message }) => {
        logs.push([...(Array.isArray(message) ? message : [message])].map(String).join(" "))
        if (!Cause.isEmpty(cause)) logs.push(Cause.pretty(cause))
      })
    )
    const withLogs = <A, E>(effect: Effect.Effect<A, E, never>) =>
      effect.pipe(Logger.withMinimumLogLevel(LogLevel.All), Effect.provide(capture))

    const report = yield* runToEnd(withLogs(refreshAll(row.platform, { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer))))

    const storedNow = (): Record<string, string> => {
      const out: Record<string, string> = {}
      for (const key of row.watched) {
        const edits = world.edits.filter((e) => e.path.join(".") === `platforms.${row.platform}.${key}`)
        const value = edits.at(-1)?.value ?? row.section[key]
        if (value !== undefined) out[key] = value
      }
      return out
    }
    const journalNow = (): Record<string, string> => ({ ...world.journal.get(row.platform)?.secrets })
    const store = storedNow()
    const journal = journalNow()

    // the credential the next run needs, when the platform still honours one
    const lostIn = (places: ReadonlyArray<Record<string, string>>) => {
      const needed = model.newest[row.needed]
      if (needed === undefined || !model.live.has(needed)) return 0
      return places.some((p) => Object.values(p).includes(needed)) ? 0 : 1
    }
    let lost = lostIn([store, journal])

    let recovered: Record<string, string> | undefined
    if (fault.id === "writeback" && Object.keys(journal).length > 0) {
      // the store works again: `herald auth recover` (or the next run) writes the journal back
      world.files.applyFails = false
      yield* runToEnd(withLogs(replayJournal.pipe(Effect.provide(layer))))
      recovered = storedNow()
      lost = Math.max(lost, lostIn([recovered, journalNow()]))
      assert.deepStrictEqual(journalNow(), {}, "the journal is cleared once the store has the tokens")
    }

    const alertTexts = world.notified.map((r) => alertMessage(r, DateTime.unsafeMake(0)).text)
    const printed = [renderJson(report), renderTable(report), ...alertTexts, ...logs].join("\n")
    const leaks = [...new Set(printed.match(SENTINEL) ?? [])]
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
      leaks,
      ...(times.length > 1 ? { gapMs: times[1]! - times[0]! } : {})
    }
    return { result, model, notified: world.notified.length }
  })

/** old/new for each watched key, as the matrix states it. */
const symbolic = (row: Row, model: PlatformModel, values: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values).map(([k, v]) => [
      k,
      v === row.section[k as Kind] ? "old" : v === model.newest[k as Kind] ? "new" : "other"
    ])
  )

// ---- the matrix ------------------------------------------------------------------------

describe("fault matrix", () => {
  for (const row of rows) {
    describe(row.name, () => {
      for (const fault of faults) {
        const want = expected(row, fault.id)
        it.effect(`${fault.label}${want.na !== undefined ? " (n/a)" : ""}: ${want.action}, exit ${want.alert ? 1 : 0}`, () =>
          Effect.gen(function*() {
            const { model, notified, result } = yield* runCell(row, fault)
            results.push({ ...result, ...(want.na === undefined ? {} : { na: want.na }) })
            const status = result.report.statuses[0]!
            assert.strictEqual(result.report.statuses.length, 1)
            assert.strictEqual(status.action, want.action, status.detail)
            assert.strictEqual(status.alert, want.alert, status.detail)
            assert.strictEqual(result.exit, want.alert ? 1 : 0)
            // an alert goes out exactly when something needs attention
            assert.strictEqual(notified, want.alert ? 1 : 0)
            assert.strictEqual(result.calls, want.calls, "calls the platform saw")
            assert.deepStrictEqual(symbolic(row, model, result.store), want.store, "tokens in the store")
            if (want.journal !== undefined) {
              assert.deepStrictEqual(symbolic(row, model, result.journal), want.journal, "tokens in the journal")
              assert.include(status.detail, "herald auth recover")
              assert.deepStrictEqual(symbolic(row, model, result.recovered ?? {}), { ...want.store, ...want.journal }, "tokens after recovery")
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
    const grid = rows.map((row) => [row.name, ...faults.map((f) => cell(results.find((r) => r.row === row.name && r.fault === f.id)))])
    const widths = header.map((h, i) => Math.max(h.length, ...grid.map((g) => g[i]!.length)))
    const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
    const out = [
      "",
      "FAULT MATRIX — action (! = alert) and exit code per platform × fault",
      line(header),
      line(widths.map((w) => "-".repeat(w))),
      ...grid.map(line),
      "",
      "cells in detail (store/journal: which tokens are held afterwards; old = as before the run, new = issued in it)",
      ...results.map((r) => {
        const sym = (v: Record<string, string>) =>
          Object.entries(v).map(([k, x]) => `${k.replace("_token", "")}=${x === rows.find((row) => row.name === r.row)!.section[k as Kind] ? "old" : "new"}`).join(",") || "-"
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
