/**
 * A fast path for reading the YAML that config files are made of: block mappings of plain
 * keys whose values are mappings, plain, single- or double-quoted one-line scalars, or
 * one-line flow lists of such scalars, with comments and blank lines anywhere. That is what
 * `herald config init`, `auth login` and hand-edited configs hold, and what a config with
 * thousands of accounts is made of.
 *
 * It reads such text into the same value the `yaml` package's `parseDocument(text).toJS()`
 * gives (YAML 1.2 core schema) in one pass over the lines, about ten times faster, and
 * notes where each scalar value stands in the text, so that write-back can patch a value
 * in place without building the round-trip Document. Anything else — anchors, aliases,
 * tags, block scalars, sequences of blocks, multi-line scalars, flow mappings, odd
 * indentation, a duplicate key, a syntax error — answers `undefined`: the caller parses
 * with the `yaml` package, which handles all of YAML and words the errors.
 */

/** Where a scalar value stands in the text: [start, end) of its token, quotes included. */
export interface ScalarSpan {
  readonly start: number
  readonly end: number
  readonly style: "PLAIN" | "QUOTE_DOUBLE" | "QUOTE_SINGLE"
  /** whether the value read is a string (a plain `12` or `true` is not) */
  readonly string: boolean
}

export interface PlainParse {
  /** what `YAML.parseDocument(text).toJS()` gives */
  readonly value: unknown
  /** each scalar value that is a mapping's value (not a list item), by its key path */
  readonly scalars: ReadonlyMap<string, ScalarSpan>
  /** each key path that holds a mapping (the top level is "") */
  readonly mappings: ReadonlySet<string>
}

/** The key of `scalars` and `mappings` for a key path. */
export const pathKey = (path: ReadonlyArray<string>): string => path.join("\u0000")

const NULL = /^(?:~|null|Null|NULL)$/
const TRUE = /^(?:true|True|TRUE)$/
const FALSE = /^(?:false|False|FALSE)$/
const INT = /^[-+]?[0-9]+$/
const OCT = /^0o[0-7]+$/
const HEX = /^0x[0-9a-fA-F]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/
const INF = /^[-+]?\.(?:inf|Inf|INF)$/
const NAN = /^\.(?:nan|NaN|NAN)$/

// the first characters a plain scalar that is not a string can start with
const NOT_ONLY_STRING = /^[-+.~0-9nNtTfF]/

/** A plain scalar as the core schema reads it; undefined where this path does not decide. */
const resolvePlain = (s: string): unknown => {
  if (s === "") return null
  if (!NOT_ONLY_STRING.test(s)) return s
  if (NULL.test(s)) return null
  if (TRUE.test(s)) return true
  if (FALSE.test(s)) return false
  if (INT.test(s)) {
    const n = Number(s)
    // beyond 2^53 the yaml package keeps digits a Number cannot: leave those to it
    return Number.isSafeInteger(n) ? n : undefined
  }
  if (OCT.test(s)) return parseInt(s.slice(2), 8)
  if (HEX.test(s)) return parseInt(s.slice(2), 16)
  if (FLOAT.test(s)) return Number(s)
  if (INF.test(s)) return s.startsWith("-") ? -Infinity : Infinity
  if (NAN.test(s)) return NaN
  return s
}

// a key: a plain scalar that reads as a string; anything fancier goes to the yaml package
const KEY_LINE = /^( *)([A-Za-z0-9_][A-Za-z0-9_.\-/]*)[ ]*:(?:[ ]+(.*))?$/
// a plain value may not start with an indicator, nor hold ": " or " #" (those end it or are errors)
const PLAIN = /^[^\s\-?:,[\]{}#&*!|>'"%@`](?:[^:#\t]|:(?=\S)|(?<=\S)#)*$/
const PLAIN_DASH = /^[-?:](?=\S)(?:[^:#\t]|:(?=\S)|(?<=\S)#)*$/
const DOUBLE = /^"((?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*)"/
const SINGLE = /^'((?:[^'\u0000-\u001f]|'')*)'/
const REST = /^(?:[ ]+#.*)?[ ]*$/
const NON_SPACE = /[^ ]/
// what YAML does not allow unescaped (control characters, lone surrogates): the yaml package says so
const NOT_PRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]|\p{Surrogate}/u
const BLOCK_STOP = /[ ]#/
const FLOW_STOP = /[,\]]|[ ]#/

interface Scalar {
  readonly value: unknown
  readonly length: number
  readonly style: ScalarSpan["style"]
}

/** One scalar at the start of `text` (a flow item when `inFlow`), or undefined. */
const scalarAt = (text: string, inFlow: boolean): Scalar | undefined => {
  if (text.startsWith("\"")) {
    const m = DOUBLE.exec(text)
    if (m === null) return undefined
    return { value: JSON.parse(m[0]) as string, length: m[0].length, style: "QUOTE_DOUBLE" }
  }
  if (text.startsWith("'")) {
    const m = SINGLE.exec(text)
    if (m === null) return undefined
    return { value: m[1]!.replace(/''/g, "'"), length: m[0].length, style: "QUOTE_SINGLE" }
  }
  // the plain scalar runs to a comment or the line's end (in a list: to `,` or `]`)
  const at = text.search(inFlow ? FLOW_STOP : BLOCK_STOP)
  const raw = (at < 0 ? text : text.slice(0, at)).replace(/[ ]+$/, "")
  if (raw === "" || !(PLAIN.test(raw) || PLAIN_DASH.test(raw))) return undefined
  if (inFlow && /[[\]{}]/.test(raw)) return undefined
  const value = resolvePlain(raw)
  return value === undefined ? undefined : { value, length: raw.length, style: "PLAIN" }
}

