/**
 * The journal's line format (issue 20): replay tolerates what a crash or a retried append
 * leaves — a torn line anywhere, a line written twice, an old line repeated after a newer
 * one — and reads the older one-object format.
 */
import { assert, describe, it } from "@effect/vitest"
import type { JournalEntry } from "../../../src/services/Journal.js"
import { compacted, encode, replay } from "../../../src/layers/journal/journalLog.js"

const entry = (account: string, refreshToken: string): JournalEntry => ({
  platform: "tiktok",
  account,
  at: "2026-12-01T10:00:00.000Z",
  secrets: { refresh_token: refreshToken },
  metadata: {}
})

describe("journal lines", () => {
  it("puts and dels replay to the entries left; the next line is numbered after the last", () => {
    const text = encode([{ put: "tiktok:a", entry: entry("a", "rt-a") }, { put: "tiktok:b", entry: entry("b", "rt-b") }, { del: "tiktok:a" }], 1)
    const r = replay(text)
    assert.deepStrictEqual(r.entries, { "tiktok:b": entry("b", "rt-b") })
    assert.strictEqual(r.last, 3)
    assert.isFalse(r.openLine)
  })

  it("a torn last line is skipped, and said; the file is open at its end", () => {
    const whole = encode([{ put: "tiktok:a", entry: entry("a", "rt-a") }], 1)
    const torn = encode([{ put: "tiktok:b", entry: entry("b", "rt-b") }], 2).slice(0, 40)
    const r = replay(whole + torn)
    assert.deepStrictEqual(Object.keys(r.entries), ["tiktok:a"])
    assert.strictEqual(r.skipped, 1)
    assert.isTrue(r.openLine)
  })

  it("a torn line in the middle costs only itself", () => {
    const a = encode([{ put: "tiktok:a", entry: entry("a", "rt-a") }], 1)
    const c = encode([{ put: "tiktok:c", entry: entry("c", "rt-c") }], 3)
    const r = replay(a + '{"n":2,"put":"tiktok:b","entr\n' + c)
    assert.deepStrictEqual(Object.keys(r.entries).sort(), ["tiktok:a", "tiktok:c"])
    assert.strictEqual(r.skipped, 1)
  })

  it("a line written twice counts once; an older line repeated after a newer one changes nothing", () => {
    const older = encode([{ put: "tiktok:a", entry: entry("a", "rt-old") }], 1)
    const newer = encode([{ put: "tiktok:a", entry: entry("a", "rt-new") }], 2)
    const gone = encode([{ put: "tiktok:b", entry: entry("b", "rt-b") }], 3) + encode([{ del: "tiktok:b" }], 4)
    const r = replay(older + newer + newer + gone + older + encode([{ put: "tiktok:b", entry: entry("b", "rt-b") }], 3))
    assert.deepStrictEqual(r.entries, { "tiktok:a": entry("a", "rt-new") })
    assert.strictEqual(r.duplicates, 3)
  })

  it("a line that is not the journal's (a stray object, a bad entry) is skipped, not trusted", () => {
    const r = replay('{"n":1,"put":"tiktok:a","entry":{"platform":"tiktok"}}\n{"hello":1}\n[1,2]\n')
    assert.deepStrictEqual(r.entries, {})
    assert.strictEqual(r.skipped, 3)
  })

  it("the older one-object format reads as its entries", () => {
    const r = replay(JSON.stringify({ "tiktok:a": entry("a", "rt-a"), tiktok: entry("default", "rt-d") }, null, 2))
    assert.isTrue(r.legacy)
    assert.deepStrictEqual(Object.keys(r.entries).sort(), ["tiktok", "tiktok:a"])
  })

  it("compacted: one put per live entry, replaying to the same entries", () => {
    const entries = { "tiktok:a": entry("a", "rt-a"), "tiktok:b": entry("b", "rt-b") }
    const r = replay(compacted(entries))
    assert.deepStrictEqual(r.entries, entries)
    assert.strictEqual(r.lines, 2)
  })
})
