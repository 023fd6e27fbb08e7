/**
 * Finding, reading and validating the config file (DESIGN §1 "Config file"):
 * `--config`, else `$HERALD_CONFIG`, else `./herald.yaml`, else
 * `$XDG_CONFIG_HOME/herald/config.yaml`. No file is a valid, empty config.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as YAML from "yaml"
import { type ConfigCatalog, type HeraldConfig, Rfc3339 } from "../../domain/Config.js"
import { type Connection, connectionsOf } from "../../domain/Connection.js"
import { ConfigError } from "../../domain/errors.js"
import { validateConfigWith } from "../../domain/validateConfig.js"
import { envName, metadataKeys } from "../../domain/Platform.js"
import { AppConfig, type ConfigSnapshot } from "../../services/AppConfig.js"
import { Catalog } from "../../services/Catalog.js"
import { anyEnvEndingWith, envVar } from "./envVar.js"
import { type PlainParse, parsePlainYaml } from "./plainYaml.js"

export interface ConfigLocation {
  readonly file: string
  /** named by --config or $HERALD_CONFIG: then it must exist */
  readonly explicit: boolean
  /** which rule of the search found it (herald config path says it) */
  readonly source?: "flag" | "env" | "cwd" | "xdg"
}

const exists = (file: string) =>
  Effect.promise(() => fs.access(file).then(() => true, () => false))

export const discover = (flag: Option.Option<string>): Effect.Effect<ConfigLocation> =>
  Effect.gen(function*() {
    if (Option.isSome(flag)) return { file: path.resolve(flag.value), explicit: true, source: "flag" }
    const env = yield* envVar("HERALD_CONFIG")
    if (Option.isSome(env)) return { file: path.resolve(env.value), explicit: true, source: "env" }
    const local = path.resolve("herald.yaml")
    if (yield* exists(local)) return { file: local, explicit: false, source: "cwd" }
    const xdg = yield* envVar("XDG_CONFIG_HOME")
    const base = Option.getOrElse(xdg, () => path.join(os.homedir(), ".config"))
    return { file: path.join(base, "herald", "config.yaml"), explicit: false, source: "xdg" }
  })

export interface LoadedConfig {
  readonly file: string
  readonly exists: boolean
  readonly config: HeraldConfig
}

/**
 * The last text parsed. A run reads its config at start, again under the lock and once
 * more to write back: a large file is parsed once for all three (parsing is most of what
 * loading costs). Pure in effect: the result depends on the file name and text alone.
 */
let parsedLast: {
  readonly file: string
  readonly text: string
  readonly catalog: ConfigCatalog
  readonly result: Either.Either<HeraldConfig, ConfigError>
  doc: YAML.Document | undefined
  /** the fast path's reading (./plainYaml.ts), where it read the text: no Document was built */
  readonly plain: PlainParse | undefined
} | undefined

/** The document parsed from exactly `text`, handed over once: the taker may change it. */
export const takeParsedDocument = (text: string): YAML.Document | undefined => {
  if (parsedLast === undefined || parsedLast.text !== text) return undefined
  const doc = parsedLast.doc
  parsedLast.doc = undefined
  return doc
}

/**
 * Where the values of exactly `text` stand, when the fast path read it at load: a writer
 * patches values there and builds the Document only for an edit that needs one.
 */
export const parsedPlain = (text: string): PlainParse | undefined =>
  parsedLast !== undefined && parsedLast.text === text ? parsedLast.plain : undefined

/**
 * A config larger than this is refused before it is parsed: a thousand connections take
 * about 60 KiB, so 8 MiB is far past any real setup, and parsing it would hold a run (and
 * its SIGTERM) for seconds.
 */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024

/**
 * How many aliases the file may expand: a few anchors shared between platforms are normal;
 * "billion laughs" (aliases of aliases) would expand into gigabytes.
 */
export const MAX_ALIAS_COUNT = 100

