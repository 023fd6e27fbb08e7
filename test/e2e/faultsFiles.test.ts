/**
 * Issue 14 items 3, 4, 7, 9, 11, 12 and issue 16 items 1 and 7 (first bullet), end to end:
 * the built CLI (`npm run build` first) against the loopback TikTok fake, as a user would
 * run it. Each case asserts the invariant: after the run(s) every token the fake considers
 * live is in a place herald reads (the config or the journal), the fake never receives a
 * rotated-away token, and no secret (every one is SENTINEL-…) appears in any output.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import * as YAML from "yaml"
import { TIKTOK_TOKEN_PATH, type TikTokFake } from "../../sandbox/fakes/tiktok.js"
import { LockFile } from "../../src/index.js"
import { replay } from "../../src/layers/journal/journalLog.js"
import { besideConfig } from "../../src/layers/journal/storeFiles.js"
import { storeKey } from "../../src/layers/journal/stateDir.js"
import { mountTmpfs } from "../support/tmpfs.js"
import { chownTree, runHerald, whyNoOtherUser } from "./support/filesHelpers.js"
import { describeRun, e2eFile, TIKTOK_CLIENT, type Finished, modeOf, sentinelsIn, type Workspace } from "./support/safetyHelpers.js"

const { cleanups, tiktokFake, workspace } = e2eFile()
const CLIENT = TIKTOK_CLIENT

const configText = (fake: TikTokFake, refreshToken: string, extra = "") =>
  `# herald for the blog\nplatforms:\n  tiktok:\n    refresh_token: ${refreshToken}\n    endpoints: { token: "${fake.url(TIKTOK_TOKEN_PATH)}" }\n${extra}`

const reportOf = (r: Finished) =>
  JSON.parse(r.stdout) as { attention: number; statuses: Array<{ platform: string; action: string; alert: boolean; detail: string }> }

const presented = (fake: TikTokFake) => fake.requestsTo(TIKTOK_TOKEN_PATH).map((r) => r.form["refresh_token"])

/** Every refresh token herald would read next: the config's and the journal's. */
const tokensHeraldReads = (configFile: string): Array<string> => {
  const found: Array<string> = []
  try {
    const doc = YAML.parse(fs.readFileSync(configFile, "utf8")) as { platforms?: { tiktok?: { refresh_token?: string } } }
    if (doc.platforms?.tiktok?.refresh_token !== undefined) found.push(doc.platforms.tiktok.refresh_token)
  } catch {
    // no config: nothing there
  }
  const journal = besideConfig(fs.existsSync(configFile) ? fs.realpathSync(configFile) : configFile).journal
  if (fs.existsSync(journal)) {
    for (const e of Object.values(replay(fs.readFileSync(journal, "utf8")).entries)) {
      if (e.secrets["refresh_token"] !== undefined) found.push(e.secrets["refresh_token"])
    }
  }
  return found
}

/** The issue's invariant after the run(s). */
const expectInvariant = (fake: TikTokFake, configFile: string, runs: ReadonlyArray<Finished>) => {
  const context = runs.map(describeRun).join("\n\n")
  expect(fake.counters.rejections, `the fake received a rotated-away token\n${context}`).toBe(0)
  expect(new Set(presented(fake)).size, "a refresh token was sent twice").toBe(presented(fake).length)
  for (const live of fake.liveRefreshTokens()) expect(tokensHeraldReads(configFile), context).toContain(live)
  expect(sentinelsIn(...runs.flatMap((r) => [r.stdout, r.stderr]))).toEqual([])
}

