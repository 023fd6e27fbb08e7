/**
 * `npm run bench`: how fast the built herald is, measured the way a user runs it — the
 * bundled bin as a child process, against the loopback fake platforms, with generated
 * configs in temp dirs (no keychain, a temp state dir).
 *
 *   tsx scripts/bench.ts [--smoke] [--no-write] [--runs N] [--bin PATH] [--against PATH] [--start-only] [--n LIST] [--c LIST]
 *
 * --smoke     N = 10 only and fewer runs: proves the script works (CI)
 * --no-write  print the table only; leave docs/performance.md alone
 * --runs N    runs per scale cell (default 3; the median wall is reported)
 * --bin PATH  the herald bundle to measure (default dist/herald.cjs), e.g. an older build
 * --against PATH  another build's starts, measured in the same rounds (e.g. the build before a change)
 * --start-only    the cold start alone: its tables and goals are printed, docs/performance.md is left alone
 * --n LIST, --c LIST   only these connection counts / concurrencies (comma-separated)
 * --big-config  only the big-config rows (one account refreshed in 10 / 1,000 / 5,000) and
 *             the Effect operations per connection (scripts/ops-count.ts); prints, never writes
 *
 * HERALD_BENCH_NODE_ARGS adds node options to the measured herald runs, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a slow run spends its time.
 *
 * It prints the table and, unless --no-write, puts it into docs/performance.md between the
 * bench markers (text outside them is kept). Targets are reported, not enforced: the exit
 * code is non-zero only when a run did not work (a failed connection, a lost write).
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import * as os from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import * as YAML from "yaml"
import { countOps, type OpsFigure } from "./ops-count.js"
import { DAY, epochSeconds, type Fake, HOUR } from "../sandbox/fakes/server.js"
import { isolatedEnv, type Sandbox, startSandbox } from "../sandbox/index.js"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")

// ---- arguments -------------------------------------------------------------------------

interface Args {
  readonly smoke: boolean
  readonly write: boolean
  readonly runs: number
  readonly bin: string
  /** another build whose starts are measured beside this one's (cold start only) */
  readonly against: string | undefined
  readonly counts: ReadonlyArray<number>
  /** the cold start only (its tables and goals printed; docs/performance.md left alone) */
  readonly startOnly: boolean
  readonly concurrencies: ReadonlyArray<number>
  /** only the big-config rows and the operations figure */
  readonly bigConfigOnly: boolean
}

const list = (text: string | undefined, what: string): Array<number> => {
  const xs = (text ?? "").split(",").map(Number)
  if (xs.length === 0 || !xs.every((x) => Number.isInteger(x) && x >= 1)) throw new Error(`${what} takes positive integers, comma-separated`)
  return xs
}

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  let smoke = false
  let write = true
  let runs: number | undefined
  let bin = join(root, "dist", "herald.cjs")
  let against: string | undefined
  let startOnly = false
  let counts: Array<number> | undefined
  let concurrencies = [8, 32, 64]
  let bigConfigOnly = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === "--smoke") smoke = true
    else if (a === "--no-write") write = false
    else if (a === "--runs") runs = Number(argv[++i])
    else if (a === "--bin") bin = resolve(argv[++i] ?? "")
    else if (a === "--against") against = resolve(argv[++i] ?? "")
    else if (a === "--start-only") startOnly = true
    else if (a === "--n") counts = list(argv[++i], "--n")
    else if (a === "--c") concurrencies = list(argv[++i], "--c")
    else if (a === "--big-config") bigConfigOnly = true
    else throw new Error(`unknown argument ${a}; usage: tsx scripts/bench.ts [--smoke] [--no-write] [--runs N] [--bin PATH] [--against PATH] [--start-only] [--n LIST] [--c LIST] [--big-config]`)
  }
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) throw new Error("--runs takes a positive integer")
  return { smoke, write, runs: runs ?? (smoke ? 1 : 3), bin, against, startOnly, counts: counts ?? (smoke ? [10] : [10, 100, 1000, 5000]), concurrencies, bigConfigOnly }
}

// ---- running a process -----------------------------------------------------------------

interface RunResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly wallMs: number
  /** Date.now() when the process was started */
  readonly startedAt: number
  /** user + system CPU time, ms (with GNU time only) */
  readonly cpuMs: number | undefined
  /** peak resident set size, MB (undefined when it could not be measured) */
  readonly peakRssMb: number | undefined
}

/** GNU time reports the child's max RSS exactly; elsewhere /proc is polled. */
const gnuTime = (() => {
  if (!existsSync("/usr/bin/time")) return false
  const r = spawnSync("/usr/bin/time", ["--version"], { encoding: "utf8" })
  return `${r.stdout}${r.stderr}`.includes("GNU")
})()

const vmHwmKb = (pid: number): number | undefined => {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return m?.[1] !== undefined ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

let rssSeq = 0

const run = async (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly env?: NodeJS.ProcessEnv; readonly rss?: boolean; readonly timeoutMs?: number } = {}
): Promise<RunResult> => {
  const rssFile = options.rss === true && gnuTime ? join(os.tmpdir(), `herald-bench-rss-${process.pid}-${++rssSeq}`) : undefined
  const [cmd, argv] = rssFile !== undefined
    ? ["/usr/bin/time", ["-f", "%M %U %S", "-o", rssFile, command, ...args]] as const
    : [command, args] as const
  const startedAt = Date.now()
  const started = performance.now()
  const child = spawn(cmd, argv, { cwd: root, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d
  })
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d
  })
  let polledKb: number | undefined
  const poll = options.rss === true && rssFile === undefined && child.pid !== undefined
    ? setInterval(() => {
      const kb = vmHwmKb(child.pid!)
      if (kb !== undefined) polledKb = Math.max(polledKb ?? 0, kb)
    }, 5)
    : undefined
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 600_000)
  const code = await new Promise<number | null>((done, fail) => {
    child.on("error", fail)
    child.on("close", (c) => done(c))
  }).finally(() => {
    clearTimeout(timer)
    if (poll !== undefined) clearInterval(poll)
  })
  const wallMs = performance.now() - started
  let peakKb = polledKb
  let cpuMs: number | undefined
  if (rssFile !== undefined) {
    const text = await readFile(rssFile, "utf8").catch(() => "")
    await rm(rssFile, { force: true })
    // the last line holds the figures; a killed child adds a "Command terminated" line before it
    const [kb, user, sys] = (text.trim().split("\n").at(-1) ?? "").split(" ").map(Number)
    peakKb = kb !== undefined && Number.isFinite(kb) && kb > 0 ? kb : undefined
    cpuMs = user !== undefined && sys !== undefined && Number.isFinite(user + sys) ? (user + sys) * 1000 : undefined
  }
  return { code, stdout, stderr, wallMs, startedAt, cpuMs, peakRssMb: peakKb === undefined ? undefined : peakKb / 1024 }
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

// ---- a world for herald: fakes, config, environment ------------------------------------

