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
const root = fileURLToPath(new URL("../../", import.meta.url))
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
    const on = wf["on"] as { schedule?: Array<{ cron: string }>; workflow_dispatch?: unknown; push?: unknown }
    assert.isTrue((on.schedule ?? []).length > 0)
    assert.match(on.schedule![0]!.cron, /^(\S+\s+){4}\S+$/)
    // nothing but the schedule (and a manual run) rotates tokens
    assert.deepStrictEqual(Object.keys(on).sort(), ["schedule", "workflow_dispatch"])
    const concurrency = wf["concurrency"] as { group?: string; "cancel-in-progress"?: boolean }
    assert.isString(concurrency.group)
    assert.isFalse(concurrency["cancel-in-progress"])
    const jobs = wf["jobs"] as Record<string, { steps: Array<{ run?: string }>; env?: Record<string, string> }>
    const steps = Object.values(jobs).flatMap((j) => j.steps)
    assert.isTrue(steps.some((s) => s.run?.trim() === COMMAND))
  })

  it("the GitHub workflow writes back with a token that can write secrets, to the secrets it reads", () => {
    const wf = parse("github-actions.yml")
    const env = Object.values(wf["jobs"] as Record<string, { env?: Record<string, string> }>)[0]!.env ?? {}
    assert.strictEqual(env["HERALD_GITHUB_TOKEN"], "${{ secrets.HERALD_GITHUB_TOKEN }}")
    // the workflow's own token cannot write secrets: it must not be what herald gets
    assert.isFalse(Object.values(env).some((v) => /secrets\.GITHUB_TOKEN|github\.token/.test(v)), JSON.stringify(env))
    // each token comes from the secret of its own name: the one herald rewrites for the next run
    const tokens = Object.entries(env).filter(([name]) => /^(TIKTOK|X|INSTAGRAM|YOUTUBE|LINKEDIN)_/.test(name))
    assert.isTrue(tokens.some(([name]) => name === "TIKTOK_REFRESH_TOKEN"))
    for (const [name, value] of tokens) assert.strictEqual(value, `\${{ secrets.${name} }}`)
    const page = read("github-actions.md")
    const config = YAML.parse(/## 3\. The config file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(page)![1]!) as {
      auth: { writeback: { backend: string } }
    }
    assert.strictEqual(config.auth.writeback.backend, "github")
    for (const phrase of ["HERALD_WRITE_PROBE", "Secrets: read and write", "actions/create-github-app-token", "cannot write Actions secrets"]) {
      assert.include(page, phrase)
    }
  })

  it("action.yml is a composite action that runs herald with the token and config it is given, inputs never spliced into a script", () => {
    const action = YAML.parseDocument(readFileSync(join(root, "action.yml"), "utf8"))
    assert.deepStrictEqual(action.errors.map((e) => e.message), [])
    const a = action.toJS() as {
      name: string
      description: string
      inputs: Record<string, { required?: boolean; default?: string; description: string }>
      runs: { using: string; steps: Array<{ uses?: string; run?: string; shell?: string; env?: Record<string, string> }> }
    }
    assert.isString(a.name)
    assert.isString(a.description)
    assert.isTrue(a.inputs["github-token"]!.required)
    assert.isUndefined(a.inputs["github-token"]!.default)
    assert.strictEqual(a.inputs["command"]!.default, "auth refresh all --json")
    assert.strictEqual(a.runs.using, "composite")
    const runSteps = a.runs.steps.filter((s) => s.run !== undefined)
    for (const step of runSteps) {
      assert.strictEqual(step.shell, "bash")
      assert.notInclude(step.run!, "${{", "a run script must read inputs from env")
    }
    const herald = runSteps.find((s) => s.run!.includes("dist/herald.cjs"))!
    assert.strictEqual(herald.env!["HERALD_GITHUB_TOKEN"], "${{ inputs.github-token }}")
    assert.strictEqual(herald.env!["HERALD_CONFIG"], "${{ inputs.config }}")
    assert.isTrue(a.runs.steps.some((s) => s.uses?.startsWith("actions/setup-node@") === true))
    // the recipe shows how to use it
    const snippet = /### In a few lines, with the action[\s\S]*?```yaml\n([\s\S]*?)```/.exec(read("github-actions.md"))![1]!
    const steps = YAML.parse(`x:\n${snippet}`) as { x: { steps: Array<{ uses?: string; with?: Record<string, string> }> } }
    const uses = steps.x.steps.find((s) => s.uses?.includes("/herald@") === true)!
    assert.strictEqual(uses.with!["github-token"], "${{ secrets.HERALD_GITHUB_TOKEN }}")
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
