import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import type { Status } from "../../../src/domain/Status.js"
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
    assert.strictEqual(m.subject, "herald: 2 connections need attention")
    assert.deepStrictEqual(m.entries.map((e) => e.label), ["linkedin", "x:brand"])
    assert.strictEqual(
      m.lines[0],
      "linkedin (reauth-required): access token expires in 9 days; run herald auth login linkedin — by 2026-12-01 (9 days left) — run: herald auth login linkedin"
    )
    assert.strictEqual(
      m.lines[1],
      "x:brand (failed): still failing after retries: HTTP 503 (after 4 attempts) — run: herald doctor, then herald auth refresh x:brand"
    )
    assert.strictEqual(m.text, [m.subject, "", `- ${m.lines[0]}`, `- ${m.lines[1]}`].join("\n"))
    assert.notInclude(m.text, "tiktok")
  })

  it("says 1 connection in the singular", () => {
    assert.strictEqual(alertMessage(makeReport(false, [xBrand]), now).subject, "herald: 1 connection needs attention")
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

describe("testMessage", () => {
  it("is what a report without alerts renders as", () => {
    const m = testMessage()
    assert.strictEqual(m.subject, "herald: test alert")
    assert.include(m.text, "herald alerts test")
    assert.deepStrictEqual(messageFor(testReport, now), m)
    assert.deepStrictEqual(messageFor(makeReport(false, [xBrand]), now), alertMessage(makeReport(false, [xBrand]), now))
  })
})
