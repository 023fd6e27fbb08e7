/**
 * Scrubbing secret values out of text herald relays (DESIGN §2 rule 7): a platform's
 * `error_description`, a GitLab `message`, a `then` command's output can quote a token.
 * Pure: which forms of a value are looked for, and how a text is cleaned.
 */
import type { Report, Status } from "./Status.js"

/** What a scrubbed value is replaced with. */
export const SCRUBBED = "<redacted>"

/**
 * Values shorter than this are not scrubbed: a 3-character "secret" (a test value, a
 * placeholder) would mangle ordinary words in every message, and a value that short is
 * not a credential anyone can use.
 */
export const MIN_SCRUB_LENGTH = 6

/** Characters that URL-encoding and JSON-escaping both leave as they are. */
const PLAIN = /^[A-Za-z0-9\-_.!~*'()]*$/

/** The forms a value takes when a server quotes it: as sent, URL-encoded (both styles) and JSON-escaped. */
export const formsOf = (value: string): ReadonlyArray<string> => {
  // most tokens need no escaping of any kind: then every form is the value itself
  if (PLAIN.test(value)) return value.length >= MIN_SCRUB_LENGTH ? [value] : []
  const url = encodeURIComponent(value)
  const forms = new Set([value, url, url.replace(/%20/g, "+"), JSON.stringify(value).slice(1, -1)])
  // an answer quoting a JSON body that quoted the value escapes it twice
  forms.add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1))
  return [...forms].filter((f) => f.length >= MIN_SCRUB_LENGTH)
}

/** Where a text was cut short (`clip`): a value cut there leaves its start before the marker. */
const CLIP_MARKER = /\.\.\.|…/g

/** How much of a cut value's start is still worth removing (shorter starts are ordinary text). */
const MIN_CUT_PREFIX = 4

/**
 * The values to scrub, indexed by their first characters and then by length, so that
 * cleaning a text costs a look-up per character whatever the number of values (a run of
 * 5,000 connections knows some 20,000), and a new value is added without rebuilding
 * anything. Tokens often share their first characters (TikTok's all start `rft.` or
 * `act.`): within those, a form is found by its length and a set, never by a scan of
 * every form that starts the same way.
 */
export interface ScrubIndex {
  readonly add: (value: string) => void
  readonly scrub: (text: string) => string
}

const push = <V>(map: Map<string, Array<V>>, key: string, value: V) => {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

/** The forms that start with the same MIN_SCRUB_LENGTH characters, by length. */
interface Bucket {
  /** the lengths there are, longest first */
  readonly lengths: Array<number>
  readonly byLength: Map<number, Set<string>>
}

export const makeScrubIndex = (): ScrubIndex => {
  // every form, keyed by its first MIN_SCRUB_LENGTH characters
  const forms = new Map<string, Bucket>()
  // the first two characters of every form, as one number: most places in a text start no
  // form, and are passed over without a string made for the look-up
  const pairs = new Set<number>()
  // every value, keyed by its first MIN_CUT_PREFIX characters (for values cut short by `…`)
  const starts = new Map<string, Array<string>>()
  const seen = new Set<string>()
  let longest = 0

  const addForm = (form: string) => {
    const key = form.slice(0, MIN_SCRUB_LENGTH)
    pairs.add(form.charCodeAt(0) * 65_536 + form.charCodeAt(1))
    let bucket = forms.get(key)
    if (bucket === undefined) {
      bucket = { lengths: [], byLength: new Map() }
      forms.set(key, bucket)
    }
    let same = bucket.byLength.get(form.length)
    if (same === undefined) {
      same = new Set()
      bucket.byLength.set(form.length, same)
      bucket.lengths.push(form.length)
      bucket.lengths.sort((a, b) => b - a)
    }
    same.add(form)
  }

  const add = (value: string) => {
    if (value.length < MIN_SCRUB_LENGTH || seen.has(value)) return
    seen.add(value)
    longest = Math.max(longest, value.length)
    for (const form of formsOf(value)) addForm(form)
    push(starts, value.slice(0, MIN_CUT_PREFIX), value)
  }

  /** The length of the longest form that stands at `i` in `text`, or 0. */
  const formAt = (text: string, i: number): number => {
    if (!pairs.has(text.charCodeAt(i) * 65_536 + text.charCodeAt(i + 1))) return 0
    const bucket = forms.get(text.slice(i, i + MIN_SCRUB_LENGTH))
    if (bucket === undefined) return 0
    for (const length of bucket.lengths) {
      if (i + length <= text.length && bucket.byLength.get(length)!.has(text.slice(i, i + length))) return length
    }
    return 0
  }

  /** Every form of every value replaced: at each place the longest form that stands there. */
  const replaceForms = (text: string): string => {
    let out = ""
    let from = 0
    for (let i = 0; i + MIN_SCRUB_LENGTH <= text.length;) {
      const found = formAt(text, i)
      if (found === 0) {
        i++
        continue
      }
      out += text.slice(from, i) + SCRUBBED
      i += found
      from = i
    }
    return from === 0 ? text : out + text.slice(from)
  }

  /** Where a message was clipped (`…` or `...`) inside a value, the start of that value goes too. */
  const cutEnds = (text: string): string => {
    if (!text.includes("...") && !text.includes("…")) return text
    let out = ""
    let from = 0
    for (const m of text.matchAll(CLIP_MARKER)) {
      const at = m.index
      let cut = 0
      // the longest start of a value that the text ends with just before the marker
      for (let k = Math.min(longest - 1, at - from); k >= MIN_CUT_PREFIX; k--) {
        const piece = text.slice(at - k, at)
        if (starts.get(piece.slice(0, MIN_CUT_PREFIX))?.some((v) => v.length > k && v.startsWith(piece))) {
          cut = k
          break
        }
      }
      out += text.slice(from, at - cut) + (cut > 0 ? SCRUBBED : "")
      from = at
    }
    return out + text.slice(from)
  }

  return { add, scrub: (text) => (seen.size === 0 ? text : cutEnds(replaceForms(text))) }
}

/**
 * A scrubbing function for `values`: every form of every value is replaced, longest
 * first (so a value that contains another is removed whole), and where a message was
 * clipped (`…` or `...`) in the middle of a value, the start of that value is removed too.
 */
export const makeScrub = (values: Iterable<string>): (text: string) => string => {
  const index = makeScrubIndex()
  for (const v of values) index.add(v)
  return index.scrub
}

/** The report with `scrub` applied to every text in it (details, reasons, remedies). */
export const scrubReport = (report: Report, scrub: (text: string) => string): Report => ({
  ...report,
  statuses: report.statuses.map((s) => scrubStatus(s, scrub)),
  ...(report.distribution !== undefined
    ? {
      distribution: report.distribution.map((d) => ({
        ...d,
        detail: scrub(d.detail),
        ...(d.remedy !== undefined ? { remedy: scrub(d.remedy) } : {})
      }))
    }
    : {}),
  ...(report.notification !== undefined ? { notification: { ...report.notification, detail: scrub(report.notification.detail), held: report.notification.held.map(scrub) } } : {})
})

export const scrubStatus = (status: Status, scrub: (text: string) => string): Status => ({ ...status, detail: scrub(status.detail) })
