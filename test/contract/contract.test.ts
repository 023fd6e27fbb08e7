/**
 * The contract suite (issue 15, item 6): the same answers every platform can give, run over
 * every platform in `contractPlatforms` through the whole pipeline (refreshAll over
 * in-memory ports, HTTP answered by the platform's token model, TestClock). Each cell
 * asserts what a user would notice: the action and alert, the exit code, how many calls
 * the platform saw, which tokens the store holds afterwards (nothing lost: the credential
 * the next run needs is stored), that a refresh token the platform did not replace is not
 * rewritten, and that no secret reaches the report, the table, an alert or a log.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { HeraldConfig } from "../../src/domain/Config.js"
import type { ModelReply } from "../../src/platforms/tokenModel.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import type { Handler, Reply, SeenRequest } from "../support/memoryHttp.js"
import { makeWorld } from "../support/memoryLayers.js"
import { replyOf } from "../support/modelHttp.js"
import { logCapture, printedText, runToEnd, sentinelsIn } from "../support/pipelineRun.js"
import { type ContractPlatform, contractPlatforms, type Key, type Outcome, type PlatformRun, type Store } from "./platforms.js"

/** Bounded retries: 1 attempt + 3 retries. */
const ATTEMPTS = 4

interface Expect extends Outcome {
  readonly alert: boolean
  readonly calls: number
  /** words the status detail must hold */
  readonly says?: string
  /** further words the detail must hold */
  readonly saysToo?: string
  /** the refresh token must not be written (the platform did not replace it) */
  readonly refreshUntouched?: boolean
}

interface Case {
  readonly id: string
  readonly label: string
  /** whether the case applies to this platform */
  readonly applies: (p: ContractPlatform) => boolean
  /** how the platform answers request number `i`, given the model's own answer */
  readonly reply: (i: number, normal: () => ModelReply, ctx: { readonly p: ContractPlatform; readonly run: PlatformRun; readonly req: SeenRequest }) => Reply
  readonly expect: (p: ContractPlatform) => Expect
}

const oldStore = (p: ContractPlatform): Store => Object.fromEntries(p.watched.filter((k) => k in p.section).map((k) => [k, "old"]))

const failed = (p: ContractPlatform, calls: number, says: string): Expect => ({ action: "failed", alert: true, calls, store: oldStore(p), says })
/** What the store holds for the access token when the answer brought none: the old one, if there was one. */
const withoutAccess = (p: ContractPlatform): Store => {
  const { access_token: _, ...rest } = p.normal.store
  return "access_token" in p.section ? { ...rest, access_token: "old" } : rest
}
const normal = (p: ContractPlatform, calls = 1): Expect => ({ ...p.normal, alert: false, calls })

const htmlPage = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in</body></html>"

/** The model's JSON answer, changed: a token answer the platform's documentation does not promise. */
const rewrite = (reply: ModelReply, change: (body: Record<string, unknown>) => void): Reply => {
  if (reply.status !== 200 || typeof reply.json !== "object" || reply.json === null) return replyOf(reply)
  const body = { ...(reply.json as Record<string, unknown>) }
  change(body)
  return replyOf({ ...reply, json: body })
}

/** A refresh token the platform sends back unchanged, or not at all: it did not rotate. */
const keepRefresh = (ctx: { readonly run: PlatformRun; readonly req: SeenRequest }, body: Record<string, unknown>) => {
  const presented = ctx.req.form["refresh_token"]
  const issued = body["refresh_token"]
  if (presented !== undefined && typeof issued === "string" && issued !== presented) ctx.run.unrotate(presented, issued)
}

/** `1e999` is not something JSON.stringify can write: it goes into the text as it is. */
const INFINITE = "__INFINITE__"

type DriftId =
  | "expires-string"
  | "expires-null"
  | "expires-1e20"
  | "expires-1e999"
  | "token-type-mac"
  | "scope-array"
  | "access-empty"
  | "refresh-expires-string"
  | "refresh-expires-1e20"
  | "open-id-number"

