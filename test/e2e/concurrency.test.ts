/**
 * Issue 2's acceptance, part 5: the five platforms are worked on at once. With every fake
 * answering in 700 ms, a real `auth refresh all` may cost less than two round trips more than
 * the dry run (`auth status`) of the same config — serial work would cost four or more.
 */
import { beforeAll, expect, it, onTestFinished } from "vitest"
import { startSandbox } from "../../sandbox/index.js"
import { assertBuilt, describeRun, makeWorkspace, reportOf } from "./support/runHerald.js"
import { configYaml } from "./support/world.js"

beforeAll(assertBuilt)

const LATENCY_MS = 700
const LIMIT_MS = 2 * LATENCY_MS
/** the five platforms this measurement was set for (a platform added later is not part of it) */
const platforms = ["instagram", "youtube", "tiktok", "linkedin", "x"]

/** One measurement on a fresh sandbox: the real run's wall time minus the dry run's. */
const measure = async (): Promise<number> => {
  const sb = await startSandbox({ latencyMs: LATENCY_MS, linkedinDaysLeft: 40 })
  onTestFinished(() => sb.close())
  const ws = await makeWorkspace()
  await ws.writeConfig(configYaml(sb, platforms))

  const dry = await ws.herald(["auth", "status", "--json"])
  expect(dry.code, describeRun(dry)).toBe(0)
  expect(reportOf(dry).statuses).toHaveLength(5)

  const real = await ws.herald(["auth", "refresh", "all", "--json"])
  expect(real.code, describeRun(real)).toBe(0)
  expect(reportOf(real).statuses.map((s) => [s.platform, s.action])).toEqual([
    ["instagram", "refreshed"],
    ["youtube", "healthy"],
    ["tiktok", "rotated"],
    ["linkedin", "healthy"],
    ["x", "rotated"]
  ])

  const extra = real.durationMs - dry.durationMs
  console.log(
    `refresh all: ${Math.round(real.durationMs)} ms, auth status (dry run): ${Math.round(dry.durationMs)} ms, ` +
      `difference ${Math.round(extra)} ms (limit ${LIMIT_MS} ms)`
  )
  return extra
}

it("refresh all over five 700 ms platforms costs less than two round trips more than a dry run", async () => {
  // a busy machine can stretch one run by a second; working serially costs 2.8 s or more
  // every time, so a second or third look tells noise from a real regression
  let best = Infinity
  for (let attempt = 0; attempt < 3 && best >= LIMIT_MS; attempt++) best = Math.min(best, await measure())
  expect(best).toBeLessThan(LIMIT_MS)
}, 120_000)
