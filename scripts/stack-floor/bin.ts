/**
 * The stack floor's bin (scripts/bench.ts builds both files into a temp folder): runs
 * app.cjs beside it the way herald's bin runs its app — one CommonJS script through
 * vm.Script with V8's code cache (src/cli/codeCache.ts), kept under $XDG_CACHE_HOME.
 */
import * as path from "node:path"
import { runCommonJs } from "../../src/cli/codeCache.js"

const cacheHome = process.env["XDG_CACHE_HOME"]
runCommonJs(
  path.join(__dirname, "app.cjs"),
  cacheHome === undefined ? undefined : path.join(cacheHome, "herald-stack-floor", "app.v8cache")
)
