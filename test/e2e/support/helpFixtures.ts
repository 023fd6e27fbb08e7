/**
 * The help pages herald printed before the help was answered from dist/help.json
 * (test/e2e/fixtures/help/), with `{platforms}` where a page lists the built-in platforms:
 * that list is the registry's, so a new platform changes no fixture.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { platformIds } from "../../../src/platforms/registry.js"

const fixtures = path.join(import.meta.dirname, "..", "fixtures", "help")

export const helpFixtureName = (p: ReadonlyArray<string>) => ["herald", ...p].join("-")

/** The names of the stored pages (without their extension `ext`). */
export const helpFixtureNames = (ext = "txt"): ReadonlyArray<string> =>
  fs.readdirSync(fixtures).filter((f) => f.endsWith(`.${ext}`)).map((f) => f.slice(0, -(ext.length + 1)))

/** The page of `herald <p…> --help` as stored: `txt` as a pipe gets it, `ansi` as a terminal does. */
export const helpFixture = (p: ReadonlyArray<string>, ext = "txt"): string =>
  fs.readFileSync(path.join(fixtures, `${helpFixtureName(p)}.${ext}`), "utf8").replaceAll("{platforms}", platformIds.join(", "))
