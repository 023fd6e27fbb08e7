/**
 * Every file herald writes goes through one mechanism (src/layers/fs/atomicWrite.ts):
 * issue 14 items 4 and 9, issue 16 item 1.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { atomicWriteSync, probeFolderSync, tempNameFor } from "../../../src/layers/fs/atomicWrite.js"
import { resolveForWrite, UntrustedSymlink } from "../../../src/layers/fs/safePath.js"
import { mountTmpfs } from "../../support/tmpfs.js"

const dirs: Array<string> = []
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "herald-safe-"))
  dirs.push(d)
  return d
}
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const isRoot = process.geteuid?.() === 0
const OTHER_UID = 65534

describe("atomic writes", () => {
  it("a symlinked file stays a symlink; its target is replaced, 0600", () => {
    const dir = tempDir()
    fs.mkdirSync(path.join(dir, "dotfiles"))
    const target = path.join(dir, "dotfiles", "herald.yaml")
    fs.writeFileSync(target, "old: 1\n", { mode: 0o644 })
    const link = path.join(dir, "config.yaml")
    fs.symlinkSync("dotfiles/herald.yaml", link)

    const written = atomicWriteSync(link, "new: 2\n", 0o600)

    expect(written).toBe(target)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readlinkSync(link)).toBe("dotfiles/herald.yaml")
    expect(fs.readFileSync(target, "utf8")).toBe("new: 2\n")
    expect(fs.statSync(target).mode & 0o777).toBe(0o600)
    expect(fs.readdirSync(path.join(dir, "dotfiles"))).toEqual(["herald.yaml"])
  })

  it("a file that does not exist yet behind a symlink is created where the link points", () => {
    const dir = tempDir()
    const link = path.join(dir, ".env")
    fs.symlinkSync(path.join(dir, "real.env"), link)
    atomicWriteSync(link, "A=1\n", 0o600)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readFileSync(path.join(dir, "real.env"), "utf8")).toBe("A=1\n")
  })

  it("temp names are unpredictable (no pid, no clock) and differ every time", () => {
    const a = tempNameFor("/x/.env")
    const b = tempNameFor("/x/.env")
    expect(a).not.toBe(b)
    expect(path.dirname(a)).toBe("/x")
    expect(path.basename(a)).not.toContain(String(process.pid))
    expect(path.basename(a)).toMatch(/^\.\.env\.[\w-]{12}\.tmp$/)
  })

  it("the folder probe takes a new file and a rename and leaves nothing", () => {
    const dir = tempDir()
    probeFolderSync(dir)
    expect(fs.readdirSync(dir)).toEqual([])
  })

  it.skipIf(!isRoot)("a symlink owned by another user is refused, named, and nothing is written where it points (root)", () => {
    const dir = tempDir()
    const victim = path.join(dir, "root-owned.conf")
    fs.writeFileSync(victim, "root: data\n", { mode: 0o644 })
    const link = path.join(dir, ".env")
    fs.symlinkSync(victim, link)
    fs.lchownSync(link, OTHER_UID, OTHER_UID)

    let error: unknown
    try {
      atomicWriteSync(link, "X_REFRESH_TOKEN=SENTINEL-rt\n", 0o600)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UntrustedSymlink)
    expect((error as Error).message).toContain(link)
    expect((error as Error).message).toContain(`uid ${OTHER_UID}`)
    expect(fs.readFileSync(victim, "utf8")).toBe("root: data\n")
    expect(fs.statSync(victim).mode & 0o777).toBe(0o644)
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true)
    expect(fs.readdirSync(dir).sort()).toEqual([".env", "root-owned.conf"])
  })

  it.skipIf(!isRoot)("a folder on the way swapped for another user's symlink is refused too (root)", () => {
    const dir = tempDir()
    fs.mkdirSync(path.join(dir, "elsewhere"))
    fs.symlinkSync(path.join(dir, "elsewhere"), path.join(dir, "app"))
    fs.lchownSync(path.join(dir, "app"), OTHER_UID, OTHER_UID)
    expect(() => resolveForWrite(path.join(dir, "app", ".env"))).toThrow(UntrustedSymlink)
    expect(fs.readdirSync(path.join(dir, "elsewhere"))).toEqual([])
  })

  it("a write that fails for want of space leaves the old file and no temp file (tmpfs)", (ctx) => {
    const fsys = mountTmpfs(64)
    if ("skipped" in fsys) {
      console.warn(`skipped: ${fsys.skipped}`)
      return ctx.skip()
    }
    cleanups.push(() => fsys.unmount())
    const file = path.join(fsys.dir, "herald.yaml")
    fs.writeFileSync(file, "refresh_token: SENTINEL-old\n")
    fsys.fill()
    expect(() => atomicWriteSync(file, `refresh_token: SENTINEL-${"n".repeat(64 * 1024)}\n`, 0o600)).toThrow(/ENOSPC/)
    expect(fs.readFileSync(file, "utf8")).toBe("refresh_token: SENTINEL-old\n")
    expect(fs.readdirSync(fsys.dir).sort()).toEqual(["filler.bin", "herald.yaml"])
  })
})
