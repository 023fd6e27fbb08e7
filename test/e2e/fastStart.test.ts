/**
 * Issue 20: `herald --version` is answered before the app is loaded. The bin and what it
 * imports up front are a few KB; the app (dist/app-HASH.cjs) is loaded by every command that
 * is not --version or a bare help request (test/e2e/helpPages.test.ts).
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { heraldBin } from "./support/runHerald.js"
import { VERSION } from "../../src/version.js"

const dist = path.dirname(heraldBin)
const copy = fs.mkdtempSync(path.join(os.tmpdir(), "herald-start-"))
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }))

/** The files a module imports statically (`import … from "./x.js"`, `import "./x.js"`), transitively. */
const staticImports = (file: string, seen = new Set<string>()): Set<string> => {
  seen.add(file)
  const text = fs.readFileSync(file, "utf8")
  for (const m of text.matchAll(/(?:^|[;\s}])import\s*(?:[^"'();]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
    const dep = path.resolve(path.dirname(file), m[1]!)
    if (!seen.has(dep)) staticImports(dep, seen)
  }
  return seen
}

describe("herald --version", () => {
  it("loads a few KB, not the app: it answers with only the bin and its static imports there", () => {
    const upfront = staticImports(heraldBin)
    const bytes = [...upfront].reduce((n, f) => n + fs.statSync(f).size, 0)
    assert.isBelow(bytes, 16 * 1024, `--version parses ${bytes} bytes before it can answer`)
    // a copy of the build with everything else removed
    for (const f of upfront) {
      const to = path.join(copy, path.relative(dist, f))
      fs.mkdirSync(path.dirname(to), { recursive: true })
      fs.copyFileSync(f, to)
    }
    const r = spawnSync(process.execPath, [path.join(copy, path.basename(heraldBin)), "--version"], { encoding: "utf8" })
    assert.strictEqual(r.status, 0, r.stderr)
    assert.strictEqual(r.stdout, `${VERSION}\n`)
  })

  it("any other command still loads the app: --version with another argument, and --help", () => {
    const both = spawnSync(process.execPath, [heraldBin, "--version", "--help"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
    assert.notStrictEqual(both.stdout.trim(), "", both.stderr)
    const help = spawnSync(process.execPath, [heraldBin, "--help"], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
    assert.strictEqual(help.status, 0, help.stderr)
    assert.include(help.stdout, "auth")
  })
})
