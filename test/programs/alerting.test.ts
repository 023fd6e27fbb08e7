/**
 * Alerts people keep reading (issue 18), through the whole pipeline on simulated time: a
 * 90-minute schedule for 30 days with one LinkedIn token entering its re-auth window, the
 * alert memory kept between runs as a real machine keeps its state folder.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import type { AlertEvent, AlertMemoryState } from "../../src/domain/Alerts.js"
import type { AlertsSection, HeraldConfig } from "../../src/domain/Config.js"
import type { Report } from "../../src/domain/Status.js"
import * as AlertMemoryInMemory from "../../src/layers/alertMemory/Memory.js"
import { refreshAll } from "../../src/programs/refreshAll.js"
import { AlertMemory } from "../../src/services/AlertMemory.js"
import { json, type Handler } from "../support/memoryHttp.js"
import { makeWorld, type MemoryWorld, type WorldOptions } from "../support/memoryLayers.js"

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const CADENCE = 90 * MINUTE
const START = Date.UTC(2026, 10, 1)
const iso = (t: number) => new Date(t).toISOString().replace(/\.000Z$/, "Z")
const SENTINELS = ["SENTINEL-li-old-4471", "SENTINEL-li-new-9034"]

interface Told {
  readonly at: number
  readonly event: AlertEvent
  readonly subject: string
}

interface RunLog {
  readonly at: number
  readonly report: Report
}

const noHttp: Handler = () => json(500, { error: "no platform should be called" })

/** A schedule: `configAt(t)` is what the stores hold at t (a human's `auth set` changes it). */
const schedule = (options: {
  readonly from: number
  readonly until: number
  readonly configAt: (t: number) => HeraldConfig
  readonly setup?: (world: MemoryWorld, t: number) => void
  readonly memory?: AlertMemoryState
  readonly http?: Handler
  readonly env?: WorldOptions["env"]
}) =>
  Effect.gen(function*() {
    const memory = yield* AlertMemoryInMemory.make(options.memory)
    const told: Array<Told> = []
    const runs: Array<RunLog> = []
    for (let t = options.from; t < options.until; t += CADENCE) {
      yield* TestClock.setTime(t)
      const { layer, world } = makeWorld({ config: options.configAt(t), http: options.http ?? noHttp, ...(options.env ? { env: options.env } : {}) })
      options.setup?.(world, t)
      const report = yield* refreshAll(undefined, { dryRun: false, concurrency: 8 }).pipe(
        Effect.provide(layer),
        Effect.provideService(AlertMemory, memory.service)
      )
      runs.push({ at: t, report })
      for (const notice of world.notices) for (const e of notice?.events ?? []) told.push({ at: t, event: e.event, subject: e.subject })
    }
    return { told, runs, memory: memory.ref }
  })

const linkedinConfig = (token: string, expiresAt: number, alerts: AlertsSection = {}): HeraldConfig => ({
  platforms: { linkedin: { access_token: token, access_token_expires_at: iso(expiresAt) } },
  auth: { alerts }
})

