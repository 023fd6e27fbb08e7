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

/** The forms a value takes when a server quotes it: as sent, URL-encoded (both styles) and JSON-escaped. */
export const formsOf = (value: string): ReadonlyArray<string> => {
  const url = encodeURIComponent(value)
  const forms = new Set([value, url, url.replace(/%20/g, "+"), JSON.stringify(value).slice(1, -1)])
  // an answer quoting a JSON body that quoted the value escapes it twice
  forms.add(JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1))
  return [...forms].filter((f) => f.length >= MIN_SCRUB_LENGTH)
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Where a text was cut short (`clip`): a value cut there leaves its start before the marker. */
const CLIP_MARKER = /\.\.\.|…/g

/** How much of a cut value's start is still worth removing (shorter starts are ordinary text). */
const MIN_CUT_PREFIX = 4

/**
 * A scrubbing function for `values`: every form of every value is replaced, longest
 * first (so a value that contains another is removed whole), and where a message was
 * clipped (`…` or `...`) in the middle of a value, the start of that value is removed too.
 */
export const makeScrub = (values: Iterable<string>): (text: string) => string => {
  const kept = [...new Set(values)].filter((v) => v.length >= MIN_SCRUB_LENGTH)
  if (kept.length === 0) return (text) => text
  const forms = [...new Set(kept.flatMap(formsOf))].sort((a, b) => b.length - a.length)
  const pattern = new RegExp(forms.map(escapeRegExp).join("|"), "g")
  const cutEnds = (text: string): string => {
    if (!text.includes("...") && !text.includes("…")) return text
    let out = ""
    let from = 0
    for (const m of text.matchAll(CLIP_MARKER)) {
      const at = m.index
      let cut = 0
      for (const v of kept) {
        // the longest start of v that the text ends with just before the marker
        for (let k = Math.min(v.length - 1, at - from); k >= MIN_CUT_PREFIX && k > cut; k--) {
          if (text.startsWith(v.slice(0, k), at - k)) {
            cut = k
            break
          }
        }
      }
      out += text.slice(from, at - cut) + (cut > 0 ? SCRUBBED : "")
      from = at
    }
    return out + text.slice(from)
  }
  return (text) => cutEnds(text.replace(pattern, SCRUBBED))
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
