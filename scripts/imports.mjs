/**
 * The shape of src/'s imports (DESIGN §3): no import cycle, and arrows one way —
 * cli → programs → platforms/layers → services → domain, with http/ below platforms and
 * layers. Walks every src/**\/*.ts file's relative imports (type-only ones too: a type
 * cycle is still two modules that cannot be understood apart) and reports
 *   - every cycle, as the chain of files that closes it;
 *   - every forbidden arrow, as `from → to: why`.
 *
 *   node scripts/imports.mjs [SRC]     exit 0 when clean, 1 with the findings on stdout
 *
 * `check(srcDir)` is exported for the architecture test.
 */
import { readdirSync, readFileSync, statSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** Every .ts file below `dir`, as paths relative to it with forward slashes. */
const walk = (dir, base = dir) =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return walk(full, base)
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path.relative(base, full).split(path.sep).join("/")] : []
  })

// import/export … from "x", import("x"), import "x"; comments are dropped first so prose that
// quotes an import does not count
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm
const stripComments = (text) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1")

/** The src-relative files `file` imports (relative specifiers only; `.js` names the `.ts`). */
export const importsOf = (srcDir, file) => {
  const text = stripComments(readFileSync(path.join(srcDir, file), "utf8"))
  const out = new Set()
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1]
    if (!spec.startsWith(".")) continue
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, ".ts")
    out.add(target)
  }
  return [...out]
}

/** The part of src/ a file belongs to: its top folder, or "root" for src/*.ts. */
const areaOf = (file) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : "root")

/**
 * What each area may import besides itself. Arrows one way: an area never imports one
 * above it. `version` (a generated constant) may be imported from anywhere.
 */
const allowed = {
  root: ["cli", "programs", "platforms", "layers", "http", "services", "domain", "version"],
  cli: ["programs", "platforms", "layers", "http", "services", "domain", "version"],
  programs: ["platforms", "layers", "http", "services", "domain", "version"],
  platforms: ["http", "services", "domain", "version"],
  layers: ["http", "services", "domain", "version"],
  http: ["domain", "version"],
  services: ["domain", "version"],
  domain: ["version"]
}

const why = {
  "layers→platforms": "nothing in src/layers/ imports src/platforms/",
  "platforms→layers": "src/platforms/ imports no src/layers/ internals (it speaks HTTP through src/http/)"
}

const areaOfName = (file) => {
  const area = areaOf(file)
  return area === "root" && file === "version.ts" ? "version" : area
}

/** Cycles by depth-first search; each reported once, from its first file in sorted order. */
const cyclesOf = (graph) => {
  const cycles = []
  const seen = new Set()
  const state = new Map() // file → "open" | "done"
  const stack = []
  const visit = (file) => {
    state.set(file, "open")
    stack.push(file)
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue
      if (state.get(next) === "open") {
        const loop = stack.slice(stack.indexOf(next))
        // the same cycle found from another of its files is one cycle
        const key = [...loop].sort().join("|")
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push([...loop, next])
        }
      } else if (state.get(next) !== "done") {
        visit(next)
      }
    }
    stack.pop()
    state.set(file, "done")
  }
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file)
  return cycles
}

/** `{ files, cycles: string[][], forbidden: { from, to, reason }[], missing: { from, to }[] }` */
export const check = (srcDir) => {
  const files = walk(srcDir).sort()
  const graph = new Map(files.map((f) => [f, importsOf(srcDir, f)]))
  const forbidden = []
  const missing = []
  for (const [from, targets] of graph) {
    const a = areaOfName(from)
    for (const to of targets) {
      if (!graph.has(to)) {
        missing.push({ from, to })
        continue
      }
      const b = areaOfName(to)
      if (a === b || b === "version" || a === "version") continue
      if (!(allowed[a] ?? []).includes(b)) {
        forbidden.push({ from, to, reason: why[`${a}→${b}`] ?? `${a}/ sits above ${b}/ (arrows run one way, DESIGN §3)` })
      }
    }
  }
  return { files, cycles: cyclesOf(graph), forbidden, missing }
}

const main = () => {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const srcDir = path.resolve(process.argv[2] ?? path.join(here, "..", "src"))
  const { cycles, files, forbidden, missing } = check(srcDir)
  for (const c of cycles) process.stdout.write(`cycle: ${c.join(" → ")}\n`)
  for (const f of forbidden) process.stdout.write(`forbidden: ${f.from} → ${f.to}: ${f.reason}\n`)
  for (const m of missing) process.stdout.write(`unresolved: ${m.from} → ${m.to}\n`)
  const problems = cycles.length + forbidden.length + missing.length
  process.stdout.write(problems === 0 ? `${files.length} files: no cycle, no forbidden import\n` : `${problems} problem(s) in ${files.length} files\n`)
  process.exitCode = problems === 0 ? 0 : 1
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
