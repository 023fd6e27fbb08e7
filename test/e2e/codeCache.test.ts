/**
 * Issue 20 item 2: the bin runs the app with V8's code cache (src/cli/codeCache.ts), one
 * file per build under `$XDG_CACHE_HOME/herald`. It may only ever make a start faster: with
 * a cache that is missing, corrupt, stale or unwritable herald prints exactly what it prints
 * with the cache off, and `HERALD_CODE_CACHE=0` writes nothing.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { cleanEnv, type HeraldRun, heraldBin, runHerald } from "./support/runHerald.js"

const work = fs.mkdtempSync(path.join(os.tmpdir(), "herald-cache-"))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const config = path.join(work, "herald.yaml")
fs.writeFileSync(config, "", { mode: 0o600 })
let seq = 0

/** A fresh cache folder (XDG_CACHE_HOME) and the environment that points herald at it. */
const freshCache = (extra: Readonly<Record<string, string>> = {}) => {
  const xdg = path.join(work, `cache-${++seq}`)
  return { xdg, dir: path.join(xdg, "herald"), env: { ...cleanEnv(work), XDG_CACHE_HOME: xdg, ...extra } }
}

/** The commands compared: a report, its JSON, and one that fails (exit 2, stderr). */
const COMMANDS: ReadonlyArray<ReadonlyArray<string>> = [
  ["auth", "status", "--config", config],
  ["auth", "status", "--json", "--config", config],
  ["auth", "status", "--concurrency", "0", "--config", config]
]

const runAll = async (env: Readonly<Record<string, string>>, bin = heraldBin) => {
  const out: Array<Pick<HeraldRun, "code" | "stdout" | "stderr">> = []
  for (const args of COMMANDS) {
    const r = await runHerald(args, { cwd: work, env, command: [process.execPath, bin] })
    out.push({ code: r.code, stdout: r.stdout, stderr: r.stderr })
  }
  return out
}

const cacheFiles = (dir: string): Array<string> => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])

/** The one cache file in `dir`, with what identifies this copy of it. */
const theCache = (dir: string) => {
  const files = cacheFiles(dir)
  assert.strictEqual(files.length, 1, `one cache file in ${dir}: ${files.join(", ")}`)
  const file = path.join(dir, files[0]!)
  const stat = fs.statSync(file)
  return { file, ino: stat.ino, bytes: fs.readFileSync(file), mode: stat.mode & 0o777 }
}

// what herald prints with no cache at all: every case below must print exactly this
const off = freshCache({ HERALD_CODE_CACHE: "0" })
const expected = await runAll(off.env)