type PlatformName = "instagram" | "youtube" | "tiktok" | "linkedin" | "x"
const platforms: ReadonlyArray<PlatformName> = ["instagram", "youtube", "tiktok", "linkedin", "x"]

const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")

interface World {
  readonly sandbox: Sandbox
  readonly dir: string
  readonly config: string
  readonly env: NodeJS.ProcessEnv
  /** connections per platform (default account included) */
  readonly perPlatform: Readonly<Record<PlatformName, number>>
  close(): Promise<void>
}

/**
 * N connections spread round-robin over the five platforms: each platform's default
 * account (seeded by the sandbox) plus further accounts, each with its own tokens on the
 * fake, so every connection makes one provider call and the rotating ones one write-back.
 */
const makeWorld = async (connections: number, latencyMs: number): Promise<World> => {
  // 50 days left: LinkedIn needs no attention, so a clean run exits 0
  // X allows 500 requests per 15-minute window (its fake too): one that fits N, so a large run counts
  const sandbox = await startSandbox({ latencyMs, linkedinDaysLeft: 50, xRateLimit: Math.max(500, 2 * connections) })
  const dir = await mkdtemp(join(os.tmpdir(), "herald-bench-"))
  const now = Date.now()
  const f = sandbox.fakes
  const perPlatform: Record<PlatformName, number> = { instagram: 0, youtube: 0, tiktok: 0, linkedin: 0, x: 0 }
  const accounts: Record<PlatformName, Array<[string, Record<string, string>]>> = {
    instagram: [],
    youtube: [],
    tiktok: [],
    linkedin: [],
    x: []
  }
  for (let i = 0; i < Math.max(connections, 1); i++) {
    const p = platforms[i % platforms.length]!
    perPlatform[p]++
    if (i < platforms.length) continue // the default account
    const name = `a${String(i).padStart(5, "0")}`
    const tag = `${p}-${name}`
    let keys: Record<string, string>
    switch (p) {
      case "instagram": {
        const issued = now - 30 * DAY
        keys = {
          access_token: f.instagram.issueToken(`bench-${tag}-token`, { issuedAt: issued }),
          access_token_expires_at: rfc3339(issued + 60 * DAY)
        }
        break
      }
      case "youtube":
        keys = { refresh_token: f.youtube.issueRefreshToken(`bench-${tag}-refresh`) }
        break
      case "tiktok": {
        const refreshExpires = now + 180 * DAY
        keys = {
          access_token: f.tiktok.issueAccessToken(`bench-${tag}-access`, { expiresAt: now + 2 * HOUR }),
          refresh_token: f.tiktok.issueRefreshToken(`bench-${tag}-refresh`, { expiresAt: refreshExpires }),
          access_token_expires_at: rfc3339(now + 2 * HOUR),
          refresh_token_expires_at: rfc3339(refreshExpires)
        }
        break
      }
      case "linkedin": {
        const expires = now + 50 * DAY
        f.linkedin.addAccessToken(`bench-${tag}-access`, epochSeconds(expires))
        keys = { access_token: `bench-${tag}-access`, access_token_expires_at: rfc3339(expires) }
        break
      }
      case "x":
        keys = {
          access_token: f.x.issueAccessToken(`bench-${tag}-access`, { expiresAt: now + 2 * HOUR }),
          refresh_token: f.x.issueRefreshToken(`bench-${tag}-refresh`),
          access_token_expires_at: rfc3339(now + 2 * HOUR)
        }
        break
    }
    accounts[p].push([name, keys])
  }

  // the sandbox's own config (default accounts, endpoints), with the further accounts added
  const lines = sandbox.configYaml().split("\n")
  const q = (s: string): string => JSON.stringify(s)
  const out: Array<string> = []
  let current: PlatformName | undefined
  // the bench covers its five platforms: another platform the sandbox serves is left out of its config
  let skipping = false
  const benched = (id: string): id is PlatformName => (platforms as ReadonlyArray<string>).includes(id)
  const flush = () => {
    if (current === undefined || accounts[current].length === 0) return
    out.push("    accounts:")
    for (const [name, keys] of accounts[current]) {
      out.push(`      ${name}:`)
      for (const [k, v] of Object.entries(keys)) out.push(`        ${k}: ${q(v)}`)
    }
  }
  for (const line of lines) {
    const id = /^ {2}([a-z][a-z0-9_-]*):$/.exec(line)?.[1]
    if (id !== undefined || line === "auth:") {
      flush()
      current = id !== undefined && benched(id) ? id : undefined
      skipping = id !== undefined && !benched(id)
    }
    if (!skipping) out.push(line)
  }
  const config = join(dir, "herald.yaml")
  await writeFile(config, out.join("\n"), { mode: 0o600 })
  await mkdir(join(dir, "state"), { recursive: true })
  return {
    sandbox,
    dir,
    config,
    env: isolatedEnv(dir),
    perPlatform,
    close: async () => {
      await sandbox.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

const fakesOf = (w: World): ReadonlyArray<Fake> => platforms.map((p) => w.sandbox.fakes[p])
const callsOf = (w: World): number => fakesOf(w).reduce((n, fk) => n + fk.counters.calls, 0)

interface Report {
  readonly attention: number
  readonly statuses: ReadonlyArray<{ readonly platform: string; readonly account: string; readonly action: string; readonly detail: string }>
}

/**
 * A run counts only if it did the work: every connection reported, none failed, and every
 * rotated refresh token herald was handed is the one in the config file (no lost write).
 */
const verify = async (w: World, r: RunResult, connections: number, dryRun: boolean): Promise<Array<string>> => {
  const problems: Array<string> = []
  if (r.code !== 0) problems.push(`exit ${r.code ?? "killed"}: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`)
  let report: Report | undefined
  try {
    report = JSON.parse(r.stdout) as Report
  } catch {
    problems.push(`stdout is not the JSON report (${r.stdout.length} chars: ${JSON.stringify(r.stdout.slice(0, 80))} … ${JSON.stringify(r.stdout.slice(-80))})`)
  }
  if (report !== undefined) {
    if (report.statuses.length !== connections) problems.push(`${report.statuses.length} statuses for ${connections} connections`)
    const bad = report.statuses.filter((s) => s.action === "failed" || s.action === "reauth-required" || s.action === "skipped")
    if (bad.length > 0) problems.push(`${bad.length} connections not ok, e.g. ${bad[0]!.platform}:${bad[0]!.account} ${bad[0]!.action}: ${bad[0]!.detail}`)
  }
  if (!dryRun) {
    const doc = YAML.parse(await readFile(w.config, "utf8")) as {
      platforms: Record<string, Record<string, unknown> & { accounts?: Record<string, Record<string, unknown>> }>
    }
    for (const p of ["tiktok", "x"] as const) {
      const section = doc.platforms[p]!
      const inFile = new Set([section, ...Object.values(section.accounts ?? {})].map((s) => String(s["refresh_token"])))
      const live = w.sandbox.fakes[p].liveRefreshTokens()
      const lost = live.filter((t) => !inFile.has(t))
      if (live.length !== w.perPlatform[p] || lost.length > 0) {
        problems.push(`${p}: ${lost.length} of ${live.length} live refresh tokens are not in the config file (lost writes)`)
      }
    }
  }
  return problems
}

const nodeArgs = (process.env["HERALD_BENCH_NODE_ARGS"] ?? "").split(" ").filter((a) => a !== "")

const herald = (bin: string, w: World, args: ReadonlyArray<string>) =>
  run(process.execPath, [...nodeArgs, bin, ...args, "--json", "--config", w.config], { env: w.env, rss: true })

/** What a run wrote to and read from the world's files (config, journal, lock), and its fsyncs (scripts/io-count.cjs). */
interface FileIo {
  readonly written: number
  readonly read: number
  readonly fsyncs: number
  /** bytes written, by file (a temp file's random part left out) */
  readonly byFile?: Readonly<Record<string, number>>
}

/** Bytes written, by what they were written to: the config (its temp copies), the journal, the journal's room. */
const writesOf = (io: FileIo): { readonly config: number; readonly journal: number; readonly room: number } => {
  let config = 0
  let journal = 0
  let room = 0
  for (const [name, n] of Object.entries(io.byFile ?? {})) {
    if (name.endsWith(".herald-journal.room")) room += n
    else if (name.includes(".herald-journal")) journal += n
    else if (!name.includes(".herald-lock")) config += n
  }
  return { config, journal, room }
}

/** `herald` with scripts/io-count.cjs preloaded: the run and its file I/O. */
const heraldCounted = async (bin: string, w: World, args: ReadonlyArray<string>) => {
  const out = join(w.dir, "..", `${w.dir.split("/").at(-1)}-io.json`)
  const r = await run(
    process.execPath,
    ["--require", join(root, "scripts", "io-count.cjs"), ...nodeArgs, bin, ...args, "--json", "--config", w.config],
    { env: { ...w.env, HERALD_BENCH_IO_DIR: w.dir, HERALD_BENCH_IO_OUT: out }, rss: true }
  )
  const text = await readFile(out, "utf8").catch(() => undefined)
  await rm(out, { force: true })
  return { ...r, io: text === undefined ? undefined : JSON.parse(text) as FileIo }
}

// ---- the measurements ------------------------------------------------------------------

interface ColdStart {
  readonly runs: number
  readonly nodeMs: number
  readonly heraldMs: number
  readonly ratio: number
  readonly startRounds: number
  /** every start measured, with NODE_EXTRA_CA_CERTS as this machine sets it and without it */
  readonly starts: ReadonlyArray<StartRow>
}

/** One start's median in one environment, and its ratio to `node -e 0` there. */
interface StartRow {
  readonly env: string
  readonly label: string
  readonly ms: number
  readonly ratio: number
}

/** One start measured: the node arguments, and what it adds to the environment. */
interface StartCommand {
  readonly label: string
  readonly argv: ReadonlyArray<string>
  readonly env?: Readonly<Record<string, string>>
}

/**
 * The starts measured side by side: herald's fast paths and the app's, against `node -e 0`.
 * The app runs with its code cache (warm: made by an unmeasured first run) and without it
 * (`HERALD_CODE_CACHE=0`), to show what the cache buys; `--against PATH` adds the same
 * starts of another build (an older one) to every round.
 */
const startCommands = (bin: string, emptyConfig: string, against: string | undefined, floor: StackFloorBins): ReadonlyArray<StartCommand> => {
  const status = ["auth", "status", "--config", emptyConfig]
  const of = (b: string, suffix: string, cacheOff: boolean): ReadonlyArray<StartCommand> => [
    { label: `\`herald --version\`${suffix}`, argv: [b, "--version"] },
    { label: `\`herald --help\`${suffix}`, argv: [b, "--help"] },
    { label: `\`herald auth refresh --help\`${suffix}`, argv: [b, "auth", "refresh", "--help"] },
    { label: `\`herald auth status\` (empty config)${suffix}`, argv: [b, ...status] },
    ...(cacheOff ? [{ label: `\`herald auth status\` (empty config, code cache off)${suffix}`, argv: [b, ...status], env: { HERALD_CODE_CACHE: "0" } }] : [])
  ]
  return [
    { label: "`node -e 0`", argv: ["-e", "0"] },
    ...of(bin, "", true),
    { label: EFFECT_ALONE, argv: [floor.effectOnly] },
    { label: STACK_FLOOR, argv: [floor.stack, ...status] },
    ...(against === undefined ? [] : of(against, ` — ${against}`, false))
  ]
}

/** The rows of the stack's floor: scripts/stack-floor/, built and run as herald's bin runs its app. */
const STACK_FLOOR = "stack floor: Effect + @effect/cli parsing `auth status`, nothing else (scripts/stack-floor/)"
const EFFECT_ALONE = "Effect alone: its runtime printing the empty report (scripts/stack-floor/effect-only.ts)"

/** The two floors' bins: Effect with @effect/cli and the platform layer, and Effect alone. */
interface StackFloorBins {
  readonly stack: string
  readonly effectOnly: string
}

/**
 * Builds scripts/stack-floor/ into `dir` as herald's build makes its bin and app (CommonJS,
 * minified, the app run through the code cache): one bin per app.
 */
const buildStackFloor = async (dir: string): Promise<StackFloorBins> => {
  const { build } = await import("esbuild")
  const common = { bundle: true, platform: "node", target: "node20", format: "cjs", minify: true, logLevel: "warning" } as const
  const one = async (app: string): Promise<string> => {
    await build({ ...common, entryPoints: [join(root, "scripts", "stack-floor", `${app}.ts`)], outfile: join(dir, `${app}.cjs`), supported: { "dynamic-import": false } })
    const bin = join(dir, `${app}-bin.cjs`)
    await build({ ...common, entryPoints: [join(root, "scripts", "stack-floor", "bin.ts")], outfile: bin, define: { __STACK_FLOOR_APP__: JSON.stringify(`${app}.cjs`) } })
    return bin
  }
  return { stack: await one("app"), effectOnly: await one("effect-only") }
}

/** `herald --help` against `node -e 0`, interleaved so drift hits both alike; then every start in both environments. */
const coldStart = async (bin: string, runs: number, startRounds: number, against: string | undefined): Promise<ColdStart> => {
  const node: Array<number> = []
  const help: Array<number> = []
  // one unmeasured pair: the first run also pays for reading the files from disk
  await run(process.execPath, ["-e", "0"])
  await run(process.execPath, [bin, "--help"])
  for (let i = 0; i < runs; i++) {
    node.push((await run(process.execPath, ["-e", "0"])).wallMs)
    const r = await run(process.execPath, [bin, "--help"], { env: { ...process.env, NO_COLOR: "1" } })
    if (r.code !== 0) throw new Error(`herald --help exited ${r.code}: ${r.stderr}`)
    help.push(r.wallMs)
  }
  const nodeMs = median(node)
  const heraldMs = median(help)
  // every command in both environments, interleaved round by round
  const dir = await mkdtemp(join(os.tmpdir(), "herald-bench-start-"))
  const empty = join(dir, "herald.yaml")
  await writeFile(empty, "", { mode: 0o600 })
  const withCa: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    HERALD_KEYCHAIN: "off",
    XDG_STATE_HOME: join(dir, "state"),
    XDG_CACHE_HOME: join(dir, "cache")
  }
  const withoutCa: NodeJS.ProcessEnv = { ...withCa }
  delete withoutCa["NODE_EXTRA_CA_CERTS"]
  const envs = [
    { env: process.env["NODE_EXTRA_CA_CERTS"] === undefined ? "NODE_EXTRA_CA_CERTS unset (as here)" : "NODE_EXTRA_CA_CERTS set (as here)", vars: withCa },
    ...(process.env["NODE_EXTRA_CA_CERTS"] === undefined ? [] : [{ env: "NODE_EXTRA_CA_CERTS unset", vars: withoutCa }])
  ]
  const commands = startCommands(bin, empty, against, await buildStackFloor(join(dir, "stack-floor")))
  // unmeasured: reads the files from disk and writes each build's code cache
  for (const command of commands) await run(process.execPath, command.argv, { env: { ...withCa, ...command.env } })
  const times = envs.map(() => commands.map((): Array<number> => []))
  for (let i = 0; i < startRounds; i++) {
    for (const [e, env] of envs.entries()) {
      for (const [c, command] of commands.entries()) {
        const r = await run(process.execPath, command.argv, { env: { ...env.vars, ...command.env } })
        if (r.code !== 0) throw new Error(`${command.label} exited ${r.code}: ${r.stderr}`)
        times[e]![c]!.push(r.wallMs)
      }
    }
  }
  await rm(dir, { recursive: true, force: true })
  const starts = envs.flatMap((env, e) => {
    const base = median(times[e]![0]!)
    return commands.map((command, c) => ({ env: env.env, label: command.label, ms: median(times[e]![c]!), ratio: median(times[e]![c]!) / base }))
  })
  return { runs, startRounds, nodeMs, heraldMs, ratio: heraldMs / nodeMs, starts }
}

interface Overlap {
  readonly latencyMs: number
  readonly runs: number
  readonly dryMs: number
  readonly realMs: number
  readonly calls: number
}

/** Five platforms each answering in 700 ms: a real run must cost about one answer more than a dry run, not five. */
const overlap = async (bin: string, runs: number, problems: Array<string>): Promise<Overlap> => {
  const latencyMs = 700
  const dry: Array<number> = []
  const real: Array<number> = []
  let calls = 0
  for (let i = 0; i < runs; i++) {
    const w = await makeWorld(platforms.length, latencyMs)
    try {
      const d = await herald(bin, w, ["auth", "refresh", "all", "--dry-run"])
      problems.push(...(await verify(w, d, platforms.length, true)).map((p) => `overlap dry run: ${p}`))
      const before = callsOf(w)
      const r = await herald(bin, w, ["auth", "refresh", "all"])
      problems.push(...(await verify(w, r, platforms.length, false)).map((p) => `overlap real run: ${p}`))
      calls = callsOf(w) - before
      dry.push(d.wallMs)
      real.push(r.wallMs)
    } finally {
      await w.close()
    }
  }
  return { latencyMs, runs, dryMs: median(dry), realMs: median(real), calls }
}

interface ScaleRow {
  readonly connections: number
  readonly concurrency: number
  readonly runs: number
  readonly wallMs: number
  readonly idealMs: number
  readonly peakRssMb: number | undefined
  readonly callsPerConnection: number
  /** when the first and the last provider call arrived, ms after the start (medians) */
  readonly firstCallMs: number
  readonly lastCallMs: number
  readonly cpuMs: number | undefined
  /** scripts/floor.mjs in the same world: the least any Node tool must spend on this run */
  readonly floorMs: number
  /** the floor's CPU time (user + system), with GNU time only */
  readonly floorCpuMs: number | undefined
  /** the config's size before the run, bytes */
  readonly configBytes: number
  /** file I/O of the median run (by wall), when it could be counted */
  readonly io: FileIo | undefined
}

const scale = async (
  bin: string,
  connections: number,
  concurrency: number,
  runs: number,
  coldMs: number,
  problems: Array<string>
): Promise<ScaleRow> => {
  const latencyMs = 50
  const walls: Array<number> = []
  let peak: number | undefined
  let calls = 0
  const firsts: Array<number> = []
  const lasts: Array<number> = []
  const cpus: Array<number> = []
  const floors: Array<number> = []
  const floorCpus: Array<number> = []
  const ios: Array<FileIo> = []
  let configBytes = 0
  for (let i = 0; i < runs; i++) {
    const w = await makeWorld(connections, latencyMs)
    try {
      configBytes = (await readFile(w.config)).byteLength
      const r = await heraldCounted(bin, w, ["auth", "refresh", "all", "--concurrency", String(concurrency)])
      if (r.io !== undefined) ios.push(r.io)
      problems.push(...(await verify(w, r, connections, false)).map((p) => `N=${connections} c=${concurrency}: ${p}`))
      if (process.env["HERALD_BENCH_IO_DETAIL"] !== undefined && r.io !== undefined) process.stderr.write(`N=${connections} c=${concurrency} file I/O: ${JSON.stringify(r.io)}\n`)
      walls.push(r.wallMs)
      const arrivals = fakesOf(w).flatMap((fk) => fk.requests.map((q) => q.at - r.startedAt))
      firsts.push(Math.min(...arrivals))
      lasts.push(Math.max(...arrivals))
      if (r.cpuMs !== undefined) cpus.push(r.cpuMs)
      if (r.peakRssMb !== undefined) peak = Math.max(peak ?? 0, r.peakRssMb)
      calls = callsOf(w)
      // after herald's run was checked: the floor's calls get error answers, at the same latency
      const f = await run(process.execPath, [join(root, "scripts", "floor.mjs"), w.config, String(concurrency)], { env: w.env, rss: true })
      if (f.code !== 0 || Number(f.stdout.trim()) !== connections) {
        problems.push(`N=${connections} c=${concurrency}: the floor script answered ${f.stdout.trim() || "nothing"} (exit ${f.code}): ${f.stderr.trim().slice(0, 200)}`)
      }
      floors.push(f.wallMs)
      if (f.cpuMs !== undefined) floorCpus.push(f.cpuMs)
    } finally {
      await w.close()
    }
  }
  return {
    connections,
    concurrency,
    runs,
    wallMs: median(walls),
    idealMs: Math.ceil(connections / concurrency) * latencyMs + coldMs,
    peakRssMb: peak,
    callsPerConnection: calls / connections,
    firstCallMs: median(firsts),
    lastCallMs: median(lasts),
    cpuMs: cpus.length > 0 ? median(cpus) : undefined,
    floorMs: median(floors),
    floorCpuMs: floorCpus.length > 0 ? median(floorCpus) : undefined,
    configBytes,
    // one run's counts are all alike (the same writes); the median by bytes written
    io: ios.length > 0 ? [...ios].sort((a, b) => a.written - b.written)[Math.floor(ios.length / 2)] : undefined
  }
}

// ---- a big config, one account used -----------------------------------------------------

interface BigConfigRow {
  readonly accounts: number
  readonly configBytes: number
  readonly runs: number
  readonly wallMs: number
  readonly cpuMs: number | undefined
  readonly peakRssMb: number | undefined
}

/** The account refreshed in every size: the third generated one is TikTok's (platforms round-robin). */
const BIG_CONFIG_TARGET = "tiktok:a00007"

/**
 * One TikTok account refreshed (`auth refresh tiktok:a00007`) in configs of each size: what
 * a run costs that only uses one of many accounts. The sizes are interleaved run by run, so
 * drift of the machine hits them alike; each run gets a fresh world (its token rotates).
 */
const bigConfig = async (bin: string, sizes: ReadonlyArray<number>, runs: number, problems: Array<string>): Promise<ReadonlyArray<BigConfigRow>> => {
  const walls = sizes.map((): Array<number> => [])
  const cpus = sizes.map((): Array<number> => [])
  const peaks = sizes.map((): number | undefined => undefined)
  const bytesOf = sizes.map(() => 0)
  for (let i = 0; i < runs; i++) {
    for (const [k, size] of sizes.entries()) {
      const w = await makeWorld(size, 0)
      try {
        bytesOf[k] = (await readFile(w.config)).byteLength
        const before = w.sandbox.fakes.tiktok.counters.calls
        const r = await herald(bin, w, ["auth", "refresh", BIG_CONFIG_TARGET])
        const calls = w.sandbox.fakes.tiktok.counters.calls - before
        const report = (() => {
          try {
            return JSON.parse(r.stdout) as Report
          } catch {
            return undefined
          }
        })()
        const one = report?.statuses.length === 1 && report.statuses[0]!.action !== "failed"
        const text = await readFile(w.config, "utf8")
        const live = w.sandbox.fakes.tiktok.liveRefreshTokens()
        const stored = live.every((t) => text.includes(t))
        if (r.code !== 0 || !one || calls < 1 || !stored) {
          problems.push(`big config (${size} accounts): exit ${r.code}, ${report?.statuses.length ?? "no"} statuses, ${calls} TikTok calls, ${stored ? "tokens stored" : "a rotated token is not in the file"}: ${r.stderr.trim().slice(0, 200)}`)
        }
        walls[k]!.push(r.wallMs)
        if (r.cpuMs !== undefined) cpus[k]!.push(r.cpuMs)
        if (r.peakRssMb !== undefined) peaks[k] = Math.max(peaks[k] ?? 0, r.peakRssMb)
      } finally {
        await w.close()
      }
    }
  }
  return sizes.map((accounts, k) => ({
    accounts,
    configBytes: bytesOf[k]!,
    runs,
    wallMs: median(walls[k]!),
    cpuMs: cpus[k]!.length > 0 ? median(cpus[k]!) : undefined,
    peakRssMb: peaks[k]
  }))
}

/** The big-config rows, the goal (≤ 2.0× the smallest config's wall time) and the Effect-operations figure. */
const renderBigConfig = (rows: ReadonlyArray<BigConfigRow>, ops: OpsFigure | undefined): string => {
  const out: Array<string> = []
  const base = rows[0]
  if (base !== undefined) {
    out.push(`### One account used in a big config`, "")
    out.push(
      `\`herald auth refresh ${BIG_CONFIG_TARGET}\` (one TikTok refresh and write-back) in configs of each size; ` +
        `median of ${base.runs} interleaved run(s). Goal: the largest ≤ 2.0× the smallest.`,
      ""
    )
    out.push(table(["accounts", "config size", "wall", "CPU", "peak RSS", `wall / ${base.accounts} accounts`], rows.map((r) => [
      String(r.accounts),
      bytes(r.configBytes),
      ms(r.wallMs),
      r.cpuMs === undefined ? "n/a" : ms(r.cpuMs),
      mb(r.peakRssMb),
      `${(r.wallMs / base.wallMs).toFixed(2)}×`
    ])), "")
    const top = rows[rows.length - 1]!
    if (top !== base) {
      const q = top.wallMs / base.wallMs
      out.push(`Goal ≤ 2.0×: ${q.toFixed(2)}× (${top.accounts} vs ${base.accounts} accounts), ${verdict(q <= 2.0)}.`, "")
    }
  }
  if (ops !== undefined) {
    out.push("### Effect operations per connection", "")
    out.push(
      `\`scripts/ops-count.ts\`: \`refreshAll\` in-process over the live layers (config file, journal, lock, node:http) ` +
        `against the loopback TikTok fake, every connection rotated and written back to the config file, counting every ` +
        "Effect operation any fiber of the run evaluates (a supervisor's onEffect). It runs this checkout's source, not " +
        "`--bin`. *Per connection*: what one more connection adds, (ops(N) − ops(1)) / (N − 1). Goal ≤ 150.",
      ""
    )
    out.push(table(["connections", "operations", "per connection", ""], [[
      String(ops.connections),
      String(ops.operations),
      ops.perConnection.toFixed(0),
      verdict(ops.perConnection <= 150)
    ]]), "")
  }
  return out.join("\n")
}

// ---- the table -------------------------------------------------------------------------

const ms = (x: number): string => `${Math.round(x)} ms`
const mb = (x: number | undefined): string => (x === undefined ? "n/a" : `${x.toFixed(0)} MB`)
const bytes = (x: number): string =>
  x >= 2 ** 30 ? `${(x / 2 ** 30).toFixed(2)} GB` : x >= 2 ** 20 ? `${(x / 2 ** 20).toFixed(1)} MB` : `${(x / 1024).toFixed(0)} KB`
const verdict = (ok: boolean): string => (ok ? "met" : "**missed**")

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n")

const machineLine = (args: Args): string => {
  const cpus = os.cpus()
  const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ` +
    `Node ${process.version}, ${os.platform()} ${os.release()}`
  return `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}${args.smoke ? " (smoke run: N = 10 only)" : ""}.`
}

/** The cold start's tables. */
const coldStartSection = (cold: ColdStart): Array<string> => [
  "### Cold start",
  "",
  table(["command", `median of ${cold.runs} interleaved runs`], [
    ["`node -e 0`", ms(cold.nodeMs)],
    ["`herald --help`", ms(cold.heraldMs)],
    ["ratio", `${cold.ratio.toFixed(2)}×`]
  ]),
  "",
  `Each start against \`node -e 0\` in the same environment (median of ${cold.startRounds} round(s), each running every command in turn; ` +
  "the code cache warm, in a temp XDG_CACHE_HOME):",
  "",
  table(["environment", "command", "median", "/ `node -e 0`"], cold.starts.map((s) => [s.env, s.label, ms(s.ms), `${s.ratio.toFixed(2)}×`])),
  ""
]

/** A start's ratio to `node -e 0` in each environment measured, as its goal rows print it. */
const ratios = (rows: ReadonlyArray<StartRow>): string => rows.map((s) => `${s.ratio.toFixed(2)}× (${s.env})`).join("; ")

/**
 * What the stack's floor measured beside `auth status`, for its row: how much of the figure is
 * herald's own and how much any command on Effect and @effect/cli pays.
 */
const stackFloorNote = (cold: ColdStart | undefined, label: string): string => {
  const of = (row: string) => label.startsWith("`herald auth status`") ? cold?.starts.filter((s) => s.label === row) ?? [] : []
  const floor = of(STACK_FLOOR)
  const effect = of(EFFECT_ALONE)
  return (floor.length === 0 ? "" : `; the stack's floor alone (scripts/stack-floor/): ${ratios(floor)}`) +
    (effect.length === 0 ? "" : `; Effect alone: ${ratios(effect)}`)
}

/** Issue 20's start-up goals, each in every environment measured. */
const startTargets = (cold: ColdStart): Array<Array<string>> =>
  ([["`herald --version`", 1.3], ["`herald --help`", 2.0], ["`herald auth status` (empty config)", 2.5]] as const).flatMap(([label, goal]) => {
    const found = cold.starts.filter((s) => s.label === label)
    return found.length === 0 ? [] : [[
      `${label} ≤ ${goal}× \`node -e 0\``,
      ratios(found) + stackFloorNote(cold, label),
      verdict(found.every((s) => s.ratio <= goal))
    ]]
  })

const render = (args: Args, cold: ColdStart, ov: Overlap, rows: ReadonlyArray<ScaleRow>): string => {
  const out: Array<string> = []
  out.push(machineLine(args), "")
  out.push(...coldStartSection(cold))
  const extra = ov.realMs - ov.dryMs
  out.push(`### Five platforms, each answering in ${ov.latencyMs} ms`, "")
  out.push(table(["run", `median of ${ov.runs}`], [
    ["`auth refresh all --dry-run`", ms(ov.dryMs)],
    [`\`auth refresh all\` (${ov.calls} provider calls)`, ms(ov.realMs)],
    ["extra wall time of the real run", `${ms(extra)} (one at a time would add about ${ms(5 * ov.latencyMs)})`]
  ]), "")
  out.push("### Connections at 50 ms latency", "")
  out.push(
    `Ideal = ⌈N / concurrency⌉ × 50 ms + the cold start (${ms(cold.heraldMs)}). Connections are spread evenly over the ` +
      "five platforms; each makes one provider call, and the rotating ones (Instagram, TikTok, X) one write-back to the " +
      `config file (no keychain). Wall: median of ${rows[0]?.runs ?? 0} run(s); peak RSS: the highest.`,
    ""
  )
  out.push(
    "*Floor*: `scripts/floor.mjs` in the same world, right after herald — plain Node doing the least any tool must " +
      "for this run (start, parse the config with `yaml`, one keep-alive POST per connection at the same concurrency, " +
      "one fsync'd rewrite of the file), with no checks, no journal and no per-answer write-back. It says what the " +
      "machine allows at all: where the floor itself is far above the ideal, so is herald.",
    ""
  )
  out.push(
    "*Written* / *read back*: bytes herald wrote to and read from the files of the run's folder (the config, its " +
      "temp copies, the journal, its room and the lock), counted in-process by `scripts/io-count.cjs` (a preload); " +
      "*fsyncs*: every fsync the process made (files and folders); *fsyncs / wave*: per ⌈N / concurrency⌉.",
    ""
  )
  out.push(table(
    [
      "N",
      "concurrency",
      "wall",
      "ideal",
      "wall / ideal",
      "floor (plain Node)",
      "floor / ideal",
      "wall / floor",
      "CPU",
      "floor CPU",
      "CPU / floor",
      "peak RSS",
      "first / last call at",
      "calls / connection",
      "config size",
      "written (× config)",
      "of which config / journal / room",
      "read back",
      "fsyncs",
      "fsyncs / wave"
    ],
    rows.map((r) => [
      String(r.connections),
      String(r.concurrency),
      ms(r.wallMs),
      ms(r.idealMs),
      `${(r.wallMs / r.idealMs).toFixed(2)}×`,
      ms(r.floorMs),
      `${(r.floorMs / r.idealMs).toFixed(2)}×`,
      `${(r.wallMs / r.floorMs).toFixed(2)}×`,
      r.cpuMs === undefined ? "n/a" : ms(r.cpuMs),
      r.floorCpuMs === undefined ? "n/a" : ms(r.floorCpuMs),
      r.cpuMs === undefined || r.floorCpuMs === undefined ? "n/a" : `${(r.cpuMs / r.floorCpuMs).toFixed(2)}×`,
      mb(r.peakRssMb),
      `${ms(r.firstCallMs)} / ${ms(r.lastCallMs)}`,
      r.callsPerConnection.toFixed(2),
      bytes(r.configBytes),
      r.io === undefined ? "n/a" : `${bytes(r.io.written)} (${(r.io.written / r.configBytes).toFixed(1)}×)`,
      r.io === undefined ? "n/a" : (({ config, journal, room }) => `${bytes(config)} / ${bytes(journal)} / ${bytes(room)}`)(writesOf(r.io)),
      r.io === undefined ? "n/a" : bytes(r.io.read),
      r.io === undefined ? "n/a" : String(r.io.fsyncs),
      r.io === undefined ? "n/a" : (r.io.fsyncs / Math.ceil(r.connections / r.concurrency)).toFixed(2)
    ])
  ), "")

  const targets: Array<Array<string>> = [["cold start ≤ 3× `node -e 0`", `${cold.ratio.toFixed(2)}×`, verdict(cold.ratio <= 3)], ...startTargets(cold)]
  const big = rows.find((r) => r.connections === 1000 && r.concurrency === 64)
  if (big !== undefined) {
    const q = big.wallMs / big.idealMs
    targets.push([
      "1,000 connections at concurrency 64 within 1.5× ideal",
      `${q.toFixed(2)}× (the floor: ${(big.floorMs / big.idealMs).toFixed(2)}×)`,
      verdict(q <= 1.5)
    ])
  }
  const peaks = rows.flatMap((r) => (r.peakRssMb === undefined ? [] : [r.peakRssMb]))
  if (peaks.length > 0) {
    const top = Math.max(...peaks)
    targets.push(["peak RSS ≤ 200 MB", mb(top), verdict(top <= 200)])
  }
  // linear: the time beyond the ideal, per connection, must not grow with N
  const overhead = (r: ScaleRow) => (r.wallMs - r.idealMs) / r.connections
  const linear = [8, 32, 64].flatMap((c) => {
    const a = rows.find((r) => r.connections === 100 && r.concurrency === c)
    const b = rows.find((r) => r.connections === 1000 && r.concurrency === c)
    return a !== undefined && b !== undefined ? [{ c, a: overhead(a), b: overhead(b) }] : []
  })
  if (linear.length > 0) {
    // 1 ms per connection of slack: below that the per-connection figure is noise
    const ok = linear.every((l) => l.b <= Math.max(l.a * 1.5, 1))
    targets.push([
      "time linear in N (time over ideal per connection, N = 100 → 1,000)",
      linear.map((l) => `c=${l.c}: ${l.a.toFixed(2)} → ${l.b.toFixed(2)} ms`).join("; "),
      verdict(ok)
    ])
  }
  out.push("### Targets", "")
  out.push(table(["target", "measured", ""], targets))
  return out.join("\n")
}

/** One goal of issue 20's table: what is measured, the goal, the figure, met / missed (n/a: not measured in this run). */
type Goal = readonly [figure: string, goal: string, measured: string, verdict: string]

const notMeasured = (figure: string, goal: string, why: string): Goal => [figure, goal, `not measured in this run (${why})`, "n/a"]

/**
 * The fsyncs a run may make: a few per wave — the journal's group commits of a wave's answers
 * (one where they arrive together, two or three where the latency spreads them) and the
 * config's timed commits — plus a fixed few per run that no wave adds: the journal's room
 * growing (3–7), its folder when it is made and removed, the config's renames and its last
 * commit (`HERALD_BENCH_IO_DETAIL=1` prints them by file). Per wave alone, a run of two
 * waves (N = 100, c = 64: 16–18 fsyncs, 13 of them the room's, the folders' and the config's)
 * would read 8 or 9.
 */
const FSYNCS_PER_WAVE = 4
const FSYNCS_PER_RUN = 16

/** Pure: per wave flat as N grows (≤ 1.25× at each c measured at two N), per connection falling as c grows (at each N measured at two c). */
const fsyncsFollowWaves = (rows: ReadonlyArray<ScaleRow>, perWave: (r: ScaleRow) => number): boolean => {
  const byC = new Map<number, Array<ScaleRow>>()
  const byN = new Map<number, Array<ScaleRow>>()
  for (const r of rows) {
    byC.set(r.concurrency, [...(byC.get(r.concurrency) ?? []), r])
    byN.set(r.connections, [...(byN.get(r.connections) ?? []), r])
  }
  const flat = [...byC.values()].every((rs) => {
    const sorted = [...rs].sort((a, b) => a.connections - b.connections)
    return sorted.length < 2 || perWave(sorted[sorted.length - 1]!) <= 1.25 * perWave(sorted[0]!)
  })
  const falls = [...byN.values()].every((rs) => {
    const sorted = [...rs].sort((a, b) => a.concurrency - b.concurrency)
    const perConnection = (r: ScaleRow) => r.io!.fsyncs / r.connections
    return sorted.length < 2 || perConnection(sorted[sorted.length - 1]!) < perConnection(sorted[0]!)
  })
  return flat && falls
}

/**
 * Issue 20's goals table, every row of it in the issue's order (and the Effect operations of
 * its Deliver list), each with what this run measured and its verdict; a goal whose
 * measurement this run did not make (e.g. `--n 10`) says so instead of being left out.
 */
const issueGoals = (
  cold: ColdStart | undefined,
  rows: ReadonlyArray<ScaleRow>,
  big: ReadonlyArray<BigConfigRow>,
  ops: OpsFigure | undefined
): Array<Goal> => {
  const out: Array<Goal> = []
  const at = (n: number, c: number) => rows.find((r) => r.connections === n && r.concurrency === c)

  const bytesFigure = "bytes written to config + journal per run, 5,000 connections, c = 8"
  const five8 = at(5000, 8)
  if (five8?.io !== undefined) {
    const x = five8.io.written / five8.configBytes
    const w = writesOf(five8.io)
    out.push([
      bytesFigure,
      "≤ 10 × the config's size",
      `${bytes(five8.io.written)} = ${x.toFixed(1)}× ${bytes(five8.configBytes)} (config ${bytes(w.config)}, journal ${bytes(w.journal)}, room ${bytes(w.room)})`,
      verdict(x <= 10)
    ])
  } else out.push(notMeasured(bytesFigure, "≤ 10 × the config's size", "needs N = 5,000 at c = 8"))

  // "with waves, not with connections": per wave the count stays flat as N grows, and it
  // falls per connection where the same N runs at a higher concurrency
  const fsyncFigure = "fsyncs per run"
  const fsyncGoal = "grows with waves/batches, not with connections"
  const counted = rows.filter((r) => r.io !== undefined && r.connections >= 100)
  if (counted.length > 0) {
    const waves = (r: ScaleRow) => Math.ceil(r.connections / r.concurrency)
    const perWave = (r: ScaleRow) => r.io!.fsyncs / waves(r)
    const withinBound = counted.every((r) => r.io!.fsyncs <= FSYNCS_PER_WAVE * waves(r) + FSYNCS_PER_RUN)
    out.push([
      fsyncFigure,
      fsyncGoal,
      counted.map((r) =>
        `N=${r.connections} c=${r.concurrency}: ${r.io!.fsyncs} (${perWave(r).toFixed(2)} / wave, ${(r.io!.fsyncs / r.connections).toFixed(2)} / connection)`
      ).join("; ") + `; bound ${FSYNCS_PER_WAVE} per wave + ${FSYNCS_PER_RUN} per run`,
      // per wave flat as N grows (within a quarter, at each concurrency measured at two N),
      // per connection lower at a higher concurrency (at each N measured at two), and at most
      // a few per wave plus a fixed few per run (FSYNCS_PER_RUN)
      verdict(fsyncsFollowWaves(counted, perWave) && withinBound)
    ])
  } else out.push(notMeasured(fsyncFigure, fsyncGoal, "needs N ≥ 100"))

  const cpuFigure = "CPU per connection at N = 5,000 vs N = 1,000 (c = 8)"
  const small = at(1000, 8)
  if (small?.cpuMs !== undefined && five8?.cpuMs !== undefined) {
    const q = (five8.cpuMs / 5000) / (small.cpuMs / 1000)
    out.push([cpuFigure, "≤ 1.2×", `${(five8.cpuMs / 5000).toFixed(2)} ms vs ${(small.cpuMs / 1000).toFixed(2)} ms: ${q.toFixed(2)}×`, verdict(q <= 1.2)])
  } else out.push(notMeasured(cpuFigure, "≤ 1.2×", "needs N = 1,000 and 5,000 at c = 8, with GNU time"))

  const bigFigure = "one-account refresh in a 5,000-account config vs a 10-account one"
  const b10 = big.find((r) => r.accounts === 10)
  const b5000 = big.find((r) => r.accounts === 5000)
  if (b10 !== undefined && b5000 !== undefined) {
    const q = b5000.wallMs / b10.wallMs
    out.push([bigFigure, "≤ 2.0×", `${ms(b5000.wallMs)} vs ${ms(b10.wallMs)}: ${q.toFixed(2)}×`, verdict(q <= 2.0)])
  } else out.push(notMeasured(bigFigure, "≤ 2.0×", "needs the big-config rows of 10 and 5,000 accounts"))

  const rssFigure = "peak RSS, 5,000 connections"
  const five = rows.filter((r) => r.connections === 5000 && r.peakRssMb !== undefined)
  if (five.length > 0) {
    const top = Math.max(...five.map((r) => r.peakRssMb!))
    out.push([rssFigure, "≤ 200 MB", `${mb(top)} (the highest of ${five.map((r) => `c=${r.concurrency}`).join(", ")})`, verdict(top <= 200)])
  } else out.push(notMeasured(rssFigure, "≤ 200 MB", "needs N = 5,000"))

  const c64Figure = "1,000 connections, c = 64, 50 ms: wall / floor, CPU / floor"
  const c64 = at(1000, 64)
  if (c64 !== undefined) {
    const wall = c64.wallMs / c64.floorMs
    const cpu = c64.cpuMs !== undefined && c64.floorCpuMs !== undefined ? c64.cpuMs / c64.floorCpuMs : undefined
    out.push([
      c64Figure,
      "≤ 1.4×, ≤ 2.0×",
      `wall ${ms(c64.wallMs)} / ${ms(c64.floorMs)} = ${wall.toFixed(2)}× (${verdict(wall <= 1.4)}); CPU ` +
        (cpu === undefined ? "n/a (needs GNU time)" : `${ms(c64.cpuMs!)} / ${ms(c64.floorCpuMs!)} = ${cpu.toFixed(2)}× (${verdict(cpu <= 2.0)})`),
      verdict(wall <= 1.4 && cpu !== undefined && cpu <= 2.0)
    ])
  } else out.push(notMeasured(c64Figure, "≤ 1.4×, ≤ 2.0×", "needs N = 1,000 at c = 64"))

  for (const [label, figure, goal] of [
    ["`herald --help`", "`herald --help` / `node -e 0`", 2.0],
    ["`herald --version`", "`herald --version` / `node -e 0`", 1.3],
    ["`herald auth status` (empty config)", "`herald auth status`, empty config / `node -e 0`", 2.5]
  ] as const) {
    const found = cold?.starts.filter((s) => s.label === label) ?? []
    out.push(
      found.length === 0 ? notMeasured(figure, `≤ ${goal.toFixed(1)}×`, "no cold start measured") : [
        figure,
        `≤ ${goal.toFixed(1)}×`,
        ratios(found) + stackFloorNote(cold, label),
        verdict(found.every((s) => s.ratio <= goal))
      ]
    )
  }

  const opsFigure = "Effect operations per connection (Deliver: a leaner per-connection path)"
  out.push(
    ops === undefined ? notMeasured(opsFigure, "≤ 150", "scripts/ops-count.ts not run") : [
      opsFigure,
      "≤ 150",
      `${ops.perConnection.toFixed(0)} (scripts/ops-count.ts, N = ${ops.connections}; this checkout's source)`,
      verdict(ops.perConnection <= 150)
    ]
  )
  return out
}

const goalsSection = (goals: ReadonlyArray<Goal>): string =>
  ["### Goals (issue 20)", "", table(["figure", "goal", "measured", ""], goals.map((g) => [...g])), ""].join("\n")

const BEGIN = "<!-- bench:begin (generated by npm run bench; text outside these markers is kept) -->"
const END = "<!-- bench:end -->"

const writeDoc = async (body: string): Promise<string> => {
  const file = join(root, "docs", "performance.md")
  const block = `${BEGIN}\n${body}\n${END}`
  let text: string
  const old = await readFile(file, "utf8").catch(() => undefined)
  if (old !== undefined && old.includes(BEGIN) && old.includes(END)) {
    text = old.slice(0, old.indexOf(BEGIN)) + block + old.slice(old.indexOf(END) + END.length)
  } else {
    text = `# Performance\n\nFigures from \`npm run bench\` (scripts/bench.ts): the built \`herald\` bin run as a child process against the loopback fake platforms in sandbox/fakes.\n\n${block}\n`
  }
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, text)
  return file
}