const drifts: ReadonlyArray<readonly [DriftId, (body: Record<string, unknown>) => void]> = [
  ["expires-string", (b) => void (b["expires_in"] = String(b["expires_in"]))],
  ["expires-null", (b) => void (b["expires_in"] = null)],
  ["expires-1e20", (b) => void (b["expires_in"] = 1e20)],
  ["expires-1e999", (b) => void (b["expires_in"] = INFINITE)],
  ["token-type-mac", (b) => void (b["token_type"] = "mac")],
  ["scope-array", (b) => void (b["scope"] = String(b["scope"] ?? "a b").split(/[ ,]/))],
  ["access-empty", (b) => void (b["access_token"] = "")],
  ["refresh-expires-string", (b) => void (b["refresh_expires_in"] = String(b["refresh_expires_in"] ?? 15_552_000))],
  ["refresh-expires-1e20", (b) => void (b["refresh_expires_in"] = 1e20)],
  ["open-id-number", (b) => void (b["open_id"] = 12345)]
]

const cases: ReadonlyArray<Case> = [
  {
    id: "malformed",
    label: "malformed body (HTML with 200)",
    applies: () => true,
    reply: () => ({ status: 200, text: htmlPage, headers: { "content-type": "text/html" } }),
    expect: (p) => ({ ...failed(p, 1, "the stored token was not changed"), saysToo: "HTML" })
  },
  {
    id: "503-then-ok",
    label: "503, 503, then OK",
    applies: () => true,
    reply: (i, answer) => (i < 2 ? { status: 503, text: "Service Unavailable" } : replyOf(answer())),
    expect: (p) => normal(p, 3)
  },
  {
    id: "always-429",
    label: "always 429",
    applies: () => true,
    reply: (_i, _answer, { p }) => {
      const limited = p.rateLimited()
      return replyOf({ ...limited, headers: { "retry-after": "1", ...limited.headers } })
    },
    expect: (p) => failed(p, ATTEMPTS, "the stored token was not changed")
  },
  {
    id: "200-invalid-client",
    label: "200 with the platform's invalid_client body",
    applies: () => true,
    reply: (_i, _answer, { p }) => ({ status: 200, json: p.errorBodies.invalidClient }),
    expect: (p) => failed(p, 1, "rejected the app's client credentials")
  },
  {
    id: "200-dead",
    label: "200 with the platform's dead-token body",
    applies: () => true,
    reply: (_i, _answer, { p }) => ({ status: 200, json: p.errorBodies.deadToken }),
    expect: (p) => ({ action: "reauth-required", alert: true, calls: 1, store: oldStore(p) })
  },
  {
    id: "echo",
    label: "the refresh token echoed back",
    applies: (p) => p.holdsRefresh,
    reply: (_i, answer, ctx) =>
      rewrite(answer(), (b) => {
        keepRefresh(ctx, b)
        b["refresh_token"] = ctx.req.form["refresh_token"]
      }),
    expect: (p) => ({ ...p.unrotated, alert: false, calls: 1, refreshUntouched: true })
  },
  {
    id: "no-refresh",
    label: "no refresh_token in the answer",
    applies: (p) => p.holdsRefresh,
    reply: (_i, answer, ctx) =>
      rewrite(answer(), (b) => {
        keepRefresh(ctx, b)
        delete b["refresh_token"]
      }),
    expect: (p) => ({ ...p.unrotated, alert: false, calls: 1, refreshUntouched: true })
  },
  {
    id: "no-expires-in",
    label: "no expires_in in the answer",
    applies: () => true,
    reply: (_i, answer) => rewrite(answer(), (b) => void delete b["expires_in"]),
    expect: (p) => normal(p)
  },
  // schema drift: where a refresh token rotates, an odd field must never cost it
  ...drifts.map(([id, change]): Case => ({
    id,
    label: `drift: ${id}`,
    applies: (p) => p.rotates,
    reply: (_i, answer) => {
      const r = rewrite(answer(), change)
      return "json" in r && r.json !== undefined
        ? { status: r.status, text: JSON.stringify(r.json).replace(`"${INFINITE}"`, "1e999"), headers: { "content-type": "application/json" } }
        : r
    },
    // an empty access token is no access token: the old one stays
    expect: (p) => (id === "access-empty" ? { ...normal(p), store: withoutAccess(p) } : normal(p))
  }))
]

