/**
 * DESIGN §3's arrows, checked on src/ as it is: no import cycle, nothing in src/layers/
 * imports src/platforms/, src/platforms/ imports no src/layers/ internals, and no area
 * imports one above it. scripts/imports.mjs does the walking; it is first shown to catch
 * each kind of problem on a small tree of its own, so a clean verdict on src/ means something.
 */
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const script = path.resolve(import.meta.dirname, "../../scripts/imports.mjs")
const src = path.resolve(import.meta.dirname, "../../src")

const check = (dir: string) => {
  const r = spawnSync(process.execPath, [script, dir], { encoding: "utf8" })
  return { code: r.status, lines: r.stdout.trim().split("\n") }
}

const trees: Array<string> = []
afterAll(() => trees.forEach((t) => rmSync(t, { recursive: true, force: true })))

/** A throwaway src/ tree: file path → its text. */
const tree = (files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(path.join(tmpdir(), "herald-imports-"))
  trees.push(dir)
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), text)
  }
  return dir
}

describe("scripts/imports.mjs", () => {
  it("finds a cycle, type-only imports included, and names its files in order", () => {
    const dir = tree({
      "domain/A.ts": `import { b } from "./B.js"\nexport const a = b`,
      "domain/B.ts": `import type { a } from "./A.js"\nexport const b = 1 as unknown as typeof a`
    })
    const { code, lines } = check(dir)
    expect(code).toBe(1)
    expect(lines).toContain("cycle: domain/A.ts → domain/B.ts → domain/A.ts")
  })

  it("finds layers → platforms, platforms → layers, and an arrow upwards (http → platforms)", () => {
    const dir = tree({
      "platforms/X.ts": `import { send } from "../layers/http/NodeHttp.js"\nexport const x = send`,
      "layers/http/NodeHttp.ts": `export const send = 1`,
      "layers/writeback/GitLab.ts": `import { x } from "../../platforms/X.js"\nexport const g = x`,
      "http/exchange.ts": `export { x } from "../platforms/X.js"`
    })
    const { code, lines } = check(dir)
    expect(code).toBe(1)
    expect(lines).toContain(
      "forbidden: platforms/X.ts → layers/http/NodeHttp.ts: src/platforms/ imports no src/layers/ internals (it speaks HTTP through src/http/)"
    )
    expect(lines).toContain("forbidden: layers/writeback/GitLab.ts → platforms/X.ts: nothing in src/layers/ imports src/platforms/")
    expect(lines.some((l) => l.startsWith("forbidden: http/exchange.ts → platforms/X.ts:"))).toBe(true)
  })

  it("does not count an import quoted in a comment, and passes a clean tree", () => {
    const dir = tree({
      "domain/A.ts": `/** like import { b } from "./B.js" */\n// import "./B.js"\nexport const a = 1`,
      "domain/B.ts": `import { a } from "./A.js"\nexport const b = a`,
      "cli/main.ts": `import { b } from "../domain/B.js"\nexport const m = b`
    })
    expect(check(dir)).toEqual({ code: 0, lines: ["3 files: no cycle, no forbidden import"] })
  })
})

describe("src/ (DESIGN §3)", () => {
  it("has no import cycle and no forbidden import", () => {
    const { code, lines } = check(src)
    expect(lines.filter((l) => !l.endsWith("no cycle, no forbidden import"))).toEqual([])
    expect(code).toBe(0)
  })
})
