import { assert, describe, it } from "@effect/vitest"
import {
  type AlertMemoryState,
  type AlertPolicy,
  type Condition,
  conditionsOf,
  crossedMark,
  decideAlerts,
  emptyMemory,
  fingerprintOf,
  forgetUnconfigured,
  refusalVerdict
} from "../../src/domain/Alerts.js"
import { makeReport } from "../../src/domain/Status.js"

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.UTC(2026, 10, 22, 9)
const policy: AlertPolicy = { remindHours: 24, escalateDays: [7, 3, 1] }
const iso = (t: number) => new Date(t).toISOString()

const linkedin = (date = iso(T0 + 10 * DAY)): Condition => ({ subject: "linkedin", kind: "reauth-required", date })

/** One run's decision, the memory kept as if it was delivered. */
const step = (memory: AlertMemoryState, now: number, conditions: ReadonlyArray<Condition>, present = ["linkedin", "x"], p = policy) =>
  decideAlerts({ conditions, present, memory, now, policy: p })

describe("decideAlerts", () => {
  it("a new condition is an alert; the same one is held until its reminder is due, then reminded", () => {
    const first = step(emptyMemory("s"), T0, [linkedin()])
    assert.deepStrictEqual(first.send.map((e) => [e.event, e.subject]), [["alert", "linkedin"]])
    const soon = step(first.memory, T0 + 4 * HOUR, [linkedin()])
    assert.deepStrictEqual(soon.send, [])
    assert.deepStrictEqual(soon.held, [{ subject: "linkedin", event: "reminder", reason: "reminder due in 20 h" }])
    const day = step(soon.memory, T0 + 24 * HOUR, [linkedin()])
    assert.deepStrictEqual(day.send.map((e) => e.event), ["reminder"])
    assert.strictEqual(day.memory.told["linkedin"]!.toldAt, iso(T0 + 24 * HOUR))
  })

  it("a schedule a minute early does not push the daily reminder to the next run", () => {
    const first = step(emptyMemory("s"), T0, [linkedin()])
    assert.deepStrictEqual(step(first.memory, T0 + 24 * HOUR - 60_000, [linkedin()]).send.map((e) => e.event), ["reminder"])
    assert.deepStrictEqual(step(first.memory, T0 + 23 * HOUR, [linkedin()]).send, [])
  })

  it("a changed condition (new kind or new date) is a new alert", () => {
    const first = step(emptyMemory("s"), T0, [linkedin()])
    assert.deepStrictEqual(step(first.memory, T0 + HOUR, [{ ...linkedin(), kind: "failed" }]).send.map((e) => e.event), ["alert"])
    assert.deepStrictEqual(step(first.memory, T0 + HOUR, [linkedin(iso(T0 + 12 * DAY))]).send.map((e) => e.event), ["alert"])
    // a date recomputed from "expires in N seconds" a second off is the same date
    assert.deepStrictEqual(step(first.memory, T0 + HOUR, [linkedin(iso(T0 + 10 * DAY + 1000))]).send, [])
  })

  it("dates already due are the same condition: a refused grant's 're-auth by now' is not new on every run", () => {
    const refused = (t: number): Condition => ({ subject: "x", kind: "reauth-required", date: iso(t) })
    const first = step(emptyMemory("s"), T0, [refused(T0)])
    const next = step(first.memory, T0 + 90 * 60_000, [refused(T0 + 90 * 60_000)])
    assert.deepStrictEqual(next.send, [])
    assert.strictEqual(next.held[0]!.reason, "reminder due in 23 h")
  })

  it("crossing an escalate_days mark sends an escalation, once per mark", () => {
    const expiry = T0 + 10 * DAY
    let memory = step(emptyMemory("s"), T0, [linkedin(iso(expiry))]).memory
    const events: Array<string> = []
    for (let t = T0 + 6 * HOUR; t < expiry; t += 6 * HOUR) {
      const d = step(memory, t, [linkedin(iso(expiry))])
      memory = d.memory
      for (const e of d.send) events.push(`${e.event}@${(expiry - t) / DAY}`)
    }
    assert.deepStrictEqual(events.filter((e) => e.startsWith("escalation")), ["escalation@7", "escalation@3", "escalation@1"])
    assert.strictEqual(events.filter((e) => e.startsWith("reminder")).length, 9 - 3)
  })

  it("a condition first seen past a mark is an alert, and escalates only at the next mark", () => {
    const expiry = T0 + 5 * DAY
    const first = step(emptyMemory("s"), T0, [linkedin(iso(expiry))])
    assert.strictEqual(first.memory.told["linkedin"]!.mark, 7)
    assert.deepStrictEqual(step(first.memory, T0 + HOUR, [linkedin(iso(expiry))]).send, [])
    assert.deepStrictEqual(step(first.memory, expiry - 3 * DAY, [linkedin(iso(expiry))]).send.map((e) => e.event), ["escalation"])
  })

  it("a connection looked at that shows no condition gets one recovery; one not looked at keeps its memory", () => {
    const told = step(emptyMemory("s"), T0, [linkedin()]).memory
    const elsewhere = step(told, T0 + HOUR, [], ["x"])
    assert.deepStrictEqual(elsewhere.send, [])
    assert.isDefined(elsewhere.memory.told["linkedin"])
    const healed = step(told, T0 + HOUR, [])
    assert.deepStrictEqual(healed.send.map((e) => [e.event, e.subject]), [["recovery", "linkedin"]])
    assert.isUndefined(healed.memory.told["linkedin"])
    assert.deepStrictEqual(step(healed.memory, T0 + 2 * HOUR, []).send, [])
  })

  it("remind_hours 0 repeats a standing condition on every run", () => {
    const every = { ...policy, remindHours: 0 }
    let memory = emptyMemory("s")
    const events: Array<string> = []
    for (let i = 0; i < 4; i++) {
      const d = step(memory, T0 + i * 90 * 60_000, [linkedin()], ["linkedin"], every)
      memory = d.memory
      events.push(...d.send.map((e) => e.event))
    }
    assert.deepStrictEqual(events, ["alert", "reminder", "reminder", "reminder"])
  })

  it("conditions come from alerting statuses and failed distribution targets, never from detail text", () => {
    const report = {
      ...makeReport(false, [
        { platform: "linkedin", account: "default", action: "reauth-required", reauthBy: iso(T0), alert: true, detail: "expires in 9 days" },
        { platform: "x", account: "brand", action: "rotated", alert: false, detail: "ok" }
      ]),
      distribution: [{ target: "dotenv /srv/.env", connections: ["x:brand"], keys: [], changed: false, alert: true, detail: "ENOENT" }]
    }
    assert.deepStrictEqual(conditionsOf(report), {
      conditions: [
        { subject: "linkedin", kind: "reauth-required", date: iso(T0) },
        { subject: "target dotenv /srv/.env", kind: "distribution-failed" }
      ],
      present: ["linkedin", "x:brand", "target dotenv /srv/.env"]
    })
  })

  it("a connection the config no longer has is forgotten; distribution targets are kept", () => {
    const memory: AlertMemoryState = {
      ...emptyMemory("s"),
      told: {
        linkedin: { kind: "reauth-required", toldAt: iso(T0) },
        "x:old": { kind: "failed", toldAt: iso(T0) },
        "target dotenv /srv/.env": { kind: "distribution-failed", toldAt: iso(T0) }
      },
      refusals: { "x:old": { at: iso(T0), fingerprint: "f" } }
    }
    const kept = forgetUnconfigured(memory, ["linkedin", "x"])
    assert.deepStrictEqual(Object.keys(kept.told), ["linkedin", "target dotenv /srv/.env"])
    assert.deepStrictEqual(kept.refusals, {})
  })

  it("crossedMark: the smallest mark reached; a past date has reached them all", () => {
    assert.strictEqual(crossedMark(iso(T0 + 9 * DAY), T0, [7, 3, 1]), undefined)
    assert.strictEqual(crossedMark(iso(T0 + 7 * DAY), T0, [7, 3, 1]), 7)
    assert.strictEqual(crossedMark(iso(T0 + 2 * DAY), T0, [7, 3, 1]), 3)
    assert.strictEqual(crossedMark(iso(T0 - DAY), T0, [7, 3, 1]), 1)
    assert.strictEqual(crossedMark(undefined, T0, [7, 3, 1]), undefined)
  })
})

