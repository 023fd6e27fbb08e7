// `prepare`: builds dist/ (scripts/build.mjs) after `npm install` in a clone, and when npm
// installs herald from a git branch as a project's dependency (npm then installs the dev
// dependencies first). A global install from a branch (`npm install -g git+…`) runs it with
// no dependency at all (npm/cli#8440): say what works instead of failing on a missing module.
// Release tags (scripts/release.mjs) ship the built bundle and no prepare script.
import { spawnSync } from "node:child_process"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)
const resolvable = (id) => {
  try {
    require.resolve(id)
    return true
  } catch {
    return false
  }
}

if (!resolvable("esbuild") || !resolvable("typescript/bin/tsc")) {
  process.stderr.write(
    [
      "herald: cannot build here: the build tools (esbuild, typescript) are not installed.",
      "A global install from a git branch gets no dependencies to build with (npm/cli#8440).",
      "Install a release tag instead, which ships the built bundle:",
      "  npm install -g git+https://<host>/<group>/herald.git#v<version>",
      "or a packed tarball (npm pack in a clone): npm install -g ./herald-<version>.tgz",
      ""
    ].join("\n")
  )
  process.exit(1)
}
const build = spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" })
process.exit(build.status ?? 1)