describe("the lock and journal belong to the real file (item 3)", () => {
  it("the same config through a symlink and its real path, with different HOME and XDG_STATE_HOME: one run at a time", async () => {
    const fake = await tiktokFake(1500)
    const ws = workspace()
    ws.writeConfig(configText(fake, fake.issueRefreshToken()))
    const link = path.join(ws.dir, "via-link.yaml")
    fs.symlinkSync(ws.configFile, link)
    const otherHome = path.join(ws.dir, "other-home")
    fs.mkdirSync(otherHome)

    const first = runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    await new Promise((r) => setTimeout(r, 300))
    const second = runHerald(ws, ["auth", "refresh", "tiktok", "--json"], {
      config: link,
      env: { ...CLIENT, HOME: otherHome, XDG_STATE_HOME: path.join(otherHome, "state") }
    })
    const runs = await Promise.all([first, second])
    const codes = runs.map((r) => r.code).sort()
    // one stopped at the lock (or, on a very loaded machine, they ran one after the other)
    expect([[0, 2], [0, 0]], runs.map(describeRun).join("\n")).toContainEqual(codes)
    if (codes[1] === 2) {
      expect(runs.find((r) => r.code === 2)!.stderr).toContain(besideConfig(ws.configFile).lock)
      expect(fake.counters.rotations).toBe(1)
    }
    expectInvariant(fake, ws.configFile, runs)
  })

  it("a hard-linked config is refused for writing before anything is sent (its other name would keep the spent token)", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    ws.writeConfig(configText(fake, fake.issueRefreshToken()))
    const other = path.join(ws.dir, "hard.yaml")
    fs.linkSync(ws.configFile, other)
    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { config: other, env: CLIENT })
    expect(run.code, describeRun(run)).toBe(2)
    expect(run.stderr).toContain("other hard link")
    expect(run.stderr).toContain("symlink")
    expect(presented(fake)).toEqual([])
    expectInvariant(fake, ws.configFile, [run])
  })

  it("an entry an older version left in the state dir is still replayed: the stored token is restored, never stranded", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    const spent = fake.issueRefreshToken()
    const rotated = fake.issueRefreshToken()
    fake.revoke(spent)
    ws.writeConfig(configText(fake, spent))
    // where herald kept the journal before: $XDG_STATE_HOME/herald/journal-<hash of the path>.json
    const old = path.join(ws.stateDir, `journal-${storeKey(ws.configFile)}.json`)
    fs.mkdirSync(ws.stateDir, { recursive: true })
    fs.writeFileSync(old, JSON.stringify({
      tiktok: { platform: "tiktok", account: "default", at: "2026-11-30T10:00:00.000Z", secrets: { refresh_token: rotated }, metadata: {} }
    }), { mode: 0o600 })

    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    expect(run.code, describeRun(run)).toBe(0)
    expect(reportOf(run).statuses.map((s) => s.action)).toEqual(["rotated"])
    expect(presented(fake)).toEqual([rotated])
    expect(fs.existsSync(old)).toBe(false)
    expectInvariant(fake, ws.configFile, [run])
  })
})

describe("a symlinked config (item 4)", () => {
  it("is edited through the link: the link stays, its target holds the current token after two runs", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    const dotfiles = path.join(ws.dir, "dotfiles")
    fs.mkdirSync(dotfiles)
    const target = path.join(dotfiles, "herald.yaml")
    fs.writeFileSync(target, configText(fake, fake.issueRefreshToken()), { mode: 0o600 })
    const link = path.join(ws.dir, "config", "herald", "config.yaml")
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(target, link)

    const runs = [
      await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { config: link, env: CLIENT }),
      await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { config: link, env: CLIENT })
    ]
    for (const r of runs) expect(r.code, describeRun(r)).toBe(0)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readlinkSync(link)).toBe(target)
    expect(fake.counters.rotations).toBe(2)
    expect(tokensHeraldReads(target)).toEqual([fake.currentRefreshToken()])
    // the lock and journal went beside the real file, and are gone after the runs
    expect(fs.readdirSync(dotfiles)).toEqual(["herald.yaml"])
    expectInvariant(fake, target, runs)
  })
})

describe("auth set and auth login against the journal (item 7) and on a first run (issue 19)", () => {
  it("auth set supersedes an older journal entry, says so, and the next refresh sends the value set, not the old one", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    const old = fake.issueRefreshToken()
    const before = fake.issueRefreshToken()
    ws.writeConfig(configText(fake, before))
    // an earlier run could not store R1; since then the user re-authorised elsewhere
    fs.writeFileSync(besideConfig(ws.configFile).journal, JSON.stringify({
      tiktok: { platform: "tiktok", account: "default", at: "2026-11-30T10:00:00.000Z", secrets: { refresh_token: old }, metadata: {} }
    }), { mode: 0o600 })
    // re-authorising replaced the grant: only the new token works
    fake.revoke(old)
    fake.revoke(before)
    const fresh = fake.issueRefreshToken()

    const set = await runHerald(ws, ["auth", "set", "tiktok"], { env: CLIENT, stdin: `refresh_token=${fresh}\n` })
    expect(set.code, describeRun(set)).toBe(0)
    expect(set.stdout).toContain("supersede")
    expect(set.stdout).toContain("2026-11-30T10:00:00.000Z")

    const refresh = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    expect(refresh.code, describeRun(refresh)).toBe(0)
    expect(presented(fake)).toEqual([fresh])
    expectInvariant(fake, ws.configFile, [set, refresh])
  })

  it("auth set waits for a run that holds the lock: the value the user sets is the one stored, not the run's older answer", async () => {
    const fake = await tiktokFake(1500)
    const ws = workspace()
    ws.writeConfig(configText(fake, fake.issueRefreshToken()))
    const refresh = runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    await new Promise((r) => setTimeout(r, 500))
    // meanwhile the user re-authorises and stores the new grant's token
    const mine = fake.issueRefreshToken()
    const set = await runHerald(ws, ["auth", "set", "tiktok"], { env: CLIENT, stdin: `refresh_token=${mine}\n` })
    const done = await refresh
    expect(set.code, describeRun(set)).toBe(0)
    expect(done.code, describeRun(done)).toBe(0)
    expect(tokensHeraldReads(ws.configFile)).toEqual([mine])
    // the new grant replaced the old one at the platform
    for (const t of fake.liveRefreshTokens()) if (t !== mine) fake.revoke(t)
    expectInvariant(fake, ws.configFile, [set, done])
  })

  it("auth set with no config yet creates it ($XDG_CONFIG_HOME/herald/config.yaml) and its folder, 0600 and 0700", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    const file = path.join(ws.dir, "config", "herald", "config.yaml")
    const rt = fake.issueRefreshToken()
    const set = await runHerald(ws, ["auth", "set", "tiktok"], { config: null, env: CLIENT, stdin: `refresh_token=${rt}\n` })
    expect(set.code, describeRun(set)).toBe(0)
    expect(modeOf(file)).toBe(0o600)
    expect(modeOf(path.dirname(file))).toBe(0o700)
    expect(tokensHeraldReads(file)).toEqual([rt])
    expectInvariant(fake, file, [set])
  })
})

