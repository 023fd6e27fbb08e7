/**
 * Where a write to a path really lands, decided once for every file herald writes (config,
 * journal, lock, dotenv; DESIGN §2 rule 7).
 *
 * A symlink on the way is followed only when another user could not have planted it: the
 * link itself belongs to herald's user or to root. (The kernel's `protected_symlinks` lets
 * a folder's owner plant links in it; that is exactly the attack on a root run writing a
 * poster's `.env`, so herald does not.) Every component of the path is checked, not only
 * the last one, so a folder swapped for a link is refused the same way. A link that is
 * refused is named, with its owner and what to do.
 *
 * The calls are synchronous for the same reason as in ./atomicWrite.ts: they are a few
 * `lstat`s made while a batch of writers waits.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** A symlink on the way to a file herald writes, which another user could have planted. */
export class UntrustedSymlink extends Error {
  constructor(readonly link: string, readonly owner: number) {
    super(
      `${link} is a symlink owned by uid ${owner}, not by herald's user or root: another user could have ` +
        `planted it, so herald does not write through it (replace it with the real file, or a link you own)`
    )
  }
}

const MAX_LINKS = 40

const errno = (code: string, message: string): NodeJS.ErrnoException =>
  Object.assign(new Error(message), { code })

/** Could the holder of `uid` have planted a link herald (running as `me`) follows? */
export const trustedLinkOwner = (uid: number, me: number | undefined): boolean =>
  me === undefined || uid === me || uid === 0

export interface Resolved {
  /** the file itself, every symlink on the way resolved */
  readonly real: string
  /** its stat, when it exists */
  readonly stat: fs.Stats | undefined
}

/**
 * The real path that writing `file` must replace, following only trusted symlinks. A path
 * that does not exist (yet) resolves as far as it exists, the rest appended as given.
 * Throws `UntrustedSymlink`, or the file system's error.
 */
export const resolveForWrite = (file: string): Resolved => {
  const me = process.geteuid?.()
  const rest = path.resolve(file).split(path.sep).filter((p) => p !== "")
  let current = path.parse(path.resolve(file)).root
  let links = 0
  while (rest.length > 0) {
    const name = rest.shift()!
    const next = path.join(current, name)
    let stat: fs.Stats
    try {
      stat = fs.lstatSync(next)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { real: path.join(next, ...rest), stat: undefined }
      throw e
    }
    if (!stat.isSymbolicLink()) {
      current = next
      continue
    }
    if (!trustedLinkOwner(stat.uid, me)) throw new UntrustedSymlink(next, stat.uid)
    if (++links > MAX_LINKS) throw errno("ELOOP", `too many symlinks on the way to ${file}`)
    const target = fs.readlinkSync(next)
    rest.unshift(...target.split(path.sep).filter((p) => p !== ""))
    if (path.isAbsolute(target)) current = path.parse(target).root
  }
  return { real: current, stat: fs.statSync(current) }
}

/** The nearest folder on the way to `dir` that exists (where `mkdir -p` would start). */
export const nearestExisting = (dir: string): string => {
  let at = path.resolve(dir)
  for (;;) {
    try {
      if (fs.statSync(at).isDirectory()) return at
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e
    }
    const up = path.dirname(at)
    if (up === at) return at
    at = up
  }
}
