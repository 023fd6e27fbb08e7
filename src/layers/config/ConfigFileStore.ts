/**
 * Edits the config file in place with the `yaml` Document API, so comments, key order and
 * flow/block style survive.
 *
 * Writers are group-committed (../fs/groupCommit.ts): edits that arrive while a write is
 * under way go out together in the next one. A run's connections `stage` their edits
 * instead of waiting for a write each: what is staged is committed by a timer (every
 * COMMIT_EVERY, a few hundred ms) once `commitDue` says the rewrite is worth it, and when
 * the run waits for it at its end — a handful of writes for thousands of connections. A
 * rotated token is safe meanwhile: it is in the fsync'd journal, cleared only once the
 * commit holding it is durable.
 *
 * Before each write the file is looked at (device, inode, size, mtime, ctime): when it is
 * still what herald last wrote, the parsed document is reused without reading the file, and
 * changed values are patched into the text where they stand — parsing and re-printing a
 * large YAML file costs far more than the write itself. A file that changed is read again;
 * anything else (a new key, an unusual scalar, a file changed by someone else) goes through
 * the whole Document.
 */
import * as fsSync from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as YAML from "yaml"
import { AppConfig } from "../../services/AppConfig.js"
import { type ConfigEdit, ConfigStore, ConfigWriteError } from "../../services/ConfigStore.js"
import { atomicWrite, fsReason, probeFolderSync } from "../fs/atomicWrite.js"
import { nearestExisting, resolveForWrite, UntrustedSymlink } from "../fs/safePath.js"
import * as GroupCommit from "../fs/groupCommit.js"
import { parsedPlain, takeParsedDocument } from "./ConfigFile.js"
import { type PlainParse, parsePlainYaml, pathKey } from "./plainYaml.js"

const SECRET_MODE = 0o600

/** `tiktok:` with nothing under it is a null scalar; a key cannot be set inside that. */
const isEmpty = (node: unknown) => node === undefined || (YAML.isScalar(node) && node.value === null)

const applyTo = (doc: YAML.Document, edits: ReadonlyArray<ConfigEdit>): void => {
  if (doc.contents === null || !YAML.isMap(doc.contents)) doc.contents = doc.createNode({})
  for (const edit of edits) {
    for (let i = 1; i < edit.path.length; i++) {
      const parent = edit.path.slice(0, i)
      if (isEmpty(doc.getIn(parent, true))) doc.setIn(parent, doc.createNode({}))
    }
    const current = doc.getIn(edit.path, true)
    if (YAML.isScalar(current) && current.anchor !== undefined) unshare(doc, current)
    doc.setIn(edit.path, edit.value)
  }
}

/**
 * An anchored value (`refresh_token: &tok …`) that another connection aliases (`*tok`)
 * belongs to both: setting it in place would change the other one too. Each alias of it
 * gets its own copy of the current value first, and the anchor goes, so the edit changes
 * only the key it names.
 */
const unshare = (doc: YAML.Document, anchored: YAML.Scalar): void => {
  YAML.visit(doc, {
    Alias: (_, alias) => {
      if (alias.resolve(doc) !== anchored) return undefined
      const copy = new YAML.Scalar(anchored.value)
      if (anchored.type !== undefined) copy.type = anchored.type
      return copy
    }
  })
  delete anchored.anchor
}

/** Pure: the new text of a YAML document after `edits`. */
export const applyEdits = (text: string, edits: ReadonlyArray<ConfigEdit>): string => {
  const doc: YAML.Document = YAML.parseDocument(text, { uniqueKeys: false })
  applyTo(doc, edits)
  return doc.toString()
}

/** The first key of `edit.path` that holds a value other than a mapping (so nothing can be set under it). */
const blockedAt = (doc: YAML.Document, edit: ConfigEdit): string | undefined => {
  if (doc.contents === null || !YAML.isMap(doc.contents)) return undefined
  for (let i = 1; i < edit.path.length; i++) {
    const parent = edit.path.slice(0, i)
    const node = doc.getIn(parent, true)
    if (!isEmpty(node) && !YAML.isMap(node)) return parent.join(".")
  }
  return undefined
}

const printable = /^[\x20-\x7e]*$/
const plainSafe = /^[A-Za-z0-9][A-Za-z0-9_.\-:/+=~]*$/

