/**
 * A stack-floor bin (scripts/bench.ts builds it and its app into a temp folder): runs the app
 * beside it the way herald's bin runs its own — one CommonJS script through vm.Script with
 * V8's code cache (src/cli/codeCache.ts), kept under $XDG_CACHE_HOME. The build names the app
 * (`__STACK_FLOOR_APP__`: app.cjs for the stack floor, effect-only.cjs for Effect alone).
 */
import * as path from "node:path"
import { runCommonJs } from "../../src/cli/codeCache.js"

declare const __STACK_FLOOR_APP__: string

const cacheHome = process.env["XDG_CACHE_HOME"]
runCommonJs(
  path.join(__dirname, __STACK_FLOOR_APP__),
  cacheHome === undefined ? undefined : path.join(cacheHome, "herald-stack-floor", `${__STACK_FLOOR_APP__}.v8cache`)
)
