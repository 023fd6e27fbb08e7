/**
 * The `herald` bin's entry. `herald --version` is answered here, before the app is imported:
 * loading and evaluating the bundle costs several times a bare node start, for one line. Every
 * other command loads the app (./cli/runMain.ts, a chunk of its own in the bundle).
 */
import { VERSION } from "./version.js"

const args = process.argv.slice(2)
if (args.length === 1 && args[0] === "--version") {
  process.stdout.write(`${VERSION}\n`)
} else {
  await import("./cli/runMain.js")
}