describe("disk full (item 9)", () => {
  it("a full file system is found before the token is spent: skipped, nothing sent, no temp file left (tmpfs)", async (ctx) => {
    const fsys = mountTmpfs(256)
    if ("skipped" in fsys) {
      console.warn(`skipped: ${fsys.skipped}`)
      return ctx.skip()
    }
    cleanups.push(() => fsys.unmount())
    const fake = await tiktokFake()
    const ws = workspace()
    const file = path.join(fsys.dir, "herald.yaml")
    fs.writeFileSync(file, configText(fake, fake.issueRefreshToken()), { mode: 0o600 })
    // room for the lock, none for the journal's answer
    fsys.fill(8 * 1024)

    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { config: file, env: CLIENT })
    expect(run.code, describeRun(run)).toBe(1)
    const [status] = reportOf(run).statuses
    expect(status!.action).toBe("skipped")
    expect(status!.alert).toBe(true)
    expect(status!.detail).toContain("ENOSPC")
    expect(presented(fake)).toEqual([])
    expect(fs.readdirSync(fsys.dir).sort()).toEqual(["filler.bin", "herald.yaml"])
    expectInvariant(fake, file, [run])

    // with room again, the same token rotates
    fsys.unfill()
    const again = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { config: file, env: CLIENT })
    expect(again.code, describeRun(again)).toBe(0)
    expectInvariant(fake, file, [run, again])
  })
})

describe("stale and stuck locks (item 11)", () => {
  /** The lock where this version looks (beside the config) and where older ones did (the state dir). */
  const plant = (ws: Workspace, holder: Record<string, unknown>, mtime?: Date) => {
    const lock = besideConfig(ws.configFile).lock
    fs.mkdirSync(ws.stateDir, { recursive: true })
    for (const file of [lock, path.join(ws.stateDir, `lock-${storeKey(ws.configFile)}.lock`)]) {
      fs.writeFileSync(file, JSON.stringify(holder), { mode: 0o600 })
      if (mtime !== undefined) fs.utimesSync(file, mtime, mtime)
    }
    return lock
  }

  it("a dead run's lock from another host (a restarted container), silent for hours, is taken over", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    ws.writeConfig(configText(fake, fake.issueRefreshToken()))
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000)
    const lock = plant(ws, { pid: 1, startedAt: twoHoursAgo.toISOString(), host: "container-before-restart", id: "old" }, twoHoursAgo)
    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    expect(run.code, describeRun(run)).toBe(0)
    expect(reportOf(run).statuses.map((s) => s.action)).toEqual(["rotated"])
    expect(fs.existsSync(lock)).toBe(false)
    expectInvariant(fake, ws.configFile, [run])
  })

  it("a lock whose pid now belongs to another process (its start time differs) is taken over", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    ws.writeConfig(configText(fake, fake.issueRefreshToken()))
    plant(ws, { pid: process.pid, startedAt: new Date().toISOString(), host: os.hostname(), procStart: "1", id: "old" })
    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    expect(run.code, describeRun(run)).toBe(0)
    expectInvariant(fake, ws.configFile, [run])
  })

  it("a lock held by a live process for hours alerts (exit 1, every connection skipped, says it looks stuck), nothing sent", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    ws.writeConfig(configText(fake, fake.issueRefreshToken()))
    const procStart = LockFile.procStartOf(process.pid)
    const lock = plant(ws, {
      pid: process.pid,
      startedAt: new Date(Date.now() - 10 * 3_600_000).toISOString(),
      host: os.hostname(),
      id: "hung",
      ...(procStart !== undefined ? { procStart } : {})
    })
    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    expect(run.code, describeRun(run)).toBe(1)
    const [status] = reportOf(run).statuses
    expect(status!.action).toBe("skipped")
    expect(status!.alert).toBe(true)
    expect(status!.detail).toContain("looks stuck")
    expect(status!.detail).toContain(`pid ${process.pid}`)
    expect(presented(fake)).toEqual([])
    expect(fs.existsSync(lock)).toBe(true)
    expectInvariant(fake, ws.configFile, [run])
  })
})

