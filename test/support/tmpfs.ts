/**
 * A small real tmpfs for disk-full tests (issue 14 item 9). Mounting needs root (or a
 * kernel that allows it); where it is impossible the caller skips, printing the reason.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export interface Tmpfs {
  readonly dir: string
  /** Fill the file system up, leaving about `leaveBytes` free (rounded to pages). */
  fill(leaveBytes?: number): void
  /** Give the filler's space back. */
  unfill(): void
  unmount(): void
}

const filler = (dir: string) => path.join(dir, "filler.bin")

/** A tmpfs of `sizeKb` at a fresh folder, or the reason it could not be mounted. */
export const mountTmpfs = (sizeKb: number, options: { readonly readOnly?: boolean } = {}): Tmpfs | { readonly skipped: string } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "herald-tmpfs-"))
  const flags = `size=${sizeKb}k,mode=0755${options.readOnly === true ? ",ro" : ""}`
  const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", flags, "tmpfs", dir], { encoding: "utf8" })
  if (mounted.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true })
    return { skipped: `cannot mount a tmpfs here (${(mounted.stderr || mounted.error?.message || "mount failed").trim()})` }
  }
  const fillNow = (leaveBytes = 0) => {
    const fd = fs.openSync(filler(dir), "a")
    const chunk = Buffer.alloc(4096)
    try {
      for (;;) fs.writeSync(fd, chunk)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOSPC") throw e
    } finally {
      fs.closeSync(fd)
    }
    if (leaveBytes > 0) {
      const size = fs.statSync(filler(dir)).size
      fs.truncateSync(filler(dir), Math.max(0, size - leaveBytes))
    }
  }
  return {
    dir,
    fill: fillNow,
    unfill: () => fs.rmSync(filler(dir), { force: true }),
    unmount: () => {
      spawnSync("umount", [dir])
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
