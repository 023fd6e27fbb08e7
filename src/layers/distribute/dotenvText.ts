/**
 * Rewriting a .env file's text: the named keys get their new values where they stand,
 * everything else (comments, blank lines, unrelated keys, order, `export`, spacing, line
 * endings, inline comments) is kept byte for byte; keys the file lacks are appended. Pure.
 */

const ASSIGNMENT = /^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_.-]*)(\s*=\s*)(.*)$/

/** Characters every dotenv reader (docker --env-file, compose, dotenv, systemd) takes literally unquoted. */
const BARE = /^[A-Za-z0-9_.~+/=:@%,-]*$/

/**
 * The value as written after `KEY=`. Bare where possible, because `docker run --env-file`
 * does not strip quotes; single quotes (no interpolation anywhere) for anything else
 * printable; double quotes with escapes only for what single quotes cannot hold.
 */
export const serialiseValue = (value: string): string => {
  if (BARE.test(value)) return value
  if (!/['\r\n]/.test(value)) return `'${value}'`
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\r/g, "\\r").replace(/\n/g, "\\n")}"`
}

/** Where a quoted value closes in `s` (which starts after the opening quote), or -1. */
const closingQuote = (s: string, quote: string): number => {
  for (let i = 0; i < s.length; i++) {
    if (quote === "\"" && s[i] === "\\") {
      i++
      continue
    }
    if (s[i] === quote) return i
  }
  return -1
}

interface Parsed {
  /** how many lines the assignment spans (a quoted value may run over several) */
  readonly span: number
  /** what follows the value on its last line: an inline comment, or nothing */
  readonly trailing: string
}

/**
 * The extent of the value that starts at `rest` on line `i`. A quoted value runs over
 * several lines only when it really closes: on a line that is not an assignment of its
 * own, with nothing but a comment after the quote. An unclosed `KEY="old` (or one whose
 * "closing" quote is the opening quote of a later `API_URL="…"`) ends with its own line:
 * docker compose and systemd read the lines after it independently, and a rewrite must
 * never take a line it does not own.
 */
const parseValue = (lines: ReadonlyArray<string>, i: number, rest: string): Parsed => {
  const quote = rest[0]
  if (quote === "\"" || quote === "'" || quote === "`") {
    let text = rest.slice(1)
    for (let j = i; j < lines.length; j++) {
      const at = closingQuote(text, quote)
      if (at >= 0) {
        const trailing = text.slice(at + 1)
        const closes = /^\s*(#.*)?$/.test(trailing) && (j === i || !ASSIGNMENT.test(stripCr(lines[j]!)))
        if (closes || j === i) return { span: j - i + 1, trailing }
        break
      }
      const next = lines[j + 1]
      if (next === undefined) break
      text = stripCr(next)
    }
    return { span: 1, trailing: "" }
  }
  const comment = rest.search(/\s#/)
  return { span: 1, trailing: comment >= 0 ? rest.slice(comment) : "" }
}

const stripCr = (line: string): string => (line.endsWith("\r") ? line.slice(0, -1) : line)

export interface DotenvValue {
  readonly key: string
  readonly value: string
}

/** Pure: the file's new text with `values` set. Every occurrence of a key is updated. */
export const rewriteDotenv = (text: string, values: ReadonlyArray<DotenvValue>): string => {
  const wanted = new Map(values.map((v) => [v.key, v.value]))
  const written = new Set<string>()
  const lines = text === "" ? [] : text.split("\n")
  // a final newline leaves an empty last element: it is the end of the file, not a line
  const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === ""
  if (endsWithNewline) lines.pop()
  const crlf = lines.some((l) => l.endsWith("\r"))
  const out: Array<string> = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const m = ASSIGNMENT.exec(stripCr(line))
    if (m === null) {
      out.push(line)
      continue
    }
    const [, prefix, key, eq, rest] = m as unknown as [string, string, string, string, string]
    const parsed = parseValue(lines, i, rest)
    const value = wanted.get(key)
    if (value === undefined) {
      out.push(...lines.slice(i, i + parsed.span))
    } else {
      const last = lines[i + parsed.span - 1]!
      out.push(`${prefix}${key}${eq}${serialiseValue(value)}${parsed.trailing}${last.endsWith("\r") ? "\r" : ""}`)
      written.add(key)
    }
    i += parsed.span - 1
  }
  const missing = values.filter((v) => !written.has(v.key))
  const eol = crlf ? "\r" : ""
  for (const v of missing) out.push(`${v.key}=${serialiseValue(v.value)}${eol}`)
  if (out.length === 0) return ""
  return out.join("\n") + (endsWithNewline || missing.length > 0 || lines.length === 0 ? "\n" : "")
}