const noOtherUser = whyNoOtherUser()
if (noOtherUser !== undefined) console.warn(`skipped (unprivileged-user cases): ${noOtherUser}`)

describe.skipIf(noOtherUser !== undefined)("as a throwaway unprivileged user (items 12 and 16.7)", () => {
  /** A workspace the user `nobody` can use: its folder traversable, the config theirs. */
  const nobodyWorkspace = () => {
    const ws = workspace()
    fs.chmodSync(ws.dir, 0o755)
    return ws
  }

  it("config 0600 in a 0555 folder: preflight refuses before the token is spent (skipped, nothing sent)", async () => {
    const fake = await tiktokFake()
    const ws = nobodyWorkspace()
    const dir = path.join(ws.dir, "conf")
    fs.mkdirSync(dir)
    const file = path.join(dir, "herald.yaml")
    fs.writeFileSync(file, configText(fake, fake.issueRefreshToken()), { mode: 0o600 })
    chownTree(ws.dir)
    fs.chmodSync(dir, 0o555)
    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { config: file, env: CLIENT, asNobody: true })
    expect(run.code, describeRun(run)).toBe(1)
    const [status] = reportOf(run).statuses
    expect(status!.action).toBe("skipped")
    expect(status!.detail).toContain("not writable (EACCES)")
    expect(presented(fake)).toEqual([])
    expectInvariant(fake, file, [run])
  })

  it("a read-only state folder (where the lock must go) is reported as not writable, not ENOENT", async () => {
    const fake = await tiktokFake()
    const ws = nobodyWorkspace()
    const dir = path.join(ws.dir, "conf")
    fs.mkdirSync(dir)
    const file = path.join(dir, "herald.yaml")
    fs.writeFileSync(file, configText(fake, fake.issueRefreshToken()), { mode: 0o600 })
    fs.mkdirSync(ws.stateDir, { recursive: true })
    chownTree(ws.dir)
    fs.chmodSync(dir, 0o555)
    fs.chmodSync(ws.stateDir, 0o555)
    const run = await runHerald(ws, ["auth", "refresh", "tiktok"], { config: file, env: CLIENT, asNobody: true })
    expect(run.code, describeRun(run)).toBe(2)
    expect(run.stderr).toContain("not writable (EACCES)")
    expect(run.stderr).not.toContain("ENOENT")
    expect(presented(fake)).toEqual([])
    expectInvariant(fake, file, [run])
  })
})

describe.skipIf(noOtherUser !== undefined)("a root run next to another user's files (issue 16 item 1)", () => {
  it("a poster's .env swapped for a symlink to a root-owned file: refused and named in the report; nothing lands outside the .env", async () => {
    const fake = await tiktokFake()
    const ws = workspace()
    const poster = path.join(ws.dir, "poster")
    fs.mkdirSync(poster)
    const victim = path.join(ws.dir, "root-owned.conf")
    fs.writeFileSync(victim, "root: data\n", { mode: 0o644 })
    ws.writeConfig(configText(fake, fake.issueRefreshToken(), `auth:\n  distribute:\n    - dotenv: ${path.join(poster, ".env")}\n      connections: [tiktok]\n`))
    // the poster's user plants the link in their own folder
    fs.symlinkSync(victim, path.join(poster, ".env"))
    fs.lchownSync(path.join(poster, ".env"), 65534, 65534)
    chownTree(poster)

    const run = await runHerald(ws, ["auth", "refresh", "tiktok", "--json"], { env: CLIENT })
    expect(run.code, describeRun(run)).toBe(1)
    expect(run.stdout).toContain(path.join(poster, ".env"))
    expect(run.stdout).toContain("another user could have planted it")
    expect(fs.readFileSync(victim, "utf8")).toBe("root: data\n")
    expect(modeOf(victim)).toBe(0o644)
    expect(fs.readdirSync(poster)).toEqual([".env"])
    // the token itself was stored: only its distribution was refused
    expect(reportOf(run).statuses.map((s) => s.action)).toEqual(["rotated"])
    expectInvariant(fake, ws.configFile, [run])
  })
})