// ---- main ------------------------------------------------------------------------------

const main = async (): Promise<number> => {
  const args = parseArgs(process.argv.slice(2))
  if (!existsSync(args.bin)) {
    console.error(`herald is not built (${args.bin} is missing): run npm run build first`)
    return 2
  }
  const problems: Array<string> = []
  const log = (s: string) => process.stderr.write(`${s}\n`)

  if (args.bigConfigOnly) {
    log("one account in big configs…")
    const big = await bigConfig(args.bin, [10, 1000, 5000], args.runs, problems)
    log("Effect operations per connection…")
    const ops = await countOps(200)
    console.log(`${renderBigConfig(big, ops)}\n${goalsSection(issueGoals(undefined, [], big, ops))}`)
    if (problems.length > 0) console.error(`\n${problems.length} run(s) did not do their work:\n${problems.map((p) => `- ${p}`).join("\n")}`)
    return problems.length > 0 ? 1 : 0
  }
  log(`cold start (${args.smoke ? 3 : 11} runs each)…`)
  const cold = await coldStart(args.bin, args.smoke ? 3 : 11, args.smoke ? 1 : 11, args.against)
  if (args.startOnly) {
    console.log([machineLine(args), "", ...coldStartSection(cold), table(["target", "measured", ""], startTargets(cold)), "", goalsSection(issueGoals(cold, [], [], undefined))].join("\n"))
    return 0
  }
  log("five platforms at 700 ms…")
  const ov = await overlap(args.bin, args.smoke ? 1 : 3, problems)
  const rows: Array<ScaleRow> = []
  for (const n of args.counts) {
    for (const c of args.concurrencies) {
      log(`N=${n} concurrency=${c}…`)
      rows.push(await scale(args.bin, n, c, args.runs, cold.heraldMs, problems))
    }
  }
  log("one account in big configs…")
  const big = await bigConfig(args.bin, args.smoke ? [10, 100] : [10, 1000, 5000], args.smoke ? 1 : args.runs, problems)
  log("Effect operations per connection…")
  const ops = await countOps(args.smoke ? 10 : 200)
  const body = `${render(args, cold, ov, rows)}\n\n${renderBigConfig(big, ops)}\n${goalsSection(issueGoals(cold, rows, big, ops))}`
  console.log(body)
  if (problems.length > 0) {
    console.error(`\n${problems.length} run(s) did not do their work:\n${problems.map((p) => `- ${p}`).join("\n")}`)
    return 1
  }
  if (args.write) log(`wrote ${await writeDoc(body)}`)
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack ?? e.message : String(e))
    process.exitCode = 2
  }
)
