/**
 * The recipes in docs/recipes are files users copy as they are: each must parse, keep the
 * properties that make a run safe (no overlap, schedule only), and match the copy shown
 * in its page.
 */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "@effect/vitest"
import * as YAML from "yaml"

const dir = fileURLToPath(new URL("../../docs/recipes/", import.meta.url))
const read = (name: string) => readFileSync(join(dir, name), "utf8")
const parse = (name: string): Record<string, unknown> => {
  const doc = YAML.parseDocument(read(name))
  assert.deepStrictEqual(doc.errors.map((e) => e.message), [])
  return doc.toJS() as Record<string, unknown>
}

const COMMAND = "herald auth refresh all --json"

describe("docs/recipes", () => {
  it("each page embeds its files exactly", () => {
    const pages: Record<string, ReadonlyArray<string>> = {
      "gitlab-ci.md": ["gitlab-ci.yml"],
      "github-actions.md": ["github-actions.yml"],
      "systemd.md": ["herald-refresh.service", "herald-refresh.timer"]
    }
    for (const [page, files] of Object.entries(pages)) {
      const text = read(page)
      for (const file of files) assert.include(text, `\n${read(file)}\`\`\``, `${page} must show ${file} as it is`)
    }
  })

  it("the GitLab job is serialised, schedule-only, not interruptible, and runs the command", () => {
    const ci = parse("gitlab-ci.yml")
    const job = ci["herald-refresh"] as Record<string, unknown>
    assert.isObject(job)
    assert.isString(job["resource_group"])
    assert.isFalse(job["interruptible"])
    const rules = job["rules"] as Array<{ if?: string; when?: string }>
    assert.isTrue(rules.length > 0)
    // every rule that can start the job requires a schedule
    for (const rule of rules) {
      if (rule.when === "never") continue
      assert.include(rule.if ?? "", `$CI_PIPELINE_SOURCE == "schedule"`)
    }
    assert.include(job["script"] as Array<string>, COMMAND)
    assert.include((ci["stages"] as Array<string>), job["stage"] as string)
  })

  it("the GitHub workflow is scheduled, in a non-cancelling concurrency group, and runs the command", () => {
    const wf = parse("github-actions.yml")
    // YAML 1.2 reads `on` as a string key, as GitHub does
    const on = wf["on"] as { schedule?: Array<{ cron: string }>; workflow_dispatch?: unknown }
    assert.isTrue((on.schedule ?? []).length > 0)
    assert.match(on.schedule![0]!.cron, /^(\S+\s+){4}\S+$/)
    const concurrency = wf["concurrency"] as { group?: string; "cancel-in-progress"?: boolean }
    assert.isString(concurrency.group)
    assert.isFalse(concurrency["cancel-in-progress"])
    const jobs = wf["jobs"] as Record<string, { steps: Array<{ run?: string }>; env?: Record<string, string> }>
    const steps = Object.values(jobs).flatMap((j) => j.steps)
    assert.isTrue(steps.some((s) => s.run?.trim() === COMMAND))
    // hosted runners lose whatever herald writes: nothing that rotates may be configured
    const env = Object.keys(Object.values(jobs)[0]!.env ?? {})
    assert.isFalse(env.some((name) => /^(TIKTOK|X|INSTAGRAM)_/.test(name)), env.join(", "))
  })

  it("the GitHub page is honest that there is no GitHub write-back", () => {
    assert.include(read("github-actions.md"), "herald has no GitHub write-back yet")
  })

  it("the systemd units run the command every 90 minutes", () => {
    assert.match(read("herald-refresh.service"), /^ExecStart=\/usr\/bin\/env herald auth refresh all --json$/m)
    assert.match(read("herald-refresh.service"), /^Type=oneshot$/m)
    assert.match(read("herald-refresh.timer"), /^OnUnitActiveSec=90min$/m)
    assert.match(read("herald-refresh.timer"), /^WantedBy=timers\.target$/m)
  })

  const systemdAnalyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" })
  const hasSystemdAnalyze = systemdAnalyze.error === undefined && systemdAnalyze.status === 0
  if (!hasSystemdAnalyze) console.log("skipping `systemd-analyze verify`: systemd-analyze is not installed here")

  it.skipIf(!hasSystemdAnalyze)("systemd-analyze verify accepts the units", () => {
    // system mode: --user needs a running user manager, and the units use nothing user-only
    const run = spawnSync(
      "systemd-analyze",
      ["verify", join(dir, "herald-refresh.service"), join(dir, "herald-refresh.timer")],
      { encoding: "utf8" }
    )
    const ours = run.stderr.split("\n").filter((line) => line.includes("herald-refresh"))
    assert.deepStrictEqual(ours, [], run.stderr)
    assert.strictEqual(run.status, 0, run.stderr)
  })
})
