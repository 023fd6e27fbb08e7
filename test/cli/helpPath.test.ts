/**
 * Which argv the bin answers from its stored help pages (cli/frontDoor.ts `helpPath`):
 * exactly a help request for a command path, nothing more on the line.
 */
import { describe, expect, it } from "vitest"
import { HELP_PATHS, helpPath } from "../../src/cli/frontDoor.js"

describe("helpPath", () => {
  it("names the page of a bare help request", () => {
    expect(helpPath([])).toEqual([])
    expect(helpPath(["--help"])).toEqual([])
    expect(helpPath(["-h"])).toEqual([])
    expect(helpPath(["help"])).toEqual([])
    expect(helpPath(["auth"])).toEqual(["auth"])
    expect(helpPath(["auth", "--help"])).toEqual(["auth"])
    expect(helpPath(["help", "auth", "set"])).toEqual(["auth", "set"])
    expect(helpPath(["auth", "set", "-h"])).toEqual(["auth", "set"])
    expect(helpPath(["doctor", "--help"])).toEqual(["doctor"])
  })

  it("leaves everything else to the app: commands that run, unknown words, more on the line", () => {
    for (
      const args of [
        ["doctor"],
        ["auth", "status"],
        ["auth", "status", "all", "--help"],
        ["auth", "status", "--json", "--help"],
        ["--help", "auth"],
        ["help", "bogus"],
        ["bogus", "--help"],
        ["constructor"],
        ["constructor", "--help"],
        ["auth", "toString", "--help"],
        ["--version", "--help"],
        ["--help", "--help"]
      ]
    ) expect(helpPath(args), args.join(" ")).toBeUndefined()
  })

  it("every command path has a page, and each is its own request", () => {
    expect(HELP_PATHS).toHaveLength(17)
    for (const path of HELP_PATHS) expect(helpPath([...path, "--help"])).toEqual(path)
  })
})