describe("the code cache", () => {
  it("HERALD_CODE_CACHE=0 writes nothing; the commands compared print what they should", () => {
    assert.deepStrictEqual(cacheFiles(off.dir), [])
    assert.isFalse(fs.existsSync(off.xdg))
    assert.deepStrictEqual(expected.map((r) => r.code), [0, 0, 2])
    assert.include(expected[0]!.stdout, "no connections configured")
    assert.include(expected[2]!.stderr, "--concurrency")
  })

  it("is created on the first run (private, named for the build), then reused as it is", async () => {
    const c = freshCache()
    assert.deepStrictEqual(await runAll(c.env), expected)
    const first = theCache(c.dir)
    assert.match(path.basename(first.file), /^app-0\.\d+\.\d+-[A-Z0-9]+-v8-.+\.v8cache$/)
    assert.strictEqual(first.mode, 0o600)
    assert.strictEqual(fs.statSync(c.dir).mode & 0o777, 0o700)
    assert.isAbove(first.bytes.length, 100_000)
    // accepted by V8: not written again (a rejected or unreadable cache is replaced by a new file)
    assert.deepStrictEqual(await runAll(c.env), expected)
    const second = theCache(c.dir)
    assert.strictEqual(second.ino, first.ino)
    assert.isTrue(second.bytes.equals(first.bytes))
  })

  it("a corrupt cache — garbage, truncated, one byte flipped, empty — is ignored, output identical, and replaced", async () => {
    const c = freshCache()
    await runAll(c.env)
    const good = theCache(c.dir)
    const flipped = Buffer.from(good.bytes)
    flipped[flipped.length - 100] = flipped[flipped.length - 100]! ^ 0xff
    const damaged: ReadonlyArray<readonly [string, Buffer]> = [
      ["garbage", Buffer.from("not a code cache at all\n".repeat(1000))],
      ["truncated", good.bytes.subarray(0, Math.floor(good.bytes.length / 2))],
      ["flipped", flipped],
      ["empty", Buffer.alloc(0)]
    ]
    for (const [what, bytes] of damaged) {
      fs.writeFileSync(good.file, bytes)
      const planted = fs.statSync(good.file).ino
      assert.deepStrictEqual(await runAll(c.env), expected, what)
      const after = theCache(c.dir)
      assert.notStrictEqual(after.ino, planted, `${what}: the cache was written afresh`)
      assert.isFalse(after.bytes.equals(bytes), what)
    }
  })

  it("a stale cache (the app bundle changed under the same name) is rejected by V8, output identical, and replaced", async () => {
    // a copy of the build whose app differs from the one the cache was made for
    const copy = path.join(work, "stale-build")
    fs.cpSync(path.dirname(heraldBin), copy, { recursive: true })
    const app = fs.readdirSync(copy).find((f) => /^app-.*\.cjs$/.test(f))!
    fs.appendFileSync(path.join(copy, app), "\n// another build\n")
    const bin = path.join(copy, path.basename(heraldBin))

    const c = freshCache()
    await runAll(c.env)
    const made = theCache(c.dir)
    assert.deepStrictEqual(await runAll(c.env, bin), expected)
    const rebuilt = theCache(c.dir)
    assert.notStrictEqual(rebuilt.ino, made.ino)
    assert.isFalse(rebuilt.bytes.equals(made.bytes))
    // and the copy's own cache is then accepted
    await runAll(c.env, bin)
    assert.strictEqual(theCache(c.dir).ino, rebuilt.ino)
  })

  it("an unwritable cache folder changes nothing: no error, no cache, output identical", async () => {
    // XDG_CACHE_HOME is a file: the folder cannot be made (whoever runs the test, root included)
    const blocked = path.join(work, "a-file")
    fs.writeFileSync(blocked, "")
    const c = { ...freshCache(), env: { ...cleanEnv(work), XDG_CACHE_HOME: blocked } }
    assert.deepStrictEqual(await runAll(c.env), expected)
    assert.strictEqual(fs.readFileSync(blocked, "utf8"), "")
    assert.deepStrictEqual(fs.readdirSync(work).filter((f) => f.includes(".tmp")), [])
  })

  it("a relative XDG_CACHE_HOME is ignored (the XDG spec): the cache goes to ~/.cache/herald", async () => {
    const home = path.join(work, "home")
    fs.mkdirSync(home)
    const env = { ...cleanEnv(work), HOME: home, XDG_CACHE_HOME: "relative/cache" }
    assert.deepStrictEqual(await runAll(env), expected)
    assert.isFalse(fs.existsSync(path.join(work, "relative")))
    theCache(path.join(home, ".cache", "herald"))
  })

  it("other builds' caches: the three most recent stay (installs used in turn keep theirs), older ones are removed", async () => {
    const c = freshCache()
    fs.mkdirSync(c.dir, { recursive: true })
    const others = [1, 2, 3, 4, 5].map((n) => path.join(c.dir, `app-0.0.${n}-OLDBUILD${n}-v8-1.0.v8cache`))
    for (const [i, f] of others.entries()) {
      fs.writeFileSync(f, `build ${i + 1}'s cache`)
      // written in turn: 0.0.5 the most recent
      fs.utimesSync(f, new Date(Date.now() - (10 - i) * 60_000), new Date(Date.now() - (10 - i) * 60_000))
    }
    await runAll(c.env)
    assert.deepStrictEqual(others.map((f) => fs.existsSync(f)), [false, false, true, true, true])
    assert.strictEqual(cacheFiles(c.dir).length, 4)
  })

  it("two builds used in turn each keep their cache: neither is written again", async () => {
    const copy = path.join(work, "second-build")
    fs.cpSync(path.dirname(heraldBin), copy, { recursive: true })
    // another build: its bin names another app file (another key), with a different app in it
    const app = fs.readdirSync(copy).find((f) => /^app-.*\.cjs$/.test(f))!
    const renamed = app.replace(/^app-/, "app-OTHER")
    fs.renameSync(path.join(copy, app), path.join(copy, renamed))
    fs.appendFileSync(path.join(copy, renamed), "\n// another build\n")
    const bin = path.join(copy, path.basename(heraldBin))
    fs.writeFileSync(bin, fs.readFileSync(bin, "utf8").replaceAll(app, renamed))

    const c = freshCache()
    await runAll(c.env)
    assert.deepStrictEqual(await runAll(c.env, bin), expected)
    const both = () => cacheFiles(c.dir).map((f) => fs.statSync(path.join(c.dir, f)).ino)
    const first = both()
    assert.strictEqual(first.length, 2)
    assert.deepStrictEqual(await runAll(c.env), expected)
    assert.deepStrictEqual(await runAll(c.env, bin), expected)
    assert.deepStrictEqual(both(), first)
  })
})