const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`

/**
 * Duplicate keys, found in one pass. The yaml package's own check compares each key with
 * every key before it in its mapping, which made 32k accounts take seconds to parse.
 */
const duplicateKeys = (doc: YAML.Document, lines: YAML.LineCounter): ReadonlyArray<string> => {
  const issues: Array<string> = []
  YAML.visit(doc, {
    Map: (_, map) => {
      const seen = new Set<string>()
      for (const pair of map.items) {
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : undefined
        if (key === undefined) continue
        if (seen.has(key)) {
          const at = YAML.isNode(pair.key) && pair.key.range != null ? lines.linePos(pair.key.range[0]) : undefined
          issues.push(`${at !== undefined ? `line ${at.line}, column ${at.col}: ` : ""}duplicate key '${key}' (keys must be unique)`)
        }
        seen.add(key)
      }
    }
  })
  return issues
}

/** Parse YAML text and validate it against `catalog` (its platforms and backends); every problem comes back with its key path or line. */
export const parseConfigText = (file: string, text: string, catalog: ConfigCatalog): Either.Either<HeraldConfig, ConfigError> => {
  if (parsedLast !== undefined && parsedLast.file === file && parsedLast.text === text && parsedLast.catalog === catalog) {
    return parsedLast.result
  }
  if (text.length > MAX_CONFIG_BYTES && Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    return Either.left(
      new ConfigError({
        file,
        issues: [`the file is ${mib(Buffer.byteLength(text))}, over herald's limit of ${mib(MAX_CONFIG_BYTES)} for a config: split its accounts over several config files`]
      })
    )
  }
  // the common shape of a config, read in one pass without building a Document; anything
  // else (and every syntax error) goes to the yaml package, which also words the errors
  const plain = parsePlainYaml(text)
  if (plain !== undefined) {
    const result = validated(file, plain.value, catalog)
    parsedLast = { file, text, catalog, result, doc: undefined, plain: Either.isRight(result) ? plain : undefined }
    return result
  }
  const lineCounter = new YAML.LineCounter()
  const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter })
  const result = parseDocumentOf(file, doc, lineCounter, catalog)
  parsedLast = { file, text, catalog, result, doc: Either.isRight(result) ? doc : undefined, plain: undefined }
  return result
}

const parseDocumentOf = (
  file: string,
  doc: YAML.Document,
  lines: YAML.LineCounter,
  catalog: ConfigCatalog
): Either.Either<HeraldConfig, ConfigError> => {
  const syntax = doc.errors.map((e) => {
    const line = e.linePos?.[0]
    return `${line ? `line ${line.line}, column ${line.col}: ` : ""}${e.message.split("\n")[0]}`
  })
  const issues = syntax.length > 0 ? syntax : duplicateKeys(doc, lines)
  if (issues.length > 0) return Either.left(new ConfigError({ file, issues }))
  let raw: unknown
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (e) {
    // the yaml package throws a ReferenceError for too many aliases (and for an unknown one)
    const excessive = e instanceof Error && /alias count/i.test(e.message)
    return Either.left(
      new ConfigError({
        file,
        issues: [
          excessive
            ? `its aliases (*name) expand to more than ${MAX_ALIAS_COUNT} nodes, herald's limit: write the values out, or use fewer nested anchors`
            : `cannot read the file's aliases (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`
        ]
      })
    )
  }
  return validated(file, raw, catalog)
}

const validated = (file: string, raw: unknown, catalog: ConfigCatalog): Either.Either<HeraldConfig, ConfigError> =>
  validateConfigWith(catalog, raw).pipe(Either.mapLeft((issues) => new ConfigError({ file, issues })))

/** The file's text, or none where a discovered default does not exist. */
const readText = (location: ConfigLocation): Effect.Effect<Option.Option<string>, ConfigError> =>
  Effect.tryPromise(() => fs.readFile(location.file, "utf8")).pipe(
    Effect.map(Option.some),
    Effect.catchAll((e) => {
      const code = (e.error as NodeJS.ErrnoException).code
      if (code === "ENOENT" && !location.explicit) return Effect.succeed(Option.none<string>())
      return Effect.fail(
        new ConfigError({
          file: location.file,
          issues: [code === "ENOENT" ? "no such file (check --config or HERALD_CONFIG)" : `cannot read the file (${code ?? "error"})`]
        })
      )
    })
  )

