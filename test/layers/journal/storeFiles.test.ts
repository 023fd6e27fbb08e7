/** Issue 14 item 3: one lock and one journal per real config file, however it is reached. */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import { storeFilesFor } from "../../../src/layers/journal/storeFiles.js"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "herald-store-")))
  dirs.push(d)
  return d
}

const filesFor = (file: string, state: string) =>
  Effect.runSync(storeFilesFor(file).pipe(Effect.withConfigProvider(ConfigProvider.fromJson({ XDG_STATE_HOME: state }))))

describe("storeFilesFor", () => {
  it("the config through a symlink, by its real path, and with another XDG_STATE_HOME: the same lock and journal, beside the real file", () => {
    const dir = tempDir()
    fs.mkdirSync(path.join(dir, "dotfiles"))
    const real = path.join(dir, "dotfiles", "herald.yaml")
    fs.writeFileSync(real, "")
    const link = path.join(dir, "config.yaml")
    fs.symlinkSync("dotfiles/herald.yaml", link)

    const a = filesFor(real, path.join(dir, "state-a"))
    const b = filesFor(link, path.join(dir, "state-b"))
    expect(a.lock).toBe(path.join(dir, "dotfiles", ".herald.yaml.herald-lock"))
    expect(a.journal).toBe(path.join(dir, "dotfiles", ".herald.yaml.herald-journal"))
    expect(b.lock).toBe(a.lock)
    expect(b.journal).toBe(a.journal)
    expect(a.extraLinks).toBe(0)
  })

  it("a config that does not exist yet has the identity it will have: reached through a symlinked folder or directly", () => {
    const dir = tempDir()
    fs.mkdirSync(path.join(dir, "real"))
    fs.symlinkSync(path.join(dir, "real"), path.join(dir, "via"))
    const direct = filesFor(path.join(dir, "real", "config.yaml"), path.join(dir, "s1"))
    const linked = filesFor(path.join(dir, "via", "config.yaml"), path.join(dir, "s2"))
    expect(linked.lock).toBe(direct.lock)
    expect(direct.lock).toBe(path.join(dir, "real", ".config.yaml.herald-lock"))
  })

  it("names the journals older versions kept under the state dir, and counts hard links", () => {
    const dir = tempDir()
    const file = path.join(dir, "herald.yaml")
    fs.writeFileSync(file, "")
    fs.linkSync(file, path.join(dir, "other.yaml"))
    const files = filesFor(file, path.join(dir, "state"))
    expect(files.legacyJournals).toHaveLength(1)
    expect(files.legacyJournals[0]).toMatch(new RegExp(`^${path.join(dir, "state", "herald", "journal-")}[0-9a-f]{8}\\.json$`))
    expect(files.extraLinks).toBe(1)
  })
})