/** The source text for `value` in place of `node`, in the node's own quoting, where that is simple. */
const scalarText = (node: Pick<YAML.Scalar, "type">, value: string): string | undefined => {
  if (!printable.test(value)) return undefined
  switch (node.type) {
    case "QUOTE_DOUBLE":
      return JSON.stringify(value)
    case "QUOTE_SINGLE":
      return `'${value.replace(/'/g, "''")}'`
    case "PLAIN":
      // a plain value must read back as this same string, not a number, boolean or null
      return plainSafe.test(value) && YAML.parse(value) === value ? value : JSON.stringify(value)
    default:
      return undefined
  }
}

/** A parsed file and the values changed in it since, as text patches over its source. */
interface Parsed {
  source: string
  /** the round-trip Document of `source`, built when an edit first needs it (docOf) */
  doc: YAML.Document | undefined
  /** where `source`'s values stand, from the fast path (../config/plainYaml.ts), until the Document is built */
  plain: PlainParse | undefined
  /** by the start offset of the replaced scalar in `source` */
  readonly patches: Map<number, { readonly end: number; readonly text: string }>
  /** `source` with the patches applied: what is on disk after the last write */
  text: string
}

// the document the config was loaded from, when the file has not changed since; else the
// fast path's reading of it, or (built when needed) a Document of its own
const parse = (source: string): Parsed => {
  const doc = takeParsedDocument(source)
  return {
    source,
    doc,
    plain: doc !== undefined ? undefined : parsedPlain(source) ?? parsePlainYaml(source),
    patches: new Map(),
    text: source
  }
}

/**
 * The Document, built from the text as it is now: patches made through the fast path's
 * positions are in it, and from here on every offset is the Document's own.
 */
const docOf = (parsed: Parsed): YAML.Document => {
  if (parsed.doc === undefined) {
    if (parsed.patches.size > 0) {
      parsed.source = render(parsed)
      parsed.patches.clear()
    }
    parsed.doc = YAML.parseDocument(parsed.source, { uniqueKeys: false })
    parsed.plain = undefined
  }
  return parsed.doc
}

/** The scalar at `path` as patching needs it: from the fast path's positions, or the Document's node. */
const scalarOf = (parsed: Parsed, path: ReadonlyArray<string>): { readonly node: Pick<YAML.Scalar, "type">; readonly start: number; readonly end: number; readonly set: (v: string) => void } | undefined => {
  if (parsed.doc === undefined && parsed.plain !== undefined) {
    const span = parsed.plain.scalars.get(pathKey(path))
    if (span === undefined || !span.string) return undefined
    return { node: { type: span.style }, start: span.start, end: span.end, set: () => undefined }
  }
  const node = docOf(parsed).getIn(path, true)
  if (!YAML.isScalar(node) || typeof node.value !== "string" || node.range == null) return undefined
  // an anchored or tagged value may be shared or typed: not ours to rewrite by hand
  if (node.anchor !== undefined || node.tag !== undefined) return undefined
  return { node, start: node.range[0], end: node.range[1], set: (v) => void (node.value = v) }
}

/** Try to change one existing scalar value by patching the text; false: leave it to the Document. */
const patch = (parsed: Parsed, edit: ConfigEdit): boolean => {
  if (typeof edit.value !== "string") return false
  const found = scalarOf(parsed, edit.path)
  if (found === undefined) return false
  const text = scalarText(found.node, edit.value)
  if (text === undefined) return false
  const { end, start } = found
  if (parsed.source.slice(start, end).includes("\n")) return false
  found.set(edit.value)
  parsed.patches.set(start, { end, text })
  return true
}

/** blockedAt, from the fast path's positions where every parent is a mapping there. */
const blockedIn = (parsed: Parsed, edit: ConfigEdit): string | undefined => {
  const plain = parsed.doc === undefined ? parsed.plain : undefined
  if (plain !== undefined) {
    let all = true
    for (let i = 1; i < edit.path.length && all; i++) all = plain.mappings.has(pathKey(edit.path.slice(0, i)))
    if (all && plain.mappings.has("")) return undefined
  }
  return blockedAt(docOf(parsed), edit)
}

const render = (parsed: Parsed): string => {
  const starts = [...parsed.patches.keys()].sort((a, b) => a - b)
  const parts: Array<string> = []
  let at = 0
  for (const start of starts) {
    const p = parsed.patches.get(start)!
    parts.push(parsed.source.slice(at, start), p.text)
    at = p.end
  }
  parts.push(parsed.source.slice(at))
  return parts.join("")
}

