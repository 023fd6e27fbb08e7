import { describe, expect, it } from "vitest"
import { makeScrub, makeScrubIndex, MIN_SCRUB_LENGTH, SCRUBBED, scrubReport } from "../../src/domain/scrub.js"
import type { Report } from "../../src/domain/Status.js"

const SENTINEL = "SENTINEL-rt/+ &\"x=1"

describe("makeScrub", () => {
  it("removes a value as sent, URL-encoded (both styles) and JSON-escaped", () => {
    const scrub = makeScrub([SENTINEL])
    const texts = [
      `value ${SENTINEL} is invalid`,
      `refresh_token=${encodeURIComponent(SENTINEL)}&grant_type=refresh_token`,
      `refresh_token=${encodeURIComponent(SENTINEL).replace(/%20/g, "+")}`,
      `{"refresh_token":${JSON.stringify(SENTINEL)}}`,
      JSON.stringify(`{"refresh_token":${JSON.stringify(SENTINEL)}}`)
    ]
    for (const t of texts) {
      const out = scrub(t)
      expect(out).toContain(SCRUBBED)
      expect(out).not.toContain("SENTINEL")
    }
  })

  it("removes the longest value first, so a value containing another leaves no tail", () => {
    const scrub = makeScrub(["SENTINEL-a", "SENTINEL-a-longer-tail"])
    expect(scrub("got SENTINEL-a-longer-tail and SENTINEL-a")).toBe(`got ${SCRUBBED} and ${SCRUBBED}`)
  })

  it("removes the start of a value where a message was clipped inside it", () => {
    const scrub = makeScrub(["SENTINEL-0123456789"])
    expect(scrub("invalid_grant: token SENTINEL-0123... (after 3 attempts)")).toBe(
      `invalid_grant: token ${SCRUBBED}... (after 3 attempts)`
    )
    // ordinary text before an ellipsis is left alone
    expect(scrub("waiting... done")).toBe("waiting... done")
  })

  it(`leaves values shorter than ${MIN_SCRUB_LENGTH} characters alone: they would mangle ordinary words`, () => {
    const scrub = makeScrub(["cs", "token"])
    expect(scrub("the token was refused (cs)")).toBe("the token was refused (cs)")
  })

  it("scrubs every text of a report", () => {
    const report: Report = {
      dryRun: false,
      attention: 1,
      statuses: [{ platform: "x", account: "default", action: "failed", alert: true, detail: `x said ${SENTINEL}` }],
      distribution: [{ target: "dotenv /e", connections: ["x"], keys: [], changed: true, alert: true, detail: `poster: ${SENTINEL}`, remedy: `run ${SENTINEL}` }],
      notification: { backend: "webhook", notified: false, sent: [], held: [`x: ${SENTINEL}`], detail: `HTTP 400: ${SENTINEL}` }
    }
    expect(JSON.stringify(scrubReport(report, makeScrub([SENTINEL])))).not.toContain("SENTINEL")
  })
})

describe("makeScrubIndex", () => {
  it("scrubs values added after it was first used, and thousands of them at once, longest form first", () => {
    const index = makeScrubIndex()
    index.add("SENTINEL-short-1")
    expect(index.scrub("a SENTINEL-short-1 b")).toBe("a <redacted> b")
    for (let i = 0; i < 2000; i++) index.add(`SENTINEL-rt-${i}-abcdefghijkl`)
    index.add("SENTINEL-short-1-and-longer")
    expect(index.scrub("x SENTINEL-rt-1999-abcdefghijkl y SENTINEL-short-1-and-longer z")).toBe("x <redacted> y <redacted> z")
    expect(index.scrub("cut at SENTINEL-rt-7-abc… here")).toBe("cut at <redacted>… here")
    expect(index.scrub("nothing secret here")).toBe("nothing secret here")
  })

  it("tokens that all start alike (TikTok's rft.…) are found by length, the longest that stands there, in any of their forms", () => {
    const index = makeScrubIndex()
    // 20,000 values in one bucket of the index: the same first characters, four lengths
    for (let i = 0; i < 5_000; i++) {
      index.add(`rft.${i}`.padEnd(24, "x"))
      index.add(`rft.${i}`.padEnd(40, "y"))
      index.add(`rft.${i}/a b`.padEnd(31, "z"))
      index.add(`rft.${i}`.padEnd(12, "w"))
    }
    expect(index.scrub(`a ${"rft.4321".padEnd(40, "y")} b`)).toBe("a <redacted> b")
    expect(index.scrub(`a ${"rft.4321".padEnd(24, "x")}tail b`)).toBe("a <redacted>tail b")
    expect(index.scrub(`a ${encodeURIComponent("rft.77/a b".padEnd(31, "z"))} b`)).toBe("a <redacted> b")
    expect(index.scrub(`a ${"rft.12".padEnd(12, "w")}`)).toBe("a <redacted>")
    expect(index.scrub("a rft.99999xxxxxxxxxxxxxxx b")).toBe("a rft.99999xxxxxxxxxxxxxxx b")
  })
})
