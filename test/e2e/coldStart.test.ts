/**
 * Issue 2's acceptance, part 9: `herald --help` starts about as fast as node itself. Timing in
 * CI is noisy, so the bound is loose (ratio < 6); the figures are printed for a human to read.
 */
import { beforeAll, expect, it } from "vitest"
import { assertBuilt, describeRun, makeWorkspace, runHerald } from "./support/runHerald.js"

beforeAll(assertBuilt)

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const BOUND = 6

it("herald --help cold start: median of 5 interleaved runs against node -e 0", async () => {
  const ws = await makeWorkspace()
  const options = { cwd: ws.dir, env: ws.env }
  const node = { ...options, command: [process.execPath, "-e", "0"] }
  // one unmeasured run of each warms the OS file cache, as a user's second run would be
  await runHerald(["--help"], options)
  await runHerald([], node)

  const measure = async () => {
    const herald: Array<number> = []
    const bare: Array<number> = []
    for (let i = 0; i < 5; i++) {
      const h = await runHerald(["--help"], options)
      expect(h.code, describeRun(h)).toBe(0)
      herald.push(h.durationMs)
      const n = await runHerald([], node)
      expect(n.code).toBe(0)
      bare.push(n.durationMs)
    }
    const ratio = median(herald) / median(bare)
    console.log(
      `cold start: herald --help median ${Math.round(median(herald))} ms, node -e 0 median ${Math.round(median(bare))} ms, ` +
        `ratio ${ratio.toFixed(2)} (runs: herald ${herald.map(Math.round).join("/")}; node ${bare.map(Math.round).join("/")})`
    )
    return ratio
  }

  // other work on the machine (parallel test files) only ever adds time, and hurts the
  // longer-running herald more than node: measure again before calling it slow
  let best = Infinity
  for (let attempt = 0; attempt < 3 && best >= BOUND; attempt++) best = Math.min(best, await measure())
  expect(best).toBeLessThan(BOUND)
}, 180_000)
