/**
 * Writing a file so that a reader sees the old content or the new, never half of it, and
 * a crash right after leaves the new content on disk: temp file + fsync + rename + fsync dir.
 *
 * The system calls are made synchronously, on purpose. The writers that call this hold
 * every connection of a batch waiting (../fs/groupCommit.ts); done through the promise API,
 * each of its nine steps waits for the event loop, which during a large run is busy with
 * other connections — a 2 ms write took 100–600 ms to complete (docs/performance.md).
 * Blocking the loop for the write itself (a few ms) costs everyone far less.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"

const writeNow = (file: string, content: string, mode: number): void => {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`)
  const fd = fs.openSync(tmp, "w", mode)
  try {
    fs.writeFileSync(fd, content, "utf8")
    // mode given to open() is masked by umask; secrets must end up exactly 0600
    fs.fchmodSync(fd, mode)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  try {
    fs.renameSync(tmp, file)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
  const dirFd = fs.openSync(dir, "r")
  try {
    fs.fsyncSync(dirFd)
  } catch {
    // some filesystems refuse fsync on a directory; the rename is still atomic
  } finally {
    fs.closeSync(dirFd)
  }
}

export const atomicWrite = (file: string, content: string, mode: number): Effect.Effect<void, Error> =>
  Effect.try({
    try: () => writeNow(file, content, mode),
    catch: (e) => (e instanceof Error ? e : new Error(String(e)))
  })

/** `EACCES` and friends, without the path (which the caller names itself). */
export const fsReason = (e: Error): string => {
  const code = (e as NodeJS.ErrnoException).code
  return code !== undefined ? code : e.message
}