/** `[a, "b", 3]` on one line, or undefined. */
const flowList = (text: string): { readonly value: Array<unknown>; readonly length: number } | undefined => {
  const items: Array<unknown> = []
  let i = 1
  const skip = () => {
    while (text[i] === " ") i++
  }
  skip()
  if (text[i] === "]") return { value: items, length: i + 1 }
  for (;;) {
    const s = scalarAt(text.slice(i), true)
    if (s === undefined) return undefined
    items.push(s.value)
    i += s.length
    skip()
    if (text[i] === "]") return { value: items, length: i + 1 }
    if (text[i] !== ",") return undefined
    i++
    skip()
    // a trailing comma before the bracket is allowed in YAML flow lists
    if (text[i] === "]") return { value: items, length: i + 1 }
  }
}

// config keys repeat thousands of times (refresh_token, accounts): each is resolved once
const stringKeys = new Set<string>()
const keyReadsAsString = (key: string): boolean => {
  if (stringKeys.has(key)) return true
  if (key === "__proto__" || typeof resolvePlain(key) !== "string") return false
  if (stringKeys.size < 4096) stringKeys.add(key)
  return true
}

interface Level {
  /** the indentation of the key that opened this level (-1: the top) */
  readonly indent: number
  /** pathKey of the level's key path */
  readonly path: string
  /** the mapping the level's keys go into; made when its first key comes */
  map: Record<string, unknown> | undefined
  /** where that mapping goes: under `key` of `parent` (the top: parent undefined) */
  readonly parent: Record<string, unknown> | undefined
  readonly key: string
  /** the indentation of this level's keys, once the first is seen */
  childIndent: number | undefined
}

/** The value and scalar positions of `text`, when it is in the subset this reads; else undefined. */
export const parsePlainYaml = (text: string): PlainParse | undefined => {
  // a byte-order mark, CR line ends, tabs, directives and documents are the yaml package's
  if (text.includes("\r") || text.includes("\t") || text.charCodeAt(0) === 0xfeff || NOT_PRINTABLE.test(text)) return undefined
  const scalars = new Map<string, ScalarSpan>()
  const mappings = new Set<string>()
  const top: Level = { indent: -1, path: "", map: undefined, parent: undefined, key: "", childIndent: undefined }
  const stack: Array<Level> = [top]
  // the indentation of the last key that holds a scalar or list: nothing may be nested under it
  let leafIndent = -1
  let start = 0
  while (start <= text.length) {
    const newline = text.indexOf("\n", start)
    const end = newline < 0 ? text.length : newline
    const line = text.slice(start, end)
    const lineStart = start
    start = end + 1
    const first = line.search(NON_SPACE)
    if (first < 0 || line.charCodeAt(first) === 35 /* # */) continue
    if (first === 0 && (line.startsWith("---") || line.startsWith("...") || line.startsWith("%"))) return undefined
    const m = KEY_LINE.exec(line)
    if (m === null) return undefined
    const indent = m[1]!.length
    const key = m[2]!
    if (!keyReadsAsString(key)) return undefined
    if (leafIndent >= 0 && indent > leafIndent) return undefined
    while (stack[stack.length - 1]!.indent >= indent) stack.pop()
    const parent = stack[stack.length - 1]!
    if (parent.childIndent === undefined) parent.childIndent = indent
    else if (parent.childIndent !== indent) return undefined
    if (parent.map === undefined) {
      parent.map = {}
      if (parent.parent !== undefined) parent.parent[parent.key] = parent.map
      mappings.add(parent.path)
    }
    const map = parent.map
    if (Object.prototype.hasOwnProperty.call(map, key)) return undefined
    const path = parent.indent < 0 ? key : `${parent.path}\u0000${key}`
    const rest = m[3] ?? ""
    if (rest === "" || rest.charCodeAt(0) === 35 /* # */) {
      // a mapping follows on deeper lines, or this key's value is null
      map[key] = null
      stack.push({ indent, path, map: undefined, parent: map, key, childIndent: undefined })
      leafIndent = -1
      continue
    }
    const valueStart = lineStart + line.length - rest.length
    if (rest.charCodeAt(0) === 91 /* [ */) {
      const list = flowList(rest)
      if (list === undefined || !REST.test(rest.slice(list.length))) return undefined
      map[key] = list.value
    } else {
      const s = scalarAt(rest, false)
      if (s === undefined || (s.length < rest.length && !REST.test(rest.slice(s.length)))) return undefined
      map[key] = s.value
      scalars.set(path, { start: valueStart, end: valueStart + s.length, style: s.style, string: typeof s.value === "string" })
    }
    leafIndent = indent
  }
  // no content at all reads as null, as the yaml package has it
  return { value: top.map ?? null, scalars, mappings }
}
