import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import type { AlertEvent } from "../../../src/domain/Alerts.js"
import type { Status } from "../../../src/domain/Status.js"
import type { AlertNotice } from "../../../src/services/Notifier.js"
import { makeReport } from "../../../src/domain/Status.js"
import { alertMessage, byText, messageFor, testMessage, testReport } from "../../../src/layers/notifier/message.js"

const now = DateTime.unsafeMake("2026-11-22T09:00:00Z")

const linkedin: Status = {
  platform: "linkedin",
  account: "default",
  action: "reauth-required",
  expiresAt: "2026-12-01T09:00:00Z",
  reauthBy: "2026-12-01T09:00:00Z",
  alert: true,
  detail: "access token expires in 9 days; run herald auth login linkedin"
}
const xBrand: Status = {
  platform: "x",
  account: "brand",
  action: "failed",
  alert: true,
  detail: "still failing after retries: HTTP 503 (after 4 attempts)"
}
const tiktokFine: Status = { platform: "tiktok", account: "default", action: "rotated", alert: false, detail: "rotated" }

describe("alertMessage", () => {
  it("lists each alerting connection with what happened, what to run and by when", () => {
    const m = alertMessage(makeReport(false, [linkedin, tiktokFine, xBrand]), now)
    assert.strictEqual(m.subject, "herald: new: 2 connections need attention")
    assert.deepStrictEqual(m.entries.map((e) => e.label), ["linkedin", "x:brand"])
    // the detail's own "run herald auth login linkedin" is dropped: the command is given once
    assert.strictEqual(
      m.lines[0],
      "New: linkedin (reauth-required): access token expires in 9 days — by 2026-12-01 (9 days left) — run: herald auth login linkedin"
    )
    assert.strictEqual(
      m.lines[1],
      "New: x:brand (failed): still failing after retries: HTTP 503 (after 4 attempts) — run: herald doctor, then herald auth refresh x:brand"
    )
    assert.strictEqual(m.text, [m.subject, "", `- ${m.lines[0]}`, `- ${m.lines[1]}`].join("\n"))
    assert.notInclude(m.text, "tiktok")
  })

  it("says 1 connection in the singular", () => {
    assert.strictEqual(alertMessage(makeReport(false, [xBrand]), now).subject, "herald: new: 1 connection needs attention")
  })

  it("a skipped connection points at doctor; a rotation near its end at a new login", () => {
    const skipped = alertMessage(makeReport(false, [{ ...xBrand, account: "default", action: "skipped" }]), now)
    assert.strictEqual(skipped.entries[0]!.command, "herald doctor, then herald auth refresh x")
    const nearEnd = alertMessage(
      makeReport(false, [{ ...tiktokFine, alert: true, reauthBy: "2026-11-30T00:00:00Z", detail: "refresh token ends soon" }]),
      now
    )
    assert.strictEqual(nearEnd.entries[0]!.command, "herald auth login tiktok")
    assert.strictEqual(nearEnd.entries[0]!.by, "2026-11-30 (7 days left)")
  })

  it("counts days left, and overdue", () => {
    assert.strictEqual(byText("2026-11-23T09:00:00Z", now), "2026-11-23 (1 day left)")
    assert.strictEqual(byText("2026-11-22T20:00:00Z", now), "2026-11-22 (less than a day left)")
    assert.strictEqual(byText("2026-11-20T09:00:00Z", now), "2026-11-20 (2 days overdue)")
    assert.strictEqual(byText("2026-11-22T08:00:00Z", now), "2026-11-22 (1 day overdue)")
  })

  it("keeps each entry on one line", () => {
    const m = alertMessage(makeReport(false, [{ ...xBrand, detail: "first\nsecond\r\n\tthird" }]), now)
    assert.include(m.lines[0]!, "first second third")
    assert.strictEqual(m.text.split("\n").length, 3)
  })
})

describe("alertMessage with a run's events", () => {
  const notice = (events: AlertNotice["events"]): AlertNotice => ({ events })
  const ev = (event: AlertEvent, s: Status) => {
    const subject = s.account === "default" ? s.platform : `${s.platform}:${s.account}`
    return { event, subject, condition: { subject, kind: s.action, date: s.reauthBy } }
  }
  const origin = { host: "pi-4", config: "/home/me/.config/herald/config.yaml" }

  it("leads with what happened and lists only what the run tells", () => {
    const m = alertMessage(makeReport(false, [linkedin, xBrand]), now, notice([ev("reminder", linkedin)]), origin)
    assert.strictEqual(m.subject, "herald: still: 1 connection needs attention")
    assert.strictEqual(m.event, "reminder")
    assert.deepStrictEqual(m.lines, [
      "Still: linkedin (reauth-required): access token expires in 9 days — by 2026-12-01 (9 days left) — run: herald auth login linkedin"
    ])
    assert.strictEqual(m.footer, "sent by herald on pi-4 for /home/me/.config/herald/config.yaml")
    assert.isTrue(m.text.endsWith("\n\nsent by herald on pi-4 for /home/me/.config/herald/config.yaml"))
    assert.notInclude(m.text, "x:brand")
  })

  it("an escalation outranks the rest; a recovery says fixed and asks nothing", () => {
    const healed: Status = { ...xBrand, action: "rotated", alert: false, detail: "rotated; stored in the OS keychain" }
    const m = alertMessage(makeReport(false, [linkedin, healed]), now, notice([ev("escalation", linkedin), ev("recovery", healed)]))
    assert.strictEqual(m.subject, "herald: now urgent: 1 connection needs attention; 1 connection working again")
    assert.strictEqual(m.entries[1]!.command, undefined)
    assert.strictEqual(m.lines[1], "Fixed: x:brand (rotated): rotated; stored in the OS keychain")
    const only = alertMessage(makeReport(false, [healed]), now, notice([ev("recovery", healed)]))
    assert.strictEqual(only.subject, "herald: fixed: x:brand works again")
    assert.strictEqual(only.event, "recovery")
  })

  it("drops a detail's 'run COMMAND before then' when the entry gives that command", () => {
    const warned: Status = {
      ...linkedin,
      action: "refreshed",
      detail: "refresh token expires in 5 days (2026-11-27) and LinkedIn does not extend it; run herald auth login linkedin before then"
    }
    const m = alertMessage(makeReport(false, [warned]), now)
    assert.include(m.lines[0]!, "LinkedIn does not extend it — by ")
    assert.strictEqual(m.text.split("herald auth login linkedin").length - 1, 1)
    // another command in the detail is kept
    const other = alertMessage(makeReport(false, [{ ...xBrand, detail: "HTTP 503 (if this repeats, run herald doctor --online)" }]), now)
    assert.include(other.lines[0]!, "(if this repeats, run herald doctor --online)")
  })
})

describe("testMessage", () => {
  it("is what a report without alerts renders as", () => {
    const m = testMessage()
    assert.strictEqual(m.subject, "herald: test alert")
    assert.include(m.text, "herald alerts test")
    assert.deepStrictEqual(messageFor(testReport, now), m)
    assert.deepStrictEqual(messageFor(makeReport(false, [xBrand]), now), alertMessage(makeReport(false, [xBrand]), now))
  })
})
