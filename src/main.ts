/**
 * The `herald` bin's entry. What needs none of the app is answered here, before it is
 * imported (loading and evaluating the bundle costs several times a bare node start):
 * `herald --version`, and a bare help request (`herald --help`, `herald auth set -h`,
 * `herald help auth`), from the pages the build captured from the app itself (dist/help.json,
 * scripts/help-pages.ts). Everything else, or a missing or unreadable help.json, loads the
 * app: built, that is dist/app-HASH.cjs (./cli/runMain.ts bundled as one script), run with
 * V8's code cache (./cli/codeCache.ts); from source (`npm run dev`), ./cli/runMain.ts itself.
 */
import { readFileSync } from "node:fs"
import { colourAllowed, stripEscapes } from "./cli/colour.js"
import { helpKey, helpPath } from "./cli/frontDoor.js"
import { VERSION } from "./version.js"

/** Set by scripts/build.mjs: the app bundle's file name beside the bin, `app-HASH.cjs`. */
declare const __HERALD_APP__: string | undefined

/** The help page the build stored for `path`, with colour where the app would show it. */
const storedHelp = (path: ReadonlyArray<string>): string | undefined => {
  let pages: unknown
  try {
    pages = JSON.parse(readFileSync(new URL("./help.json", import.meta.url), "utf8"))
  } catch {
    return undefined
  }
  const page = typeof pages === "object" && pages !== null ? (pages as Record<string, unknown>)[helpKey(path)] : undefined
  if (typeof page !== "string") return undefined
  return colourAllowed(process.env, process.stdout.isTTY === true) ? page : stripEscapes(page)
}

const args = process.argv.slice(2)
const version = args.length === 1 && args[0] === "--version"
const path = version ? undefined : helpPath(args)
const help = path === undefined ? undefined : storedHelp(path)
if (version) {
  process.stdout.write(`${VERSION}\n`)
} else if (help !== undefined) {
  process.stdout.write(help)
} else if (typeof __HERALD_APP__ === "string") {
  // imported here, not above: node:vm and node:crypto cost --version and help a few ms
  const [{ codeCacheFile, runCommonJs }, { homedir }, { fileURLToPath }] = await Promise.all([
    import("./cli/codeCache.js"),
    import("node:os"),
    import("node:url")
  ])
  const build = __HERALD_APP__.replace(/^app-|\.cjs$/g, "")
  runCommonJs(fileURLToPath(new URL(`./${__HERALD_APP__}`, import.meta.url)), codeCacheFile(process.env, homedir(), `${VERSION}-${build}`))
} else {
  await import("./cli/runMain.js")
}
