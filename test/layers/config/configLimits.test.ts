/**
 * Hostile and huge config files (issue 16 item 6): alias expansion is bounded, parsing is
 * linear in the number of accounts, and a file too large to be a config is refused.
 */
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import * as ConfigFile from "../../../src/layers/config/ConfigFile.js"
import { configCatalog } from "../../../src/programs/configCatalog.js"

const FILE = "/srv/herald/config.yaml"

const laughs = [
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  ...["b", "c", "d", "e", "f", "g", "h", "i"].map((k, i, all) => {
    const prev = i === 0 ? "a" : all[i - 1]
    return `${k}: &${k} [${Array(9).fill(`*${prev}`).join(", ")}]`
  }),
  "platforms: {}",
  ""
].join("\n")

const accounts = (n: number, from = 0): string =>
  ["platforms:", "  x:", "    client_id: cid", "    accounts:"]
    .concat(Array.from({ length: n }, (_, i) => `      a${from + i}: { access_token_expires_at: 2026-11-22T16:00:00Z }`))
    .join("\n") + "\n"

const issuesOf = (text: string, file = FILE): ReadonlyArray<string> =>
  Either.match(ConfigFile.parseConfigText(file, text, configCatalog), { onLeft: (e) => e.issues, onRight: () => [] })

/** The fastest of `runs` parses, in ms (the machine is shared: the minimum is the least noisy). */
const parseMs = (text: string, tag: string, runs = 3): number => {
  let best = Infinity
  for (let i = 0; i < runs; i++) {
    // a different file name each time: parseConfigText keeps the last result
    const started = performance.now()
    const parsed = ConfigFile.parseConfigText(`${FILE}.${tag}.${i}`, text, configCatalog)
    best = Math.min(best, performance.now() - started)
    expect(Either.isRight(parsed)).toBe(true)
  }
  return best
}

describe("config limits", () => {
  it("a billion-laughs file is an invalid config naming the alias limit, not a crash", () => {
    const result = ConfigFile.parseConfigText(FILE, laughs, configCatalog)
    expect(Either.isLeft(result)).toBe(true)
    const error = Either.getLeft(result).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
    expect(error._tag).toBe("ConfigError")
    expect(error.file).toBe(FILE)
    expect(error.issues).toEqual([
      `its aliases (*name) expand to more than ${ConfigFile.MAX_ALIAS_COUNT} nodes, herald's limit: write the values out, or use fewer nested anchors`
    ])
  })

  it("a few shared anchors are fine", () => {
    const text = "platforms:\n  x:\n    client_id: &cid shared-client\n    accounts:\n      brand: { client_id: *cid }\n"
    expect(issuesOf(text)).toEqual([])
  })

  it("duplicate keys are still an error, with the line", () => {
    expect(issuesOf("platforms:\n  x:\n    accounts:\n      a: {}\n      b: {}\n      a: {}\n")).toEqual([
      "line 6, column 7: duplicate key 'a' (keys must be unique)"
    ])
  })

  it("a file over the size limit is refused before parsing, with the limit named", () => {
    const big = accounts(1).padEnd(ConfigFile.MAX_CONFIG_BYTES + 1024 * 1024, "#")
    expect(issuesOf(big)).toEqual([
      "the file is 9.0 MiB, over herald's limit of 8.0 MiB for a config: split its accounts over several config files"
    ])
  })

  it("32k accounts parse in a few seconds, not the quadratic tens of seconds", () => {
    parseMs(accounts(2000, 100_000), "warm")
    // measured on a shared 2-core machine: ~1-3 s now; the yaml package's duplicate-key check
    // (each key against every earlier one in its mapping) took ~20 s, and 4x that for 64k
    const ms = parseMs(accounts(32_000), "32k", 1)
    expect(ms).toBeLessThan(8000)
  }, 60_000)
})