describe("alert memory over 30 days at a 90-minute cadence", () => {
  // off the cadence's grid, so no run lands exactly on a mark
  const EXPIRY = START + 20 * DAY + 45 * MINUTE
  const RENEWED_AT = EXPIRY - 10 * HOUR
  const configAt = (alerts: AlertsSection = {}) => (t: number) =>
    t < RENEWED_AT ? linkedinConfig(SENTINELS[0]!, EXPIRY, alerts) : linkedinConfig(SENTINELS[1]!, RENEWED_AT + 60 * DAY, alerts)

  it.effect("one alert, one message a day, one escalation at each mark, one recovery after renewal", () =>
    Effect.gen(function*() {
      const { runs, told } = yield* schedule({ from: START, until: START + 30 * DAY, configAt: configAt() })
      assert.strictEqual(runs.length, 480)
      const daysLeft = (t: number) => (EXPIRY - t) / DAY

      const alerts = told.filter((e) => e.event === "alert")
      assert.strictEqual(alerts.length, 1)
      // the first run with fewer than 14 days left
      assert.isBelow(daysLeft(alerts[0]!.at), 14)
      assert.isAtLeast(daysLeft(alerts[0]!.at - CADENCE), 14)

      const escalations = told.filter((e) => e.event === "escalation")
      assert.strictEqual(escalations.length, 3)
      escalations.forEach((e, i) => {
        const mark = [7, 3, 1][i]!
        assert.isAtMost(daysLeft(e.at), mark)
        assert.isAbove(daysLeft(e.at - CADENCE), mark)
      })

      const recoveries = told.filter((e) => e.event === "recovery")
      assert.deepStrictEqual(recoveries.map((e) => e.at), [runs.find((r) => r.at >= RENEWED_AT)!.at])

      // between the alert and the renewal: one message a day, never two in one day
      const standing = told.filter((e) => e.event !== "recovery")
      for (let i = 1; i < standing.length; i++) {
        const gap = standing[i]!.at - standing[i - 1]!.at
        if (standing[i]!.event === "reminder") assert.isAtLeast(gap, DAY - 5 * MINUTE)
        assert.isAtMost(gap, DAY + CADENCE)
      }
      const reminders = told.filter((e) => e.event === "reminder")
      // ~13.7 days from the alert to the renewal: a message each of 13 days, 3 of them escalations
      assert.strictEqual(reminders.length + escalations.length, 13)
      assert.isTrue(told.every((e) => e.subject === "linkedin"))

      // the red pipeline does not change: every run in the window needs attention (exit 1)
      for (const run of runs) {
        const inWindow = run.at >= alerts[0]!.at && run.at < RENEWED_AT
        assert.strictEqual(run.report.attention, inWindow ? 1 : 0, iso(run.at))
      }
      // a quiet run in the window says what was held back and why
      const quiet = runs.find((r) => r.at === alerts[0]!.at + CADENCE)!
      assert.deepStrictEqual(quiet.report.notification, {
        backend: "memory",
        notified: false,
        sent: [],
        held: ["linkedin: reminder due in 23 h"],
        detail: "nothing new to tell: linkedin: reminder due in 23 h"
      })
      const first = runs.find((r) => r.at === alerts[0]!.at)!
      assert.deepStrictEqual(first.report.notification?.sent, ["alert"])
      const text = JSON.stringify(runs.map((r) => r.report))
      for (const s of SENTINELS) assert.notInclude(text, s)
    }))

  it.effect("remind_hours: 0 restores an alert on every run", () =>
    Effect.gen(function*() {
      const from = EXPIRY - 14 * DAY - 3 * HOUR
      const { runs, told } = yield* schedule({ from, until: from + 2 * DAY, configAt: configAt({ remind_hours: 0 }) })
      const attention = runs.filter((r) => r.report.attention > 0)
      assert.strictEqual(told.length, attention.length)
      assert.isAbove(told.length, 25)
      assert.deepStrictEqual([...new Set(told.map((e) => e.event))], ["alert", "reminder"])
    }))

  it.effect("a webhook that fails does not mark the condition as told: the next run that gets through sends the alert", () =>
    Effect.gen(function*() {
      const from = EXPIRY - 14 * DAY - 3 * HOUR
      const failUntil = from + 8 * HOUR
      const { runs, told } = yield* schedule({
        from,
        until: from + 12 * HOUR,
        configAt: configAt(),
        setup: (world, t) => void (world.files.notifyFails = t < failUntil)
      })
      const failing = runs.filter((r) => r.at < failUntil && r.report.attention > 0)
      assert.isAbove(failing.length, 1)
      for (const r of failing) {
        assert.deepStrictEqual(r.report.notification, { backend: "memory", notified: false, sent: [], held: [], detail: "HTTP 404 from the webhook" })
      }
      assert.deepStrictEqual(told.map((e) => e.event), ["alert"])
      assert.isAtLeast(told[0]!.at, failUntil)
    }))

  it.effect("a dry run neither sends nor remembers", () =>
    Effect.gen(function*() {
      const memory = yield* AlertMemoryInMemory.make()
      yield* TestClock.setTime(EXPIRY - 9 * DAY)
      const { layer, world } = makeWorld({ config: linkedinConfig(SENTINELS[0]!, EXPIRY), http: noHttp })
      const report = yield* refreshAll(undefined, { dryRun: true, concurrency: 8 }).pipe(
        Effect.provide(layer),
        Effect.provideService(AlertMemory, memory.service)
      )
      assert.strictEqual(report.attention, 1)
      assert.strictEqual(world.notified.length, 0)
      assert.deepStrictEqual((yield* memory.service.load).told, {})
    }))
})

describe("no refresh storms", () => {
  const deadX: Handler = (req) =>
    req.url.hostname === "api.x.com"
      ? json(400, { error: "invalid_request", error_description: "Value passed for the token was invalid." })
      : json(500, {})
  const xConfig = (refreshToken: string): HeraldConfig => ({ platforms: { x: { client_id: "xid", refresh_token: refreshToken } } })

  it.effect("a refused grant is not sent again until a day has passed or its secrets change; it still needs attention", () =>
    Effect.gen(function*() {
      const memory = yield* AlertMemoryInMemory.make()
      const calls: Array<string> = []
      const run = (t: number, refreshToken: string) =>
        Effect.gen(function*() {
          yield* TestClock.setTime(t)
          const { layer, world } = makeWorld({ config: xConfig(refreshToken), http: deadX })
          const report = yield* refreshAll(undefined, { dryRun: false, concurrency: 8 }).pipe(
            Effect.provide(layer),
            Effect.provideService(AlertMemory, memory.service)
          )
          calls.push(...world.seen.map((r) => `${iso(t)} ${r.form["refresh_token"]}`))
          return { report, world }
        })
      const first = yield* run(START, "SENTINEL-xr-dead")
      assert.strictEqual(first.report.statuses[0]!.action, "reauth-required")
      assert.strictEqual(calls.length, 1)

      const again = yield* run(START + CADENCE, "SENTINEL-xr-dead")
      assert.strictEqual(calls.length, 1, "the dead token was sent again")
      const status = again.report.statuses[0]!
      assert.strictEqual(status.action, "reauth-required")
      assert.isTrue(status.alert)
      assert.strictEqual(again.report.attention, 1)
      assert.include(status.detail, `not sent again this run: herald asks x again after ${iso(START + DAY)}`)
      assert.include(status.detail, "herald auth login x")
      // the same condition: not a second alert
      assert.deepStrictEqual(again.report.notification?.held, ["x: reminder due in 23 h"])

      // a day later it is asked again (and refused again)
      yield* run(START + DAY, "SENTINEL-xr-dead")
      assert.strictEqual(calls.length, 2)
      yield* run(START + DAY + CADENCE, "SENTINEL-xr-dead")
      assert.strictEqual(calls.length, 2)

      // new secrets (auth set / auth login) are tried at once
      yield* run(START + DAY + 2 * CADENCE, "SENTINEL-xr-new")
      assert.deepStrictEqual(calls.slice(2), [`${iso(START + DAY + 2 * CADENCE)} SENTINEL-xr-new`])

      const saved = JSON.stringify(yield* memory.service.load)
      assert.notInclude(saved, "SENTINEL")
      assert.match(saved, /"fingerprint": ?"[0-9a-f]{16}"/)
    }))
})
