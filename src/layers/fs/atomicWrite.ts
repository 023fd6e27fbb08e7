/**
 * Writing a file so that a reader sees the old content or the new, never half of it, and
 * a crash right after leaves the new content on disk: temp file + fsync + rename + fsync dir.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Effect from "effect/Effect"

export const atomicWrite = (file: string, content: string, mode: number): Effect.Effect<void, Error> =>
  Effect.tryPromise({
    try: async () => {
      const dir = path.dirname(file)
      const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`)
      const handle = await fs.open(tmp, "w", mode)
      try {
        await handle.writeFile(content, "utf8")
        // mode given to open() is masked by umask; secrets must end up exactly 0600
        await handle.chmod(mode)
        await handle.sync()
      } finally {
        await handle.close()
      }
      try {
        await fs.rename(tmp, file)
      } catch (e) {
        await fs.rm(tmp, { force: true })
        throw e
      }
      const dirHandle = await fs.open(dir, "r")
      try {
        await dirHandle.sync()
      } catch {
        // some filesystems refuse fsync on a directory; the rename is still atomic
      } finally {
        await dirHandle.close()
      }
    },
    catch: (e) => (e instanceof Error ? e : new Error(String(e)))
  })

/** `EACCES` and friends, without the path (which the caller names itself). */
export const fsReason = (e: Error): string => {
  const code = (e as NodeJS.ErrnoException).code
  return code !== undefined ? code : e.message
}
