/**
 * `npm run sandbox`: run the built herald against every fake platform, twice, then ask
 * for the status, and check that everything behaved as a user would expect. Nothing real
 * is touched: the config and state live in a fresh temp dir, the keychain is off, and the
 * platforms' secret variables are removed from the CLI's environment.
 */
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { isolatedEnv, type Sandbox, sandboxPlatformIds, seededFakes, startSandbox } from "./index.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const bin = join(root, "dist", "herald.cjs")
const platforms = sandboxPlatformIds

interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const herald = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.on("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

const show = (title: string, args: ReadonlyArray<string>, r: RunResult): void => {
  console.log(`\n━━ ${title}: herald ${args.join(" ")}  (exit ${r.code ?? "killed"})`)
  if (r.stdout.trim() !== "") console.log(r.stdout.trimEnd())
  if (r.stderr.trim() !== "") console.log(`── stderr\n${r.stderr.trimEnd()}`)
}

type Counts = { rotations: number; refreshes: number; calls: number; rejections: number }
type Snapshot = Readonly<Record<string, Counts>>

const snapshot = (sb: Sandbox): Snapshot => Object.fromEntries(platforms.map((p) => [p, { ...sb.fakes[p]!.counters }]))

/** Every secret value the fakes know: none may appear in herald's output. */
const allSecrets = (sb: Sandbox): Array<string> => {
  const f = sb.fakes
  return [
    ...platforms.flatMap((p) => f[p]!.tokens.all().map((r) => r.value)),
    ...seededFakes(f).flatMap(([, , seeding]) => seeding.secrets),
    f.youtube.clientSecret,
    f.tiktok.clientSecret,
    f.linkedin.clientSecret,
    ...(f.x.clientSecret !== undefined ? [f.x.clientSecret] : []),
    ...(f.instagram.appSecret !== undefined ? [f.instagram.appSecret] : [])
  ]
}

const main = async (): Promise<number> => {
  if (!existsSync(bin)) {
    console.error(`herald is not built (${bin} is missing): run npm run build first`)
    return 2
  }
  const sb = await startSandbox()
  const tmp = await mkdtemp(join(tmpdir(), "herald-sandbox-"))
  const config = join(tmp, "herald.yaml")
  // the temp dir goes when the sandbox ends, unless asked to stay (so a printed path is not a dangling one)
  const keep = process.env["HERALD_SANDBOX_KEEP"] === "1"
  const env = isolatedEnv(tmp)
  const problems: Array<string> = []
  const expect = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what)
  }
  try {
    await writeFile(config, sb.configYaml(), { mode: 0o600 })
    console.log(
      `herald sandbox: ${platforms.length} fake platforms on 127.0.0.1; a throwaway config at ${config}` +
        (keep ? " (kept afterwards: HERALD_SANDBOX_KEEP=1)" : " (removed when the sandbox ends; HERALD_SANDBOX_KEEP=1 keeps it)")
    )
    for (const p of platforms) console.log(`  ${p.padEnd(9)} ${sb.fakes[p]!.baseUrl}`)

    const refreshArgs = ["auth", "refresh", "all", "--config", config]
    const first = await herald(refreshArgs, env)
    show("run 1", refreshArgs, first)
    const afterFirst = snapshot(sb)
    const fileAfterFirst = await readFile(config, "utf8")
    expect(first.code === 1, `run 1 exited ${first.code}, expected 1 (the LinkedIn re-auth alert)`)
    expect(afterFirst.tiktok.rotations === 1, `run 1: TikTok rotated ${afterFirst.tiktok.rotations} times, expected 1`)
    expect(afterFirst.x.rotations === 1, `run 1: X rotated ${afterFirst.x.rotations} times, expected 1`)
    expect(afterFirst.instagram.refreshes === 1, `run 1: Instagram refreshed ${afterFirst.instagram.refreshes} times, expected 1`)
    expect(afterFirst.youtube.refreshes >= 1, "run 1: YouTube's refresh token was never exercised")
    for (const p of ["tiktok", "x"] as const) {
      const current = sb.fakes[p].currentRefreshToken()
      expect(current !== undefined && fileAfterFirst.includes(current), `run 1: the rotated ${p} refresh token is not in the config file`)
    }
    const igToken = sb.fakes.instagram.currentToken()
    expect(igToken !== undefined && fileAfterFirst.includes(igToken), "run 1: the refreshed Instagram token is not in the config file")
    // a platform served from its model's seed: one renewal, and the renewed token stored
    for (const [p, fake, seeding] of seededFakes(sb.fakes)) {
      expect(afterFirst[p]!.refreshes === 1, `run 1: ${p} renewed ${afterFirst[p]!.refreshes} times, expected 1`)
      const renewed = fake.tokens.liveValues(seeding.renews).at(-1)
      expect(renewed !== undefined && fileAfterFirst.includes(renewed), `run 1: the renewed ${p} ${seeding.renews} token is not in the config file`)
    }

    const second = await herald(refreshArgs, env)
    show("run 2 (starts from the tokens run 1 persisted)", refreshArgs, second)
    const afterSecond = snapshot(sb)
    expect(second.code === 1, `run 2 exited ${second.code}, expected 1 (the LinkedIn re-auth alert)`)
    expect(afterSecond.tiktok.rotations === 2, `run 2: TikTok rotations total ${afterSecond.tiktok.rotations}, expected 2`)
    expect(afterSecond.x.rotations === 2, `run 2: X rotations total ${afterSecond.x.rotations}, expected 2`)
    expect(
      sb.fakes.instagram.requestsTo("/refresh_access_token").length === 1,
      "run 2: herald asked Instagram to refresh a token less than 24 h old"
    )
    for (const p of platforms) {
      expect(afterSecond[p]!.rejections === afterFirst[p]!.rejections, `run 2: ${p} rejected a request (stale token?)`)
    }
    const fileAfterSecond = await readFile(config, "utf8")

    const statusArgs = ["auth", "status", "--config", config]
    const status = await herald(statusArgs, env)
    show("status (a dry run: writes nothing, rotates nothing)", statusArgs, status)
    const afterStatus = snapshot(sb)
    expect(status.code === 1, `status exited ${status.code}, expected 1 (the LinkedIn re-auth alert)`)
    for (const p of platforms) {
      expect(afterStatus[p]!.rotations === afterSecond[p]!.rotations, `status rotated ${p}`)
    }
    expect((await readFile(config, "utf8")) === fileAfterSecond, "status changed the config file")

    const output = [first, second, status].map((r) => r.stdout + r.stderr).join("\n")
    const leaked = allSecrets(sb).filter((s) => output.includes(s))
    expect(leaked.length === 0, `a secret reached herald's output (${leaked.length} value(s))`)

    console.log("\n━━ what the fake platforms saw")
    for (const p of platforms) {
      const c = afterStatus[p]!
      console.log(
        `  ${p.padEnd(9)} requests ${String(c.calls).padStart(2)}  refreshes ${String(c.refreshes).padStart(2)}  ` +
          `rotations ${String(c.rotations).padStart(2)}  rejected ${c.rejections}`
      )
    }
    console.log(
      "\nEach run exits 1 on purpose: the sandbox's LinkedIn access token has 9 days left, inside\n" +
        "the 14-day warning, so herald raises a re-auth alert (exit 1 = a connection needs attention)."
    )
    if (problems.length === 0) {
      console.log("Sandbox OK: tokens rotated, persisted to the config file, and reused on the second run.")
      return 0
    }
    console.log(`\nSandbox found ${problems.length} problem(s):`)
    for (const p of problems) console.log(`  ✗ ${p}`)
    return 1
  } finally {
    await sb.close()
    if (keep) console.log(`kept ${tmp} (config, state); its endpoints were the fakes, which have stopped`)
    else await rm(tmp, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("sandbox failed:", error)
    process.exit(2)
  }
)
