// Builds the `herald` bin as one ESM bundle (starts ~3× faster than unbundled) and the
// library entry with its dependencies left external, so an embedding app shares one Effect.
import { build } from "esbuild"
import { chmod } from "node:fs/promises"

const common = { bundle: true, platform: "node", target: "node20", format: "esm", sourcemap: false, logLevel: "warning" }

await build({
  ...common,
  entryPoints: ["src/main.ts"],
  outfile: "dist/herald.js",
  // keytar is a native, optional module: resolved at run time from node_modules, if there
  external: ["keytar"],
  minify: true,
  banner: {
    js: [
      "#!/usr/bin/env node",
      // CommonJS inside an ESM bundle still calls require()
      "import { createRequire as __heraldCreateRequire } from 'node:module';",
      "const require = __heraldCreateRequire(import.meta.url);"
    ].join("\n")
  }
})
await chmod("dist/herald.js", 0o755)

await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", packages: "external" })
