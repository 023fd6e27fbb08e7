/**
 * Writing a file so that a reader sees the old content or the new, never half of it, and
 * a crash right after leaves the new content on disk: temp file + fsync + rename + fsync dir.
 *
 * - The target is resolved first (./safePath.ts): a symlinked file stays a symlink and its
 *   target is replaced; a link another user could have planted is refused.
 * - The temp file has an unpredictable name in the target's own folder and is created
 *   exclusively, never through a symlink (`O_CREAT|O_EXCL|O_NOFOLLOW`): nothing planted in
 *   the folder can catch the content.
 * - A write that fails at any step removes its temp file: a full disk leaves no 0-byte or
 *   half-written copy of a secret behind.
 *
 * The system calls are made synchronously, on purpose. The writers that call this hold
 * every connection of a batch waiting (../fs/groupCommit.ts); done through the promise API,
 * each of its nine steps waits for the event loop, which during a large run is busy with
 * other connections — a 2 ms write took 100–600 ms to complete (docs/performance.md).
 * Blocking the loop for the write itself (a few ms) costs everyone far less.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { resolveForWrite } from "./safePath.js"

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = fs.constants

/** A fresh, unguessable name beside `file` (the same folder, so the rename is atomic). */
export const tempNameFor = (file: string): string =>
  path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(9).toString("base64url")}.tmp`)

/** Create a new file exclusively (never through a symlink) and return its descriptor. */
export const createExclusiveSync = (file: string, mode: number): number =>
  fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL | (O_NOFOLLOW ?? 0), mode)

/** Write `content` to a new temp file beside `file`; the temp's name, or throws having removed it. */
const writeTemp = (file: string, content: string | Uint8Array, mode: number): string => {
  const tmp = tempNameFor(file)
  const fd = createExclusiveSync(tmp, mode)
  try {
    try {
      fs.writeFileSync(fd, content)
      // mode given to open() is masked by umask; secrets must end up exactly 0600
      fs.fchmodSync(fd, mode)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
  return tmp
}

/** fsync a folder, so a name created or replaced in it survives a crash. */
export const fsyncDirSync = (dir: string): void => {
  const dirFd = fs.openSync(dir, "r")
  try {
    fs.fsyncSync(dirFd)
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  } finally {
    fs.closeSync(dirFd)
  }
}

/** Replace `file` (already resolved) with `content`. */
const replaceNow = (real: string, content: string | Uint8Array, mode: number): void => {
  const tmp = writeTemp(real, content, mode)
  try {
    fs.renameSync(tmp, real)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
  fsyncDirSync(path.dirname(real))
}

/** Synchronous `atomicWrite`; returns the real path written (a symlink's target). */
export const atomicWriteSync = (file: string, content: string | Uint8Array, mode: number): string => {
  const { real } = resolveForWrite(file)
  replaceNow(real, content, mode)
  return real
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

export const atomicWrite = (file: string, content: string, mode: number): Effect.Effect<void, Error> =>
  Effect.try({ try: () => void atomicWriteSync(file, content, mode), catch: asError })

/**
 * Does `dir` take a new file and a rename, as an atomic write needs? (A file's own mode
 * says nothing about its folder: a 0600 file in a 0555 folder cannot be replaced.) Throws
 * the file system's error; leaves nothing behind.
 */
export const probeFolderSync = (dir: string): void => {
  const probe = path.join(dir, `.herald-probe.${randomBytes(9).toString("base64url")}`)
  const fd = createExclusiveSync(probe, 0o600)
  fs.closeSync(fd)
  const moved = `${probe}.renamed`
  try {
    fs.renameSync(probe, moved)
    fs.rmSync(moved, { force: true })
  } finally {
    fs.rmSync(probe, { force: true })
  }
}

/** Is this error the file system refusing a write (rather than the file missing)? */
export const isNotWritable = (e: Error): boolean => {
  const code = (e as NodeJS.ErrnoException).code
  return code === "EACCES" || code === "EPERM" || code === "EROFS"
}

/** Is this error the disk (or the user's quota) being full? */
export const isNoSpace = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException).code
  return code === "ENOSPC" || code === "EDQUOT"
}

/** `EACCES` and friends, without the path (which the caller names itself). */
export const fsReason = (e: Error): string => {
  const code = (e as NodeJS.ErrnoException).code
  return code !== undefined ? code : e.message
}