interface Pending {
  readonly edits: ReadonlyArray<ConfigEdit>
  readonly secret: boolean
}

/** A timed commit's rewrites may cost up to this many times the bytes the edits change… */
export const REWRITE_BUDGET = 2
/** …plus this much: a small file is committed on every tick until its rewrites add up to it. */
export const REWRITE_FREE = 32 * 1024

/**
 * Pure: is a timed commit of what is staged due? Each commit rewrites the whole file, so on
 * a large file a commit per timer tick would make the bytes written grow with N × the
 * file's size again. A commit is due while the rewrites made so far (`written`) stay within
 * REWRITE_BUDGET × the bytes of every value edited so far (`edited`) + REWRITE_FREE: the
 * first commit at once, a small file's on every tick, a large file's spaced by what a
 * rewrite costs — a few a run, however many connections it has. The run's end commits the
 * rest regardless.
 */
export const commitDue = (s: { readonly staged: number; readonly edited: number; readonly written: number }): boolean =>
  s.staged > 0 && s.written <= REWRITE_BUDGET * s.edited + REWRITE_FREE

/** What says a file changed without reading it: its identity, size and times (ns). */
const signatureOf = (file: string): string | undefined => {
  try {
    const st = fsSync.statSync(file, { bigint: true })
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
  } catch {
    return undefined
  }
}

const currentMode = (file: string) =>
  Effect.promise(() => fs.stat(file).then((s) => s.mode & 0o777, () => undefined))

