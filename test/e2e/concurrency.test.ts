/**
 * Issue 2's acceptance, part 5: the five platforms are worked on at once. With every fake
 * answering in 700 ms, a real `auth refresh all` may cost at most one more round trip than
 * the dry run (`auth status`) of the same config — serial work would cost four or more.
 */
import { beforeAll, expect, it, onTestFinished } from "vitest"
import { startSandbox } from "../../sandbox/index.js"
import { assertBuilt, describeRun, makeWorkspace, reportOf } from "./support/runHerald.js"
import { configYaml, platforms } from "./support/world.js"

beforeAll(assertBuilt)

const LATENCY_MS = 700

it("refresh all over five 700 ms platforms costs less than two round trips more than a dry run", async () => {
  const sb = await startSandbox({ latencyMs: LATENCY_MS, linkedinDaysLeft: 40 })
  onTestFinished(() => sb.close())
  const ws = await makeWorkspace()
  await ws.writeConfig(configYaml(sb, platforms))

  const dry = await ws.herald(["auth", "status", "--json"])
  expect(dry.code, describeRun(dry)).toBe(0)
  expect(reportOf(dry).statuses).toHaveLength(5)

  const real = await ws.herald(["auth", "refresh", "all", "--json"])
  expect(real.code, describeRun(real)).toBe(0)
  const report = reportOf(real)
  expect(report.statuses.map((s) => [s.platform, s.action])).toEqual([
    ["instagram", "refreshed"],
    ["youtube", "healthy"],
    ["tiktok", "rotated"],
    ["linkedin", "healthy"],
    ["x", "rotated"]
  ])

  const extra = real.durationMs - dry.durationMs
  console.log(
    `refresh all: ${Math.round(real.durationMs)} ms, auth status (dry run): ${Math.round(dry.durationMs)} ms, ` +
      `difference ${Math.round(extra)} ms (limit ${2 * LATENCY_MS} ms)`
  )
  expect(extra).toBeLessThan(2 * LATENCY_MS)
})