const runCell = (p: ContractPlatform, c: Case) =>
  Effect.gen(function*() {
    const run = p.start()
    const handler: Handler = (req, i) =>
      Effect.map(Clock.currentTimeMillis, (now) => c.reply(i, () => run.answer(req, now), { p, run, req }))
    const { layer, world } = makeWorld({
      config: { platforms: { [p.platform]: p.section } } as HeraldConfig,
      http: handler,
      keychainUnavailable: "disabled by HERALD_KEYCHAIN=off"
    })
    const logs = logCapture()
    const report = yield* runToEnd(logs.withLogs(refreshAll(p.platform, { dryRun: false, concurrency: 1 }).pipe(Effect.provide(layer))))
    const editsOf = (key: Key) => world.edits.filter((e) => e.path.join(".") === `platforms.${p.platform}.${key}`)
    const store: Record<string, string> = {}
    for (const key of p.watched) {
      const value = editsOf(key).at(-1)?.value ?? (p.section[key] as string | undefined)
      if (value !== undefined) store[key] = value
    }
    const journal = { ...world.journal.get(p.platform)?.secrets }
    const symbolic = Object.fromEntries(
      Object.entries(store).map(([k, v]) => [k, v === p.section[k] ? "old" : v === run.newest(k as Key) ? "new" : `other (${v})`])
    )
    // the credential the next run needs, when the platform still honours one, is stored
    const needed = run.newest(p.needed)
    const now = yield* Clock.currentTimeMillis
    const lost = needed !== undefined && run.live(needed, p.needed, now) && !Object.values(store).includes(needed)
    return {
      report,
      status: report.statuses[0]!,
      calls: world.seen.length,
      symbolic,
      journal,
      lost,
      refreshEdits: editsOf("refresh_token").length,
      notified: world.notified.length,
      leaks: sentinelsIn(printedText(report, world.notified, logs.lines))
    }
  })

describe("contract suite: every platform × the answers any platform can give", () => {
  for (const p of contractPlatforms) {
    describe(p.name, () => {
      for (const c of cases.filter((c) => c.applies(p))) {
        const want = c.expect(p)
        it.effect(`${c.label}: ${want.action}, exit ${want.alert ? 1 : 0}`, () =>
          Effect.gen(function*() {
            const got = yield* runCell(p, c)
            assert.strictEqual(got.report.statuses.length, 1)
            assert.strictEqual(got.status.action, want.action, got.status.detail)
            assert.strictEqual(got.status.alert, want.alert, got.status.detail)
            assert.strictEqual(got.report.attention > 0 ? 1 : 0, want.alert ? 1 : 0, "exit code")
            assert.strictEqual(got.notified, want.alert ? 1 : 0, "an alert goes out exactly when something needs attention")
            assert.strictEqual(got.calls, want.calls, "calls the platform saw")
            assert.deepStrictEqual(got.symbolic, want.store, "tokens in the store")
            assert.deepStrictEqual(got.journal, {}, "nothing left in the journal")
            assert.isFalse(got.lost, "the token the next run needs is stored")
            if (want.says !== undefined) assert.include(got.status.detail, want.says)
            if (want.saysToo !== undefined) assert.include(got.status.detail, want.saysToo)
            if (want.refreshUntouched === true) assert.strictEqual(got.refreshEdits, 0, "the refresh token was not rewritten")
            assert.deepStrictEqual(got.leaks, [], "secrets printed")
          }))
      }
    })
  }
})