const fromText = (
  location: ConfigLocation,
  text: Option.Option<string>,
  catalog: ConfigCatalog
): Effect.Effect<LoadedConfig, ConfigError> =>
  Option.isNone(text)
    ? Effect.succeed({ file: location.file, exists: false, config: {} })
    : Effect.map(parseConfigText(location.file, text.value, catalog), (config) => ({ file: location.file, exists: true, config }))

export const load = (location: ConfigLocation): Effect.Effect<LoadedConfig, ConfigError, Catalog> =>
  Effect.flatMap(Effect.zip(readText(location), Catalog), ([text, catalog]) => fromText(location, text, catalog))

export const appConfigFrom = (loaded: LoadedConfig): AppConfig["Type"] => ({
  ...loaded,
  connections: connectionsOf(loaded.config)
})

/**
 * Expiry metadata from the environment (`TIKTOK_ACCESS_TOKEN_EXPIRES_AT`) wins over the
 * file, like secrets do: where write-back stores into CI variables, the next run finds the
 * dates there, not in a config file that nobody rewrote.
 */
export const withEnvironmentMetadata = (snapshot: ConfigSnapshot): Effect.Effect<ConfigSnapshot, ConfigError> =>
  Effect.gen(function*() {
    // most runs set none of these: then thousands of connections need not each ask
    if ((yield* anyEnvEndingWith(metadataKeys.map((k) => `_${k.toUpperCase()}`))) === false) return snapshot
    const issues: Array<string> = []
    const connections: Array<Connection> = []
    for (const c of snapshot.connections) {
      let settings = c.settings
      for (const key of metadataKeys) {
        const name = envName(c, key)
        // read directly where it can be: asked per connection, Config's way costs an exception per unset name
        const value = yield* envVar(name)
        if (Option.isNone(value)) continue
        if (Option.isNone(Schema.decodeUnknownOption(Rfc3339)(value.value))) {
          issues.push(`${name} (environment): expected an RFC 3339 date such as 2026-11-22T16:00:00Z`)
          continue
        }
        settings = { ...settings, [key]: value.value }
      }
      connections.push(settings === c.settings ? c : { ...c, settings })
    }
    if (issues.length > 0) return yield* Effect.fail(new ConfigError({ file: snapshot.file, issues }))
    return { ...snapshot, connections }
  })

/**
 * The AppConfig for a `--config` flag value (or none), validated against the Catalog's
 * platforms and backends; `reload` reads the same file again.
 */
export const layer = (flag: Option.Option<string>): Layer.Layer<AppConfig, ConfigError, Catalog> =>
  Layer.effect(
    AppConfig,
    Effect.gen(function*() {
      const catalog = yield* Catalog
      const location = yield* discover(flag)
      // the environment does not change during a run: the same text makes the same snapshot
      // (for a thousand connections, rebuilding it under the lock cost tens of ms)
      let last: { readonly text: string | undefined; readonly snapshot: ConfigSnapshot } | undefined
      const reload = Effect.flatMap(readText(location), (read) => {
        const text = Option.getOrUndefined(read)
        return last !== undefined && last.text === text
          ? Effect.succeed(last.snapshot)
          : fromText(location, read, catalog).pipe(
            Effect.map(appConfigFrom),
            Effect.flatMap(withEnvironmentMetadata),
            Effect.tap((snapshot) => Effect.sync(() => void (last = { text, snapshot })))
          )
      })
      return { ...(yield* reload), reload }
    })
  )

/** An AppConfig from a value, for tests and for embedding herald with config from elsewhere. */
export const fromValue = (config: HeraldConfig, file = "herald.yaml"): Layer.Layer<AppConfig> =>
  Layer.succeed(AppConfig, appConfigFrom({ file, exists: true, config }))
