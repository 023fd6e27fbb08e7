/**
 * How the bin runs the app bundle (dist/app-HASH.cjs, one CommonJS script): through
 * `vm.Script` with V8's code cache, so a start after the first deserializes the compiled code
 * instead of compiling the bundle again (node 20 has no module.enableCompileCache).
 *
 * The cache is one file per herald build and V8 version under `$XDG_CACHE_HOME/herald` (an
 * absolute path only, as the XDG spec says), else `~/.cache/herald`; `HERALD_CODE_CACHE=0`
 * turns it off. It only ever makes a start faster: a cache that is missing, unreadable,
 * truncated, corrupt (its own SHA-256 does not match) or stale (V8 rejects it) is ignored
 * and written afresh when the run ends; one that cannot be written is left as it is. The
 * write is atomic (a temp file renamed over it), so a crash leaves the old file or none.
 * A few other builds' caches are kept (two installs used in turn each keep theirs); older
 * ones are removed when a cache is written.
 * Node's builtins only: this runs before any of the app is loaded.
 */
import { createHash } from "node:crypto"
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import * as vm from "node:vm"

const MAGIC = "herald code cache 1\n"
const DIGEST = 64 // hex characters of a SHA-256
const SUFFIX = ".v8cache"

/**
 * The cache file for the build `key` (version and bundle hash), or undefined when the cache
 * is off. The V8 version is part of the name: another node's cache is another file.
 */
export const codeCacheFile = (
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  key: string
): string | undefined => {
  if (env["HERALD_CODE_CACHE"] === "0") return undefined
  const xdg = env["XDG_CACHE_HOME"]
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : home === "" ? undefined : path.join(home, ".cache")
  if (base === undefined) return undefined
  const v8 = process.versions.v8.replace(/[^0-9A-Za-z.]/g, "_")
  return path.join(base, "herald", `app-${key}-v8-${v8}${SUFFIX}`)
}

const digestOf = (data: Buffer): string => createHash("sha256").update(data).digest("hex")

/** The cached data in `file`, if it is there whole: undefined for anything else. */
export const readCodeCache = (file: string): Buffer | undefined => {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch {
    return undefined
  }
  const head = MAGIC.length + DIGEST + 1
  if (bytes.length <= head || bytes.toString("latin1", 0, MAGIC.length) !== MAGIC) return undefined
  const data = bytes.subarray(head)
  return bytes.toString("latin1", MAGIC.length, MAGIC.length + DIGEST) === digestOf(data) ? data : undefined
}

/** How many other builds' caches are kept beside this one's (two installs used in turn must not evict each other). */
const KEEP_OTHERS = 3

/**
 * Writes `data` to `file` atomically; of the other builds' caches beside it, the most
 * recently written KEEP_OTHERS stay and older ones go. Any failure leaves things as they were.
 */
export const writeCodeCache = (file: string, data: Buffer): void => {
  const dir = path.dirname(file)
  const temp = `${file}.${process.pid}.tmp`
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeFileSync(temp, Buffer.concat([Buffer.from(`${MAGIC}${digestOf(data)}\n`, "latin1"), data]), { mode: 0o600 })
    renameSync(temp, file)
  } catch {
    rmSync(temp, { force: true })
    return
  }
  try {
    const others = readdirSync(dir)
      .filter((name) => name.startsWith("app-") && name.endsWith(SUFFIX) && name !== path.basename(file))
      .map((name) => ({ name, written: statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.written - a.written)
    for (const { name } of others.slice(KEEP_OTHERS)) rmSync(path.join(dir, name), { force: true })
  } catch {
    // another build's cache left behind costs disk space, nothing else
  }
}

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void

/**
 * Runs the CommonJS bundle `file` in this context, as `require` would, with the code cache
 * in `cacheFile` (none when undefined). A cache that was not there or not accepted is written
 * when the process exits, so it holds what this run compiled, not only the top level.
 */
export const runCommonJs = (file: string, cacheFile: string | undefined): void => {
  const source = readFileSync(file, "utf8")
  const cachedData = cacheFile === undefined ? undefined : readCodeCache(cacheFile)
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
    // import() in the bundle (the optional keytar module) goes through node's own loader
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER
  })
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    process.once("exit", () => {
      try {
        writeCodeCache(cacheFile, script.createCachedData())
      } catch {
        // no cache this time; the next run tries again
      }
    })
  }
  const wrapper = script.runInThisContext() as CommonJsWrapper
  const module = { exports: {} }
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file))
}
