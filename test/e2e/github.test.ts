/**
 * Issue 17, end to end: the built CLI (`npm run build` first) as a scheduled GitHub Actions
 * job would run it — the repository's secrets in its environment, GITHUB_REPOSITORY and
 * GITHUB_API_URL set by the runner — against a loopback TikTok and a loopback GitHub that
 * opens every sealed box with its private key. Every secret is a SENTINEL-… value, so one
 * search finds any that leaks.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import * as YAML from "yaml"
import { describe, expect, it } from "vitest"
import { type GitHubFake, type GitHubFakeOptions, startGitHubFake } from "../../sandbox/fakes/github.js"
import { startTikTokFake, TIKTOK_TOKEN_PATH, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import { besideConfig } from "../../src/layers/journal/storeFiles.js"
import { PROBE_SECRET } from "../../src/layers/writeback/GitHub.js"
import { describeRun, e2eFile, type Finished, heraldBin, makeWorkspace, repoRoot, sentinelsIn, waitFor, type Workspace } from "./support/safetyHelpers.js"

const { cleanups } = e2eFile()

const CLIENT = { TIKTOK_CLIENT_KEY: "SENTINEL-client-key", TIKTOK_CLIENT_SECRET: "SENTINEL-client-secret" }
const GH_TOKEN = "github_pat_SENTINEL_0123456789"

interface Report {
  readonly attention: number
  readonly statuses: ReadonlyArray<{ platform: string; account: string; action: string; alert: boolean; detail: string; storedIn?: string }>
}
const reportOf = (r: Finished): Report => JSON.parse(r.stdout) as Report

const journalFile = (ws: Workspace) => besideConfig(ws.configFile).journal

interface World {
  readonly tiktok: TikTokFake
  readonly github: GitHubFake
  readonly ws: Workspace
  /** the job's environment as GitHub Actions gives it: the repository secrets as they are now */
  readonly jobEnv: (extra?: Record<string, string>) => Record<string, string>
  readonly tokenCalls: () => number
}

const world = async (options: {
  readonly secrets?: ReadonlyArray<"TIKTOK_REFRESH_TOKEN" | "TIKTOK_ACCESS_TOKEN">
  readonly github?: GitHubFakeOptions
  readonly environment?: string
} = {}): Promise<World> => {
  const tiktok = await startTikTokFake({ clientKey: CLIENT.TIKTOK_CLIENT_KEY, clientSecret: CLIENT.TIKTOK_CLIENT_SECRET, tokenPrefix: "SENTINEL-tiktok" })
  cleanups.push(() => tiktok.close())
  const rt0 = tiktok.issueRefreshToken()
  const at0 = tiktok.issueAccessToken()
  const initial: Record<string, string> = { TIKTOK_REFRESH_TOKEN: rt0, TIKTOK_ACCESS_TOKEN: at0 }
  const names = options.secrets ?? ["TIKTOK_REFRESH_TOKEN", "TIKTOK_ACCESS_TOKEN"]
  const secrets = Object.fromEntries(names.map((n) => [n, initial[n]!]))
  const github = await startGitHubFake({
    tokens: { [GH_TOKEN]: { secrets: "write" } },
    ...(options.environment === undefined ? { secrets } : { environments: { [options.environment]: { secrets } } }),
    ...options.github
  })
  cleanups.push(() => github.close())
  const ws = makeWorkspace()
  cleanups.push(() => ws.cleanup())
  ws.writeConfig(
    `platforms:\n  tiktok:\n    endpoints: { token: "${tiktok.url(TIKTOK_TOKEN_PATH)}" }\n` +
      `auth:\n  writeback:\n    backend: github\n` +
      (options.environment === undefined ? "" : `    github: { environment: ${options.environment} }\n`)
  )
  const jobEnv = (extra: Record<string, string> = {}) => {
    const env: Record<string, string> = { ...CLIENT, GITHUB_REPOSITORY: github.repository, GITHUB_API_URL: github.url, HERALD_GITHUB_TOKEN: GH_TOKEN }
    // each secret as the workflow's `env:` maps it; an absent secret is an empty string in Actions
    for (const name of ["TIKTOK_REFRESH_TOKEN", "TIKTOK_ACCESS_TOKEN"]) {
      const value = github.secret(name, options.environment)
      if (value !== undefined) env[name] = value
    }
    return { ...env, ...extra }
  }
  return { tiktok, github, ws, jobEnv, tokenCalls: () => tiktok.requestsTo(TIKTOK_TOKEN_PATH).length }
}

