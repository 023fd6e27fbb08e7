/**
 * The journal's file format, pure: one JSON object per line, appended, never rewritten in
 * place (./JournalFile.ts does the file work).
 *
 *   {"n":7,"put":"tiktok:brand","entry":{…}}   this connection's entry is now `entry`
 *   {"n":8,"del":"tiktok:brand"}               it has none any more
 *
 * `n` numbers the lines of a file: replay applies them in that order and skips a number it
 * has already seen. So a line written twice (an append retried after a failed fsync) and a
 * copy of an older line found after a newer one change nothing. A line that does not parse
 * — the torn end of an append a crash cut short — is skipped, wherever it is: every line is
 * whole on its own, so nothing after it depends on it.
 *
 * Older versions wrote one JSON object of entries (by connection label); such a file reads
 * as those entries.
 */
import type { JournalEntry } from "../../services/Journal.js"

export type Entries = Record<string, JournalEntry>

/** One change to the journal's entries, as it is appended. */
export type Op =
  | { readonly put: string; readonly entry: JournalEntry }
  | { readonly del: string }

export interface Replayed {
  /** the entries the file holds */
  readonly entries: Entries
  /** the highest line number seen: the next line is numbered after it */
  readonly last: number
  /** lines that held no whole, well-formed change (torn, or not the journal's) */
  readonly skipped: number
  /** lines that repeated a number already applied */
  readonly duplicates: number
  /** lines in the file that changed something: with `entries`, how much compaction saves */
  readonly lines: number
  /** the file was the older one-object format */
  readonly legacy: boolean
  /** the text ends in the middle of a line: the next append must start a new one */
  readonly openLine: boolean
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x)

const isStrings = (x: unknown): x is Record<string, string> =>
  isRecord(x) && Object.values(x).every((v) => typeof v === "string")

/** Is `x` an entry as the journal writes them? (A line from elsewhere is skipped, not trusted.) */
export const isEntry = (x: unknown): x is JournalEntry =>
  isRecord(x) && typeof x["platform"] === "string" && typeof x["account"] === "string" && typeof x["at"] === "string" &&
  isStrings(x["secrets"]) && isStrings(x["metadata"]) && (x["writtenIn"] === undefined || typeof x["writtenIn"] === "string")

/** The lines for `ops`, numbered from `first`; each ends in a newline. */
export const encode = (ops: ReadonlyArray<Op>, first: number): string =>
  ops.map((op, i) => JSON.stringify({ n: first + i, ...op }) + "\n").join("")

/** Apply one op to `entries` (in place). */
export const applyOp = (entries: Entries, op: Op): void => {
  if ("put" in op) entries[op.put] = op.entry
  else delete entries[op.del]
}

const parseLine = (line: string): { readonly n: number; readonly op: Op } | undefined => {
  let x: unknown
  try {
    x = JSON.parse(line)
  } catch {
    return undefined
  }
  if (!isRecord(x) || typeof x["n"] !== "number" || !Number.isSafeInteger(x["n"])) return undefined
  if (typeof x["put"] === "string" && isEntry(x["entry"])) return { n: x["n"], op: { put: x["put"], entry: x["entry"] } }
  if (typeof x["del"] === "string") return { n: x["n"], op: { del: x["del"] } }
  return undefined
}

/** The older format: the whole text is one object of entries. */
const legacyEntries = (text: string): Entries | undefined => {
  if (!text.trimStart().startsWith("{")) return undefined
  let x: unknown
  try {
    x = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!isRecord(x) || "n" in x) return undefined
  const entries: Entries = {}
  for (const [label, entry] of Object.entries(x)) if (isEntry(entry)) entries[label] = entry
  return entries
}

/** What a journal file's text holds. */
export const replay = (text: string): Replayed => {
  const old = legacyEntries(text)
  if (old !== undefined) {
    return { entries: old, last: 0, skipped: 0, duplicates: 0, lines: Object.keys(old).length, legacy: true, openLine: false }
  }
  const parsed: Array<{ readonly n: number; readonly op: Op }> = []
  let skipped = 0
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    const found = parseLine(line)
    if (found === undefined) skipped++
    else parsed.push(found)
  }
  // in number order (a stable sort keeps a file's own order among equal numbers)
  parsed.sort((a, b) => a.n - b.n)
  const entries: Entries = {}
  const seen = new Set<number>()
  let duplicates = 0
  for (const { n, op } of parsed) {
    if (seen.has(n)) {
      duplicates++
      continue
    }
    seen.add(n)
    applyOp(entries, op)
  }
  return {
    entries,
    last: parsed.reduce((m, p) => Math.max(m, p.n), 0),
    skipped,
    duplicates,
    lines: parsed.length - duplicates,
    legacy: false,
    openLine: text.length > 0 && !text.endsWith("\n")
  }
}

/** The journal's entries as a fresh file: one put per entry, numbered from 1. */
export const compacted = (entries: Entries): string =>
  encode(Object.entries(entries).map(([put, entry]) => ({ put, entry })), 1)
