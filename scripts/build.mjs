// Builds the `herald` bin — a small CommonJS entry (dist/herald.cjs) that answers --version and
// help itself and otherwise runs the app, bundled as one CommonJS script (dist/app-HASH.cjs;
// a bundle starts ~3× faster than unbundled) — and the library entry with its dependencies
// left external, so an embedding app shares one Effect (docs/performance.md).
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import * as path from "node:path"

const common = { bundle: true, platform: "node", target: "node20", format: "esm", sourcemap: false, logLevel: "warning" }

// CommonJS inside an ESM bundle still calls require()
const requireBanner = [
  "import { createRequire as __heraldCreateRequire } from 'node:module';",
  "const require = __heraldCreateRequire(import.meta.url);"
].join("\n")

// What only some runs need (nodemailer for email alerts, libsodium-wrappers for the github
// write-back) is a bundle of its own in dist/chunks/, required by the app when it is used
const vendor = ["nodemailer", "libsodium-wrappers"]
/**
 * Each package's bundle, by name, as the app requires it (relative to dist/): its ES build
 * where it has one (libsodium's is a third of its CommonJS one), exporting what `import()`
 * gave as the default — the module.exports the app's require() interop expects.
 */
const vendorFiles = new Map(await Promise.all(vendor.map(async (name) => {
  const out = await build({
    ...common,
    format: "cjs",
    stdin: { contents: `export { default } from ${JSON.stringify(name)}`, resolveDir: process.cwd(), loader: "js" },
    footer: { js: "module.exports = module.exports.default;" },
    write: false,
    minify: true
  })
  const code = out.outputFiles[0].contents
  const file = `./chunks/${name}-${createHash("sha256").update(code).digest("hex").slice(0, 8).toUpperCase()}.cjs`
  await mkdir("dist/chunks", { recursive: true })
  await writeFile(path.join("dist", file), code)
  return [name, file]
})))
const vendorExternal = {
  name: "vendor-chunks",
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${vendor.join("|")})$`) }, (a) => ({ path: vendorFiles.get(a.path), external: true }))
  }
}

// The app: one CommonJS script (the bin runs it through vm.Script with V8's code cache,
// src/cli/codeCache.ts; node 20 caches no ES module's code). A module reached only by
// import() is evaluated when it is first imported. Its name carries its content hash, the
// code cache's key.
const app = await build({
  ...common,
  format: "cjs",
  entryPoints: { app: "src/cli/runMain.ts" },
  outdir: "dist",
  entryNames: "[name]-[hash]",
  outExtension: { ".js": ".cjs" },
  metafile: true,
  // keytar is a native, optional module: resolved at run time from node_modules, if there
  external: ["keytar"],
  plugins: [vendorExternal],
  // import() of what is not bundled (the vendor bundles, keytar, node:https) becomes require()
  // with esbuild's interop, as in the ESM bundle before; what is bundled stays lazily evaluated
  supported: { "dynamic-import": false },
  minify: true
})
const appFile = Object.keys(app.metafile.outputs).find((f) => f.endsWith(".cjs"))

// the bin: --version and help without the app, else the app. CommonJS, like the app: node runs
// a CommonJS main script without its ES module loader (~3 ms of every start, --version's
// included). What only the app's start needs (the code cache: node:vm, node:crypto) is in it
// but evaluated only when it is first imported.
const bin = await build({
  ...common,
  format: "cjs",
  entryPoints: { herald: "src/main.ts" },
  outdir: "dist",
  outExtension: { ".js": ".cjs" },
  supported: { "dynamic-import": false },
  metafile: true,
  define: { __HERALD_APP__: JSON.stringify(path.basename(appFile)) },
  minify: true,
  banner: { js: "#!/usr/bin/env node" }
})
await chmod("dist/herald.cjs", 0o755)
// what earlier builds left: apps and chunks of other hashes
const current = new Set([
  path.resolve(appFile),
  ...[...vendorFiles.values()].map((f) => path.resolve("dist", f)),
  ...Object.keys(bin.metafile.outputs).map((f) => path.resolve(f))
])
const stale = [
  // herald.js: the ES module bin of builds before the CommonJS one
  ...(await readdir("dist")).filter((f) => /^app-.*\.cjs$/.test(f) || f === "herald.js").map((f) => path.resolve("dist", f)),
  ...(await readdir("dist/chunks").catch(() => [])).map((f) => path.resolve("dist/chunks", f))
].filter((f) => !current.has(f))
await Promise.all(stale.map((f) => rm(f, { force: true })))

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
