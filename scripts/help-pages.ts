/**
 * Run by scripts/build.mjs (bundled first): every help page of the command tree as the app
 * itself prints it, captured with colour, into the JSON file named by the first argument.
 * The bin (src/main.ts) answers a bare help request from that file, so `herald --help` does
 * not load the app; the text is @effect/cli's own output, byte for byte
 * (test/e2e/fastStart.test.ts compares it with the app's rendering).
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { writeFileSync } from "node:fs"
import { format } from "node:util"
import { HELP_PATHS, helpKey } from "../src/cli/frontDoor.js"
import { heraldCli } from "../src/cli/heraldCli.js"
import { PlatformLive } from "../src/cli/platformLayer.js"

const file = process.argv[2]
if (file === undefined) throw new Error("usage: help-pages OUT.json")

// the app colours its help on a terminal only: this process is one, so the pages keep their
// colours, and the bin strips them where the app would (cli/colour.ts)
Object.defineProperty(process.stdout, "isTTY", { value: true })
delete process.env["NO_COLOR"]
if (process.env["TERM"] === "dumb") delete process.env["TERM"]

const cli = heraldCli()

const page = (path: ReadonlyArray<string>) => {
  let out = ""
  let err = ""
  const capture = Console.consoleWith((base) =>
    Effect.succeed<Console.Console>({
      ...base,
      log: (...args) => Effect.sync(() => void (out += `${format(...args)}\n`)),
      error: (...args) => Effect.sync(() => void (err += `${format(...args)}\n`))
    })
  )
  return capture.pipe(
    Effect.flatMap((console) => Console.withConsole(cli(["node", "herald", ...path, "--help"]), console)),
    Effect.provide(PlatformLive),
    Effect.exit,
    Effect.flatMap((exit) =>
      Exit.isSuccess(exit) && err === "" && out.includes("\u001b[")
        ? Effect.succeed(out)
        : Effect.dieMessage(`herald ${helpKey(path)} --help did not print a coloured help page: ${err}${String(exit)}`)
    )
  )
}

const pages = await Effect.runPromise(
  Effect.forEach(HELP_PATHS, (path) => Effect.map(page(path), (text) => [helpKey(path), text] as const))
)
writeFileSync(file, `${JSON.stringify(Object.fromEntries(pages))}\n`)