describe("refusals", () => {
  const fp = fingerprintOf("salt", [["refresh_token", "SENTINEL-rt-1"], ["client_secret", "cs"]])

  it("a refused grant is held with the same secrets for a day, and asked again with new secrets", () => {
    const known = { at: iso(T0), fingerprint: fp }
    assert.deepStrictEqual(refusalVerdict(known, fp, T0 + HOUR), { _tag: "Hold", refusedAt: iso(T0), retryAt: iso(T0 + DAY).replace(".000Z", "Z") })
    assert.strictEqual(refusalVerdict(known, fp, T0 + DAY)._tag, "Ask")
    const renewed = fingerprintOf("salt", [["refresh_token", "SENTINEL-rt-2"], ["client_secret", "cs"]])
    assert.strictEqual(refusalVerdict(known, renewed, T0 + HOUR)._tag, "Ask")
    assert.strictEqual(refusalVerdict(undefined, fp, T0)._tag, "Ask")
  })

  it("the fingerprint is short, salted, order-independent and holds nothing of the secret", () => {
    assert.match(fp, /^[0-9a-f]{16}$/)
    assert.strictEqual(fingerprintOf("salt", [["client_secret", "cs"], ["refresh_token", "SENTINEL-rt-1"]]), fp)
    assert.notStrictEqual(fingerprintOf("other", [["refresh_token", "SENTINEL-rt-1"], ["client_secret", "cs"]]), fp)
    assert.notInclude(fp, "SENTINEL")
  })
})
