/**
 * Issue 20 item 1: a bare help request (`herald --help`, `herald auth set -h`, `herald help
 * auth`, `herald auth`) is answered by the bin from dist/help.json, the pages the build
 * captured from the app (scripts/help-pages.ts), without loading the app. What it prints must
 * be what herald printed before, byte for byte: test/e2e/fixtures/help/ holds the pages of the
 * build before this change (`NO_COLOR=1 herald … --help`, and a few as a terminal got them;
 * see support/helpFixtures.ts).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { cleanEnv, heraldBin, runHerald } from "./support/runHerald.js"
import { HELP_PATHS } from "../../src/cli/frontDoor.js"
import { helpFixture as fixture, helpFixtureName as fixtureName, helpFixtureNames } from "./support/helpFixtures.js"

const dist = path.dirname(heraldBin)

const work = fs.mkdtempSync(path.join(os.tmpdir(), "herald-help-"))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))
const env = cleanEnv(work)

/** A copy of the build with `keep(file)` files only; returns its bin. */
const copyOfBuild = (name: string, keep: (relative: string) => boolean): string => {
  const to = path.join(work, name)
  for (const f of fs.readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    const from = path.join(dist, f)
    if (fs.statSync(from).isDirectory() || f.startsWith("types") || !keep(f)) continue
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true })
    fs.copyFileSync(from, path.join(to, f))
  }
  return path.join(to, path.basename(heraldBin))
}

const run = (bin: string, args: ReadonlyArray<string>, extra: Readonly<Record<string, string>> = {}) =>
  runHerald(args, { cwd: work, env: { ...env, ...extra }, command: [process.execPath, bin] })

describe("help pages", () => {
  it("a fixture for every command path, so none goes unchecked", () => {
    const names = new Set(helpFixtureNames())
    assert.deepStrictEqual([...names].sort(), HELP_PATHS.map(fixtureName).sort())
  })

  it("`herald … --help` prints the page herald printed before, byte for byte, for every command", async () => {
    for (const p of HELP_PATHS) {
      const r = await run(heraldBin, [...p, "--help"])
      assert.strictEqual(r.code, 0, r.stderr)
      assert.strictEqual(r.stderr, "")
      assert.strictEqual(r.stdout, fixture(p), `herald ${p.join(" ")} --help`)
    }
  })

  it("the app renders the same pages itself: a build without help.json answers from the command tree", async () => {
    const bin = copyOfBuild("no-pages", (f) => f !== "help.json")
    for (const p of HELP_PATHS) {
      const r = await run(bin, [...p, "--help"])
      assert.strictEqual(r.code, 0, r.stderr)
      assert.strictEqual(r.stdout, fixture(p), `herald ${p.join(" ")} --help, from the app`)
    }
  })

  it("-h, `herald help …` and a group alone are the same request", async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, ReadonlyArray<string>]> = [
      [[], []],
      [["-h"], []],
      [["help"], []],
      [["auth"], ["auth"]],
      [["config"], ["config"]],
      [["help", "auth", "set"], ["auth", "set"]],
      [["auth", "set", "-h"], ["auth", "set"]],
      [["help", "doctor"], ["doctor"]]
    ]
    for (const [args, page] of cases) {
      const r = await run(heraldBin, args)
      assert.strictEqual(r.code, 0, r.stderr)
      assert.strictEqual(r.stdout, fixture(page), `herald ${args.join(" ")}`)
    }
  })

  it("is answered without the app: the bin, its static imports and help.json alone print every page", async () => {
    const bin = copyOfBuild("pages-only", (f) => f === "help.json" || f === path.basename(heraldBin))
    assert.deepStrictEqual(fs.readdirSync(path.dirname(bin)).sort(), ["help.json", path.basename(heraldBin)])
    for (const p of HELP_PATHS) {
      const r = await run(bin, [...p, "--help"])
      assert.strictEqual(r.code, 0, r.stderr)
      assert.strictEqual(r.stdout, fixture(p))
    }
    // what is more than a help request still needs the app (and says so, here, by failing to load it)
    const more = await run(bin, ["auth", "status", "--help", "--json"])
    assert.notStrictEqual(more.code, 0)
  })

  it("colour as before: the stored pages are the app's coloured output; a terminal gets them, NO_COLOR does not", async () => {
    const pages = JSON.parse(fs.readFileSync(path.join(dist, "help.json"), "utf8")) as Record<string, string>
    for (const p of [[], ["auth"], ["auth", "refresh"], ["doctor"]]) {
      assert.strictEqual(pages[p.join(" ")], fixture(p, "ansi"))
    }
    // on a real terminal, where util-linux `script` can give one
    const script = spawnSync("script", ["--version"], { encoding: "utf8" })
    if (script.status !== 0) return
    for (const [p, extra, ext] of [[["auth", "refresh"], {}, "ansi"], [["auth", "refresh"], { NO_COLOR: "1" }, "txt"]] as const) {
      const r = spawnSync("script", ["-qec", [process.execPath, heraldBin, ...p, "--help"].join(" "), "/dev/null"], {
        encoding: "utf8",
        env: { ...env, TERM: "xterm", ...extra }
      })
      assert.strictEqual(r.status, 0, r.stderr)
      assert.strictEqual(r.stdout.replace(/\r\n/g, "\n"), fixture(p, ext))
    }
  })
})
