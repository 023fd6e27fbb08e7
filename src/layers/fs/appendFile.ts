/**
 * Appending to a file so that what returned is on disk: `O_APPEND`, write, `fsync` — one
 * fsync for however many lines a caller hands over at once (the journal's group commit).
 * The counterpart of ./atomicWrite.ts for a file that only grows: the journal is appended
 * to by every rotation and rewritten only when it is compacted.
 *
 * - The target is resolved the same way (./safePath.ts): a trusted symlink is followed, a
 *   link another user could have planted is refused, and the file itself is opened with
 *   `O_NOFOLLOW`. A new file is created exclusively, its mode set with `fchmod`, and its
 *   folder fsync'd so the new name survives a crash too.
 * - An append the disk cannot take is cut back to where it began (no torn line left
 *   behind where that can be helped); `onNoSpace` may free room (the journal's ballast)
 *   and the append is tried once more.
 *
 * The write is synchronous, as in ./atomicWrite.ts; only the fsync is not (below).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { createExclusiveSync, fsyncDirSync, isNoSpace } from "./atomicWrite.js"
import { resolveForWrite } from "./safePath.js"

const { O_APPEND, O_NOFOLLOW, O_WRONLY } = fs.constants

export interface Appended {
  /** the real path written (a trusted symlink's target) */
  readonly real: string
  /** the file's identity and size after the append: what says later that nobody else wrote it */
  readonly ino: number
  readonly size: number
}

const writeAll = (fd: number, data: Buffer): void => {
  let at = 0
  while (at < data.length) at += fs.writeSync(fd, data, at, data.length - at)
}

/** The open file an append has written to, not yet fsync'd. */
interface Written extends Appended {
  readonly fd: number
  readonly created: boolean
}

/**
 * Open (or create) the file and write `text` at its end. Where the disk is full,
 * `onNoSpace(attempt)` may free room and say so (true): the write is tried again, until it
 * says there is nothing more to free. Throws the file system's error, the file closed.
 */
const appendUnsynced = (file: string, text: string, mode: number, onNoSpace: (attempt: number) => boolean): Written => {
  const { real, stat } = resolveForWrite(file)
  if (stat !== undefined && !stat.isFile()) {
    throw Object.assign(new Error(`${real} is not a regular file`), { code: "EINVAL" })
  }
  const created = stat === undefined
  const fd = created ? createExclusiveSync(real, mode) : fs.openSync(real, O_WRONLY | O_APPEND | (O_NOFOLLOW ?? 0))
  try {
    const before = fs.fstatSync(fd)
    // mode given to open() is masked by umask; a file holding secrets must be exactly `mode`
    if (created || (before.mode & 0o777) !== mode) fs.fchmodSync(fd, mode)
    let data = Buffer.from(text)
    for (let attempt = 0;; attempt++) {
      try {
        writeAll(fd, data)
        break
      } catch (e) {
        // whatever part of it landed is taken back, so no torn line stays in the file
        let cutBack = true
        try {
          fs.ftruncateSync(fd, before.size)
        } catch {
          cutBack = false
        }
        if (!isNoSpace(e) || !onNoSpace(attempt)) throw e
        // a torn piece left in place must not run into the first line of the next try
        if (!cutBack) data = Buffer.concat([Buffer.from("\n"), Buffer.from(text)])
      }
    }
    return { fd, created, real, ino: before.ino, size: fs.fstatSync(fd).size }
  } catch (e) {
    fs.closeSync(fd)
    throw e
  }
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/**
 * Append `text` to `file` (created with `mode` where there is none); succeeds once it is
 * fsync'd. The write is made at once; the fsync runs off the main thread, so the lines
 * that arrive meanwhile (other connections' answers) queue for the next append and share
 * its fsync — the group commit of ../fs/groupCommit.ts, one fsync per group, not per line.
 */
export const appendDurable = (
  file: string,
  text: string,
  mode: number,
  onNoSpace: (attempt: number) => boolean = () => false
): Effect.Effect<Appended, Error> =>
  Effect.acquireUseRelease(
    Effect.try({ try: () => appendUnsynced(file, text, mode, onNoSpace), catch: asError }),
    (w) =>
      Effect.async<Appended, Error>((resume) => {
        fs.fsync(w.fd, (e) => {
          if (e !== null) return resume(Effect.fail(e))
          try {
            if (w.created) fsyncDirSync(path.dirname(w.real))
          } catch (err) {
            return resume(Effect.fail(asError(err)))
          }
          resume(Effect.succeed({ real: w.real, ino: w.ino, size: w.size }))
        })
      }),
    (w) => Effect.sync(() => fs.closeSync(w.fd))
  )