export const make = (file: string) =>
  Effect.gen(function*() {
    const fail = (reason: string) => new ConfigWriteError({ file, reason })
    // the document as herald last wrote it; dropped whenever its offsets may not match the file
    let parsed: Parsed | undefined
    // bytes of the values edited, and of the file's rewrites, since the store was made (commitDue)
    let edited = 0
    let rewritten = 0
    // the file's signature right after that write: the same signature, the same text
    let signature: string | undefined

    // writable once is writable until a write says otherwise: every rotation's preflight
    // asks, and a thousand need not each ask the file system
    let writable = false
    // what a write will do: replace the real file (a symlink's trusted target) by a rename in
    // its folder, or create it (and its folders) where there is none yet
    const probe = Effect.try({
      try: () => {
        const { real, stat } = resolveForWrite(file)
        if (stat !== undefined) fsSync.accessSync(real, fsSync.constants.W_OK)
        probeFolderSync(nearestExisting(path.dirname(real)))
      },
      catch: (e) =>
        fail(e instanceof UntrustedSymlink ? e.message : `not writable (${fsReason(e as Error)})`)
    })
    const check = Effect.suspend(() =>
      writable ? Effect.void : Effect.tap(probe, () => Effect.sync(() => void (writable = true)))
    )

    const read = Effect.tryPromise({
      try: () => fs.readFile(file, "utf8"),
      catch: (e) => e as Error
    }).pipe(
      Effect.catchAll((e) =>
        (e as NodeJS.ErrnoException).code === "ENOENT"
          ? Effect.succeed("")
          : Effect.fail(fail(`cannot read it back (${fsReason(e)})`))
      )
    )

    /** The file's next text after the batch, and each writer's own error (its edits left out). */
    const edit = (current: Parsed, batch: ReadonlyArray<Pending>) => {
      const errors: Array<ConfigWriteError | undefined> = batch.map(() => undefined)
      let whole = false
      batch.forEach((p, i) => {
        for (const e of p.edits) {
          const blocked = blockedIn(current, e)
          if (blocked !== undefined) {
            errors[i] = fail(`cannot set ${e.path.join(".")}: ${blocked} holds a value, not a mapping`)
            return
          }
        }
        for (const e of p.edits) {
          if (whole || !patch(current, e)) {
            whole = true
            applyTo(docOf(current), [e])
          }
        }
      })
      return { text: whole ? docOf(current).toString() : render(current), whole, errors }
    }

    const commit = (batch: ReadonlyArray<Pending>) =>
      Effect.gen(function*() {
        const unchanged = parsed !== undefined && signature !== undefined && signatureOf(file) === signature
        const onDisk = unchanged ? undefined : yield* read
        const current = parsed !== undefined && (unchanged || parsed.text === onDisk) ? parsed : parse(onDisk ?? "")
        // until this write has landed, the in-memory document may be ahead of the file
        parsed = undefined
        signature = undefined
        const next = yield* Effect.try({
          try: () => edit(current, batch),
          catch: () => fail("the YAML document could not be edited")
        })
        const written = batch.filter((_, i) => next.errors[i] === undefined)
        if (written.length === 0) return next.errors
        const mode = written.some((p) => p.secret) ? SECRET_MODE : ((yield* currentMode(file)) ?? SECRET_MODE)
        // a first config: its folder is made private, like the file
        yield* Effect.try(() => fsSync.mkdirSync(path.dirname(resolveForWrite(file).real), { recursive: true, mode: 0o700 })).pipe(
          Effect.ignore
        )
        yield* atomicWrite(file, next.text, mode).pipe(
          Effect.tapError(() => Effect.sync(() => void (writable = false))),
          Effect.mapError((e) => fail(e instanceof UntrustedSymlink ? e.message : fsReason(e)))
        )
        rewritten += Buffer.byteLength(next.text)
        // after a whole re-print the offsets are stale: the next batch parses the file afresh
        if (!next.whole) {
          current.text = next.text
          parsed = current
          // a signature taken after someone else's write would vouch for their text: the size must be ours
          const now = signatureOf(file)
          if (now !== undefined && now.split(":")[2] === String(Buffer.byteLength(next.text))) signature = now
        }
        return next.errors
      })

    const writer = yield* GroupCommit.make(commit)

    const apply = (edits: ReadonlyArray<ConfigEdit>, options: { readonly secret: boolean }) =>
      edits.length === 0 ? Effect.void : writer.submit({ edits, secret: options.secret })

    const valueBytes = (edits: ReadonlyArray<ConfigEdit>) => edits.reduce((n, e) => n + Buffer.byteLength(e.value), 0)

    // queued only: the timer (or the run's end) commits it
    const stage = (edits: ReadonlyArray<ConfigEdit>, options: { readonly secret: boolean }) =>
      edits.length === 0
        ? Effect.succeed({ committed: Effect.void, commitNow: Effect.void })
        : Effect.suspend(() => {
          edited += valueBytes(edits)
          return writer.stage({ edits, secret: options.secret })
        })

    const due = Effect.map(writer.queued, (staged) => commitDue({ staged, edited, written: rewritten }))

    // `herald auth logout` removes while it holds the run lock, when no run's edits are in flight
    const remove = (paths: ReadonlyArray<ReadonlyArray<string>>) =>
      Effect.gen(function*() {
        const onDisk = yield* read
        const doc = YAML.parseDocument(onDisk)
        const there = paths.filter((p) => doc.hasIn(p))
        if (there.length === 0) return there
        for (const p of there) doc.deleteIn(p)
        parsed = undefined
        signature = undefined
        yield* atomicWrite(file, doc.toString(), (yield* currentMode(file)) ?? SECRET_MODE).pipe(
          Effect.mapError((e) => fail(fsReason(e)))
        )
        return there
      })

    return { file, check, apply, stage, remove, flush: writer.flush, staged: writer.queued, due } satisfies ConfigStore["Type"] & {
      readonly flush: Effect.Effect<void, ConfigWriteError>
      readonly staged: Effect.Effect<number>
      /** is a timed commit of what is staged due (commitDue)? */
      readonly due: Effect.Effect<boolean>
    }
  })

/** How often a run's timer looks at what is staged (and commits it when `commitDue`). */
export const COMMIT_EVERY = Duration.millis(250)

/**
 * The store with its timer: what is staged is committed every `every` while `commitDue`,
 * and once more when the scope closes (a commit's failure goes to the callers waiting for it).
 */
export const scoped = (file: string, every: Duration.DurationInput = COMMIT_EVERY) =>
  Effect.gen(function*() {
    const store = yield* make(file)
    const commitIfDue = Effect.flatMap(store.due, (due) => (due ? Effect.ignore(store.flush) : Effect.void))
    const commitStaged = Effect.flatMap(store.staged, (n) => (n === 0 ? Effect.void : Effect.ignore(store.flush)))
    yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(every), commitIfDue)))
    yield* Effect.addFinalizer(() => commitStaged)
    return store
  })

/** The store for the loaded config file. */
export const layer: Layer.Layer<ConfigStore, never, AppConfig> = Layer.scoped(
  ConfigStore,
  Effect.flatMap(AppConfig, (c) => scoped(c.file))
)
