/**
 * What code under test writes to the files under a folder, and every fsync it makes,
 * counted at the system-call wrappers of `node:fs` (the same way as the bench's
 * scripts/io-count.cjs): herald's file writes are synchronous calls, and the ES-module view
 * of the built-in is re-synced so modules that imported it see the counting functions.
 * Counts what really reaches the file system, whichever code path made it.
 */
import { createRequire, syncBuiltinESMExports } from "node:module"
import * as path from "node:path"

const require = createRequire(import.meta.url)
const fs = require("node:fs") as typeof import("node:fs")

export interface FileIo {
  /** bytes written to files under the folder, by file (a temp file's random part left out) */
  readonly byFile: Map<string, number>
  /** fsyncs of anything (a folder's too), by the file's name where it is under the folder */
  readonly fsyncsOf: Map<string, number>
  fsyncs: number
  /** bytes written under the folder */
  written: number
}

/** Count until `stop` is called; one at a time. */
export const countFileIo = (dir: string): { readonly io: FileIo; readonly stop: () => void } => {
  const root = path.resolve(dir)
  const inside = (p: unknown) => typeof p === "string" && (path.resolve(p) + path.sep).startsWith(root + path.sep)
  const nameOf = (p: string) => path.relative(root, path.resolve(p)).replace(/^\.(.*)\.[A-Za-z0-9_-]+\.tmp$/, "$1 (temp)") || "."
  const io: FileIo = { byFile: new Map(), fsyncsOf: new Map(), fsyncs: 0, written: 0 }
  const tracked = new Map<number, string>()
  const add = (name: string, n: number) => {
    io.written += n
    io.byFile.set(name, (io.byFile.get(name) ?? 0) + n)
  }
  const sizeOf = (data: unknown): number =>
    typeof data === "string" ? Buffer.byteLength(data) : ArrayBuffer.isView(data) ? data.byteLength : 0
  const real = { openSync: fs.openSync, closeSync: fs.closeSync, writeSync: fs.writeSync, writeFileSync: fs.writeFileSync, fsyncSync: fs.fsyncSync, fsync: fs.fsync }
  const patched = fs as unknown as Record<string, unknown>
  patched["openSync"] = (p: string, ...rest: Array<unknown>) => {
    const fd = (real.openSync as (...a: Array<unknown>) => number)(p, ...rest)
    if (inside(p)) tracked.set(fd, nameOf(p))
    return fd
  }
  patched["closeSync"] = (fd: number) => {
    tracked.delete(fd)
    return real.closeSync(fd)
  }
  // writeFileSync writes through fs.writeSync itself (wrapped here too): counted once, by it
  let inWriteFile = false
  patched["writeSync"] = (fd: number, ...rest: Array<unknown>) => {
    const n = (real.writeSync as (...a: Array<unknown>) => number)(fd, ...rest)
    const name = tracked.get(fd)
    if (!inWriteFile && name !== undefined) add(name, n)
    return n
  }
  patched["writeFileSync"] = (target: unknown, data: unknown, ...rest: Array<unknown>) => {
    inWriteFile = true
    try {
      ;(real.writeFileSync as (...a: Array<unknown>) => void)(target, data, ...rest)
    } finally {
      inWriteFile = false
    }
    const name = typeof target === "number" ? tracked.get(target) : inside(target) ? nameOf(target as string) : undefined
    if (name !== undefined) add(name, sizeOf(data))
  }
  const countFsync = (fd: number) => {
    io.fsyncs++
    const name = tracked.get(fd) ?? "(elsewhere)"
    io.fsyncsOf.set(name, (io.fsyncsOf.get(name) ?? 0) + 1)
  }
  patched["fsyncSync"] = (fd: number) => {
    countFsync(fd)
    return real.fsyncSync(fd)
  }
  patched["fsync"] = (fd: number, callback: (e: NodeJS.ErrnoException | null) => void) => {
    countFsync(fd)
    return real.fsync(fd, callback)
  }
  syncBuiltinESMExports()
  return {
    io,
    stop: () => {
      Object.assign(patched, real)
      syncBuiltinESMExports()
    }
  }
}
