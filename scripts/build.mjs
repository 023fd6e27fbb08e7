// Builds the `herald` bin as an ESM bundle (starts ~3× faster than unbundled) and the
// library entry with its dependencies left external, so an embedding app shares one Effect.
// What only some runs need (nodemailer for email alerts, libsodium-wrappers for the github
// write-back) is split into dist/chunks/ and
// loaded by its dynamic import(): every start would otherwise parse it (docs/performance.md).
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"

const common = { bundle: true, platform: "node", target: "node20", format: "esm", sourcemap: false, logLevel: "warning" }

// CommonJS inside an ESM bundle still calls require() (in every chunk)
const requireBanner = [
  "import { createRequire as __heraldCreateRequire } from 'node:module';",
  "const require = __heraldCreateRequire(import.meta.url);"
].join("\n")

const bin = await build({
  ...common,
  entryPoints: { herald: "src/main.ts" },
  outdir: "dist",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  metafile: true,
  // keytar is a native, optional module: resolved at run time from node_modules, if there
  external: ["keytar"],
  minify: true,
  banner: { js: `#!/usr/bin/env node\n${requireBanner}` }
})
await chmod("dist/herald.js", 0o755)
// chunks of earlier builds (their names carry a content hash); the current ones are rewritten in place
const current = new Set(Object.keys(bin.metafile.outputs).map((f) => path.resolve(f)))
const chunks = await readdir("dist/chunks").catch(() => [])
await Promise.all(
  chunks.map((f) => path.resolve("dist/chunks", f)).filter((f) => !current.has(f)).map((f) => rm(f, { force: true }))
)

// every help page, as the app prints it, for the bin to answer a bare help request without
// loading the app (src/main.ts): scripts/help-pages.ts bundled on its own and run once
const helpBuild = await mkdtemp(path.join(tmpdir(), "herald-help-"))
try {
  const script = path.join(helpBuild, "help-pages.mjs")
  await build({ ...common, entryPoints: ["scripts/help-pages.ts"], outfile: script, external: ["keytar"], banner: { js: requireBanner } })
  const pages = spawnSync(process.execPath, [script, "dist/help.json"], { stdio: "inherit", env: { ...process.env, NO_COLOR: "" } })
  if (pages.status !== 0) {
    process.stderr.write("build: capturing the help pages (scripts/help-pages.ts) failed\n")
    process.exit(1)
  }
} finally {
  await rm(helpBuild, { recursive: true, force: true })
}

await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", packages: "external" })

// the library's declarations (dist/types/index.d.ts and what it imports), for the package's "types"
// condition: an embedding app's tsc reads these, never herald's TypeScript source
// dist/types/ is written afresh, so no declaration of a deleted source file is ever shipped
await rm("dist/types", { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")
const declarations = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" })
if (declarations.status !== 0) {
  process.stderr.write("build: the library's declarations (tsc -p tsconfig.build.json) failed\n")
  process.exit(1)
}