const run = (w: World, env: Record<string, string> = w.jobEnv()) => w.ws.run(["auth", "refresh", "all", "--json"], env)

describe("github write-back, with the built CLI", () => {
  it("libsodium is a lazily loaded chunk, not part of the bin's start", () => {
    const chunks = fs.readdirSync(path.join(repoRoot, "dist", "chunks"))
    expect(chunks.some((f) => f.startsWith("libsodium-wrappers-"))).toBe(true)
    expect(fs.readFileSync(heraldBin, "utf8")).not.toContain("crypto_box_seal_open")
  })

  it("a TikTok rotation lands in the repository secret, and the next run with the new value rotates again", async () => {
    const w = await world()
    const first = await run(w)
    expect(first.code, describeRun(first)).toBe(0)
    const [status] = reportOf(first).statuses
    expect(status).toMatchObject({ platform: "tiktok", action: "rotated", storedIn: "github", alert: false })
    expect(status!.detail).toContain("GitHub Actions secrets TIKTOK_REFRESH_TOKEN, TIKTOK_ACCESS_TOKEN (repository owner/blog)")
    const rt1 = w.tiktok.currentRefreshToken()!
    expect(w.github.secret("TIKTOK_REFRESH_TOKEN")).toBe(rt1)
    expect(w.github.secret("TIKTOK_ACCESS_TOKEN")).toBe(w.tiktok.liveAccessTokens().at(-1))
    // only the probe was ever created, and it is gone
    expect(w.github.creates).toEqual([PROBE_SECRET])
    expect(w.github.secret(PROBE_SECRET)).toBeUndefined()

    // the next scheduled workflow gets the secrets as they are now
    const second = await run(w)
    expect(second.code, describeRun(second)).toBe(0)
    expect(reportOf(second).statuses.map((s) => s.action)).toEqual(["rotated"])
    expect(w.tiktok.requestsTo(TIKTOK_TOKEN_PATH).map((r) => r.form["refresh_token"]).at(-1)).toBe(rt1)
    expect(w.tiktok.counters.rejections).toBe(0)
    expect(w.github.secret("TIKTOK_REFRESH_TOKEN")).toBe(w.tiktok.currentRefreshToken())
    expect(sentinelsIn(first.stdout, first.stderr, second.stdout, second.stderr)).toEqual([])
  })

  it("environment secrets: sealed with the environment's key, the repository's left alone", async () => {
    const w = await world({ environment: "production" })
    const r = await run(w)
    expect(r.code, describeRun(r)).toBe(0)
    expect(w.github.secret("TIKTOK_REFRESH_TOKEN", "production")).toBe(w.tiktok.currentRefreshToken())
    expect(w.github.repo.secrets.size).toBe(0)
  })

  it("access-token secret absent: the rotation still happens, and the report names the secret not written", async () => {
    const w = await world({ secrets: ["TIKTOK_REFRESH_TOKEN"] })
    const r = await run(w)
    expect(r.code, describeRun(r)).toBe(0)
    const [status] = reportOf(r).statuses
    expect(status!.action).toBe("rotated")
    expect(status!.detail).toContain("TIKTOK_ACCESS_TOKEN not written: repository owner/blog has no such Actions secret")
    expect(w.github.secret("TIKTOK_REFRESH_TOKEN")).toBe(w.tiktok.currentRefreshToken())
    expect(w.github.secret("TIKTOK_ACCESS_TOKEN")).toBeUndefined()
    expect(sentinelsIn(r.stdout, r.stderr)).toEqual([])
  })

  it("refresh-token secret absent: nothing rotated, skipped with an alert (exit 1)", async () => {
    const w = await world({ secrets: ["TIKTOK_ACCESS_TOKEN"] })
    // the refresh token still reaches this job some other way (a stale copy): herald must not spend it
    const r = await run(w, w.jobEnv({ TIKTOK_REFRESH_TOKEN: "SENTINEL-refresh-elsewhere" }))
    expect(r.code, describeRun(r)).toBe(1)
    const [status] = reportOf(r).statuses
    expect(status).toMatchObject({ action: "skipped", alert: true })
    expect(status!.detail).toContain("GitHub Actions secret TIKTOK_REFRESH_TOKEN does not exist in repository owner/blog")
    expect(w.tokenCalls()).toBe(0)
    expect(w.github.count("PUT")).toBe(0)
    expect(sentinelsIn(r.stdout, r.stderr)).toEqual([])
  })

  it("only the workflow's GITHUB_TOKEN: the run does not start, and says what to use instead", async () => {
    const w = await world()
    const env = w.jobEnv({ GITHUB_TOKEN: "ghs_SENTINEL_workflow_token" })
    delete env["HERALD_GITHUB_TOKEN"]
    const r = await run(w, env)
    expect(r.code, describeRun(r)).toBe(2)
    const said = r.stdout + r.stderr
    expect(said).toContain("a workflow's own GITHUB_TOKEN cannot write Actions secrets")
    expect(said).toContain("HERALD_GITHUB_TOKEN")
    expect(w.tokenCalls()).toBe(0)
    expect(sentinelsIn(r.stdout, r.stderr)).toEqual([])
  })

  const refusals: ReadonlyArray<[string, GitHubFakeOptions | undefined, Record<string, string>, string]> = [
    ["401 (a revoked token)", { tokens: { other: { secrets: "write" } } }, {}, "GitHub refused HERALD_GITHUB_TOKEN (HTTP 401"],
    ["403 (a token that may only read)", { tokens: { [GH_TOKEN]: { secrets: "read" } } }, {}, `cannot write Actions secrets in repository owner/blog (probe secret ${PROBE_SECRET})`],
    ["404 (a repository the token cannot see)", undefined, { GITHUB_REPOSITORY: "owner/elsewhere" }, "repository owner/elsewhere was not found"],
    ["422 (the probe refused)", { faults: [{ method: "PUT", name: PROBE_SECRET, status: 422, body: { message: "Invalid request." } }] }, {}, "HTTP 422 Invalid request."],
    ["5xx (GitHub down)", { faults: [{ status: 503, times: Number.POSITIVE_INFINITY }] }, {}, "GitHub is unavailable: HTTP 503 (after 4 attempts)"]
  ]
  for (const [name, github, extra, says] of refusals) {
    it(`preflight refused, ${name}: nothing rotated, skipped with an alert`, async () => {
      const w = await world(github === undefined ? {} : { github })
      const r = await run(w, w.jobEnv(extra))
      expect(r.code, describeRun(r)).toBe(1)
      const [status] = reportOf(r).statuses
      expect(status!.action).toBe("skipped")
      expect(status!.detail).toContain(says)
      expect(w.tokenCalls()).toBe(0)
      expect(sentinelsIn(r.stdout, r.stderr)).toEqual([])
    })
  }

  it("429 with retry-after on the secret's PUT: waited for, then written", async () => {
    const w = await world({ github: { faults: [{ method: "PUT", name: "TIKTOK_REFRESH_TOKEN", status: 429, headers: { "retry-after": "1" } }] } })
    const r = await run(w)
    expect(r.code, describeRun(r)).toBe(0)
    expect(w.github.secret("TIKTOK_REFRESH_TOKEN")).toBe(w.tiktok.currentRefreshToken())
  })

  it("422 on the refresh token's PUT after the rotation: failed, the new token kept in the journal, named for recovery", async () => {
    const w = await world({
      github: { faults: [{ method: "PUT", name: "TIKTOK_REFRESH_TOKEN", status: 422, body: { message: "Invalid request." }, times: Number.POSITIVE_INFINITY }] }
    })
    const r = await run(w)
    expect(r.code, describeRun(r)).toBe(1)
    const [status] = reportOf(r).statuses
    expect(status).toMatchObject({ action: "failed", storedIn: "recovery-file" })
    expect(fs.readFileSync(journalFile(w.ws), "utf8")).toContain(w.tiktok.currentRefreshToken()!)
    expect(sentinelsIn(r.stdout, r.stderr)).toEqual([])
  })

  it("SIGKILL during the PUT: the journal holds the token, and the next run writes it back and rotates on", async () => {
    const w = await world()
    // GitHub is struggling: every secret write answers 503, so write-back retries slowly
    w.github.fail({ method: "PUT", name: "TIKTOK_REFRESH_TOKEN", status: 503, times: Number.POSITIVE_INFINITY })
    const env = w.jobEnv()
    const first = w.ws.start(["auth", "refresh", "all", "--json"], env)
    await waitFor("the rotation and the first secret PUT", () =>
      w.tiktok.counters.rotations === 1 && w.github.requests.some((r) => r.method === "PUT" && r.path.endsWith("/TIKTOK_REFRESH_TOKEN")))
    first.child.kill("SIGKILL")
    const killed = await first.done
    expect(killed.signal).toBe("SIGKILL")
    const rt1 = w.tiktok.currentRefreshToken()!
    expect(fs.readFileSync(journalFile(w.ws), "utf8")).toContain(rt1)

    // GitHub recovers; the next workflow starts with the secrets as they are (the dead rt0)
    const github = await startGitHubFake({ tokens: { [GH_TOKEN]: { secrets: "write" } }, secrets: Object.fromEntries([...w.github.repo.secrets].map(([k, v]) => [k, v.value])) })
    cleanups.push(() => github.close())
    const next = await w.ws.run(["auth", "refresh", "all", "--json"], { ...env, GITHUB_API_URL: github.url })
    expect(next.code, describeRun(next)).toBe(0)
    expect(w.tiktok.requestsTo(TIKTOK_TOKEN_PATH).map((r) => r.form["refresh_token"]).at(-1)).toBe(rt1)
    expect(github.secret("TIKTOK_REFRESH_TOKEN")).toBe(w.tiktok.currentRefreshToken())
    expect(fs.existsSync(journalFile(w.ws))).toBe(false)
    expect(sentinelsIn(killed.stdout, killed.stderr, next.stdout, next.stderr)).toEqual([])
  })

  it("a GitHub token 5 days from expiry: the rotation lands and an alert names the token and what to do", async () => {
    const at = new Date(Date.now() + 5 * 86_400_000 + 3_600_000)
    const stamp = at.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC")
    const w = await world({ github: { tokens: { [GH_TOKEN]: { secrets: "write", expiresAt: stamp } } } })
    const r = await run(w)
    expect(r.code, describeRun(r)).toBe(1)
    const statuses = reportOf(r).statuses
    expect(statuses.map((s) => s.action)).toEqual(["rotated", "reauth-required"])
    expect(statuses[1]).toMatchObject({ platform: "github", account: "HERALD_GITHUB_TOKEN", alert: true })
    expect(statuses[1]!.detail).toContain(`HERALD_GITHUB_TOKEN expires in 5 days (${stamp.slice(0, 10)})`)
    expect(sentinelsIn(r.stdout, r.stderr)).toEqual([])
  })

  /** A `run:` script as a runner executes it: bash, in the workspace, `herald` on PATH. */
  const runStep = (script: string, env: Record<string, string>, cwd: string): Promise<Finished> => {
    const shims = path.join(cwd, ".shims")
    fs.mkdirSync(shims, { recursive: true })
    fs.writeFileSync(path.join(shims, "herald"), `#!/bin/sh\nexec "${process.execPath}" "${heraldBin}" "$@"\n`, { mode: 0o755 })
    const child = spawn("bash", ["-e", "-c", script], {
      cwd,
      env: {
        PATH: `${shims}:${path.dirname(process.execPath)}:${process.env["PATH"] ?? ""}`,
        HOME: cwd,
        HERALD_KEYCHAIN: "off",
        XDG_STATE_HOME: path.join(cwd, "state"),
        XDG_CONFIG_HOME: path.join(cwd, "config"),
        ...env
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })))
  }

  /** `${{ secrets.X }}`, `${{ vars.X }}`, `${{ inputs.x }}` as Actions resolves them ("" when absent). */
  const resolve = (expr: string, ctx: { secrets: (n: string) => string | undefined; vars?: (n: string) => string | undefined; inputs?: Record<string, string> }) =>
    expr.replace(/\$\{\{\s*(secrets|vars|inputs)\.([\w-]+)\s*\}\}/g, (_m, kind: string, name: string) =>
      (kind === "secrets" ? ctx.secrets(name) : kind === "vars" ? ctx.vars?.(name) : ctx.inputs?.[name]) ?? "")

  const recipe = (name: string) => fs.readFileSync(path.join(repoRoot, "docs", "recipes", name), "utf8")

  it("the recipe as written — its workflow's env and command, its config — rotates TikTok twice against the stand-ins", async () => {
    const tiktok = await startTikTokFake({ clientKey: CLIENT.TIKTOK_CLIENT_KEY, clientSecret: CLIENT.TIKTOK_CLIENT_SECRET, tokenPrefix: "SENTINEL-tiktok" })
    cleanups.push(() => tiktok.close())
    // section 4 of the recipe: the repository secrets, created before the first run
    const github = await startGitHubFake({
      tokens: { [GH_TOKEN]: { secrets: "write" } },
      secrets: { ...CLIENT, HERALD_GITHUB_TOKEN: GH_TOKEN, TIKTOK_REFRESH_TOKEN: tiktok.issueRefreshToken(), TIKTOK_ACCESS_TOKEN: tiktok.issueAccessToken() }
    })
    cleanups.push(() => github.close())
    const ws = makeWorkspace()
    cleanups.push(() => ws.cleanup())

    // section 3: the config, with only what a test must change — TikTok at its stand-in, and
    // only the platform whose secrets this test created
    const page = recipe("github-actions.md")
    const config = YAML.parse(/## 3\. The config file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(page)![1]!) as { platforms: Record<string, unknown> }
    config.platforms = { tiktok: { endpoints: { token: tiktok.url(TIKTOK_TOKEN_PATH) } } }
    fs.mkdirSync(path.join(ws.dir, ".github"), { recursive: true })
    fs.writeFileSync(path.join(ws.dir, ".github", "herald.yaml"), YAML.stringify(config))

    // section 1: the workflow's job env and its herald step, as the runner gives them
    const wf = YAML.parse(recipe("github-actions.yml")) as { jobs: Record<string, { env: Record<string, string>; steps: Array<{ name?: string; run?: string }> }> }
    const job = Object.values(wf.jobs)[0]!
    const step = job.steps.find((s) => s.run?.includes("herald auth refresh") === true)!
    const jobEnv = () => ({
      ...Object.fromEntries(Object.entries(job.env).map(([k, v]) => [k, resolve(v, { secrets: (n) => github.secret(n), vars: (n) => github.variable(n) })])),
      GITHUB_REPOSITORY: github.repository,
      GITHUB_API_URL: github.url
    })

    const first = await runStep(step.run!, jobEnv(), ws.dir)
    expect(first.code, describeRun(first)).toBe(0)
    expect(reportOf(first).statuses.map((s) => [s.platform, s.action, s.storedIn])).toEqual([["tiktok", "rotated", "github"]])
    const rt1 = tiktok.currentRefreshToken()!
    expect(github.secret("TIKTOK_REFRESH_TOKEN")).toBe(rt1)

    const second = await runStep(step.run!, jobEnv(), ws.dir)
    expect(second.code, describeRun(second)).toBe(0)
    expect(tiktok.requestsTo(TIKTOK_TOKEN_PATH).map((r) => r.form["refresh_token"]).at(-1)).toBe(rt1)
    expect(tiktok.counters.rejections).toBe(0)
    expect(github.secret("TIKTOK_REFRESH_TOKEN")).toBe(tiktok.currentRefreshToken())

    // the same through action.yml's step, with the recipe's `uses:` inputs and env
    const action = YAML.parse(fs.readFileSync(path.join(repoRoot, "action.yml"), "utf8")) as {
      inputs: Record<string, { default?: string }>
      runs: { steps: Array<{ run?: string; env?: Record<string, string> }> }
    }
    const snippet = /### In a few lines, with the action[\s\S]*?```yaml\n([\s\S]*?)```/.exec(page)![1]!
    const uses = (YAML.parse(`x:\n${snippet}`) as { x: { steps: Array<{ uses?: string; with?: Record<string, string>; env?: Record<string, string> }> } }).x.steps
      .find((s) => s.uses?.includes("/herald@") === true)!
    const inputs: Record<string, string> = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, v.default ?? ""]))
    for (const [k, v] of Object.entries(uses.with ?? {})) inputs[k] = resolve(v, { secrets: (n) => github.secret(n) })
    const heraldStep = action.runs.steps.find((s) => s.run?.includes("dist/herald.cjs") === true)!
    const third = await runStep(heraldStep.run!, {
      ...Object.fromEntries(Object.entries(uses.env ?? {}).map(([k, v]) => [k, resolve(v, { secrets: (n) => github.secret(n) })])),
      ...Object.fromEntries(Object.entries(heraldStep.env ?? {}).map(([k, v]) => [k, resolve(v, { secrets: () => undefined, inputs })])),
      GITHUB_ACTION_PATH: repoRoot,
      GITHUB_REPOSITORY: github.repository,
      GITHUB_API_URL: github.url
    }, ws.dir)
    expect(third.code, describeRun(third)).toBe(0)
    expect(reportOf(third).statuses.map((s) => s.action)).toEqual(["rotated"])
    expect(github.secret("TIKTOK_REFRESH_TOKEN")).toBe(tiktok.currentRefreshToken())
    expect(tiktok.counters.rejections).toBe(0)
    expect(sentinelsIn(first.stdout, first.stderr, second.stdout, second.stderr, third.stdout, third.stderr)).toEqual([])
  })
})
