/**
 * The `herald` bin's entry. What needs none of the app is answered here, before it is
 * imported (loading and evaluating the bundle costs several times a bare node start):
 * `herald --version`, and a bare help request (`herald --help`, `herald auth set -h`,
 * `herald help auth`), from the pages the build captured from the app itself (dist/help.json,
 * scripts/help-pages.ts). Everything else, or a missing or unreadable help.json, loads the
 * app: built, that is dist/app-HASH.cjs (./cli/runMain.ts bundled as one script), run with
 * V8's code cache (./cli/codeCache.ts); from source (`npm run dev`), ./cli/runMain.ts itself.
 * Built, the bin is a CommonJS script (dist/herald.cjs): node loads one without its ES
 * module loader, a few ms of every start. No top-level await, so it can be one.
 */
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { colourAllowed, stripEscapes } from "./cli/colour.js"
import { helpKey, helpPath } from "./cli/frontDoor.js"
import { VERSION } from "./version.js"

/** Set by scripts/build.mjs: the app bundle's file name beside the bin, `app-HASH.cjs`. */
declare const __HERALD_APP__: string | undefined

/** The built bin's folder (a CommonJS script has `__dirname`); from source there is none, and no help.json. */
const builtIn = typeof __HERALD_APP__ === "string" ? __dirname : undefined

/** The help page the build stored for `command`, with colour where the app would show it. */
const storedHelp = (command: ReadonlyArray<string>): string | undefined => {
  if (builtIn === undefined) return undefined
  let pages: unknown
  try {
    pages = JSON.parse(readFileSync(path.join(builtIn, "help.json"), "utf8"))
  } catch {
    return undefined
  }
  const page = typeof pages === "object" && pages !== null ? (pages as Record<string, unknown>)[helpKey(command)] : undefined
  if (typeof page !== "string") return undefined
  return colourAllowed(process.env, process.stdout.isTTY === true) ? page : stripEscapes(page)
}

const args = process.argv.slice(2)
const version = args.length === 1 && args[0] === "--version"
const command = version ? undefined : helpPath(args)
const help = command === undefined ? undefined : storedHelp(command)
if (version) {
  process.stdout.write(`${VERSION}\n`)
} else if (help !== undefined) {
  process.stdout.write(help)
} else if (typeof __HERALD_APP__ === "string") {
  const app = __HERALD_APP__
  // imported here, not above: node:vm and node:crypto cost --version and help a few ms
  void Promise.all([import("./cli/codeCache.js"), import("node:os")]).then(([{ codeCacheFile, runCommonJs }, { homedir }]) => {
    const build = app.replace(/^app-|\.cjs$/g, "")
    runCommonJs(path.join(__dirname, app), codeCacheFile(process.env, homedir(), `${VERSION}-${build}`))
  })
} else {
  void import("./cli/runMain.js")
}
