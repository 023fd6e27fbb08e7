/**
 * A preload for the bench (`node --require scripts/io-count.cjs …`): counts what the process
 * writes to and reads from files under $HERALD_BENCH_IO_DIR (the bench world's folder: the
 * config, its temp files, the journal and the lock beside it) and how many fsyncs it makes,
 * and writes `{"written":…,"read":…,"fsyncs":…,"byFile":…,"fsyncsByFile":…}` to
 * $HERALD_BENCH_IO_OUT at exit (bytes written and fsyncs, each by file as well; a folder is
 * named by its path, the world's own as ".").
 *
 * It wraps the calls herald's file writes use (open, write, writeFile, fsync — sync and not)
 * and fs.promises.readFile (how the config is read back), then re-syncs the ES-module view
 * of the built-ins so the bundled ESM code sees the wrapped functions. A measuring aid
 * only: never loaded by herald itself.
 */
"use strict"
const fs = require("node:fs")
const path = require("node:path")
const { syncBuiltinESMExports } = require("node:module")

const dir = process.env.HERALD_BENCH_IO_DIR
const out = process.env.HERALD_BENCH_IO_OUT
if (dir !== undefined && out !== undefined) {
  const root = path.resolve(dir)
  // the world's folder itself too (the config's folder, fsync'd after a rename)
  const inside = (p) => typeof p === "string" && (path.resolve(p) + path.sep).startsWith(root + path.sep)
  /** fd → the file's name, with a temp file's random part left out */
  const tracked = new Map()
  const counts = { written: 0, read: 0, fsyncs: 0, byFile: {}, fsyncsByFile: {} }
  const nameOf = (p) => path.relative(root, path.resolve(p)).replace(/^\.(.*)\.[A-Za-z0-9_-]+\.tmp$/, "$1 (temp)") || "."
  const add = (name, n) => {
    counts.written += n
    counts.byFile[name] = (counts.byFile[name] ?? 0) + n
  }
  const sizeOf = (data, length) =>
    typeof length === "number" ? length : typeof data === "string" ? Buffer.byteLength(data) : (data?.byteLength ?? 0)

  const { openSync, closeSync, writeSync, writeFileSync, fsyncSync, fdatasyncSync, readFileSync } = fs
  fs.openSync = function(p, ...rest) {
    const fd = openSync.call(this, p, ...rest)
    if (inside(p)) tracked.set(fd, nameOf(p))
    return fd
  }
  fs.closeSync = function(fd) {
    tracked.delete(fd)
    return closeSync.call(this, fd)
  }
  // writeFileSync writes through fs.writeSync itself (wrapped here too): counted once, by it
  let inWriteFile = false
  fs.writeSync = function(fd, data, ...rest) {
    const n = writeSync.call(this, fd, data, ...rest)
    if (!inWriteFile && tracked.has(fd)) add(tracked.get(fd), n)
    return n
  }
  fs.writeFileSync = function(target, data, ...rest) {
    inWriteFile = true
    try {
      return writeFileSync.call(this, target, data, ...rest)
    } finally {
      inWriteFile = false
      if (typeof target === "number" ? tracked.has(target) : inside(target)) {
        add(typeof target === "number" ? tracked.get(target) : nameOf(target), sizeOf(data))
      }
    }
  }
  // every fsync the process makes counts (a directory's too): that is what a slow disk pays
  // for; by file too (a folder by its path, the world's own as ".", one outside it as "(elsewhere)")
  const fsynced = (fd) => {
    counts.fsyncs++
    const name = tracked.get(fd) ?? "(elsewhere)"
    counts.fsyncsByFile[name] = (counts.fsyncsByFile[name] ?? 0) + 1
  }
  fs.fsyncSync = function(fd) {
    fsynced(fd)
    return fsyncSync.call(this, fd)
  }
  fs.fdatasyncSync = function(fd) {
    fsynced(fd)
    return fdatasyncSync.call(this, fd)
  }
  // the journal's appends fsync off the main thread
  const { fsync } = fs
  fs.fsync = function(fd, ...rest) {
    fsynced(fd)
    return fsync.call(this, fd, ...rest)
  }
  fs.readFileSync = function(target, ...rest) {
    const r = readFileSync.call(this, target, ...rest)
    if (typeof target === "string" && inside(target)) counts.read += sizeOf(r)
    return r
  }
  const promisesReadFile = fs.promises.readFile
  fs.promises.readFile = async function(target, ...rest) {
    const r = await promisesReadFile.call(this, target, ...rest)
    if (typeof target === "string" && inside(target)) counts.read += sizeOf(r)
    return r
  }
  syncBuiltinESMExports()
  process.on("exit", () => {
    writeFileSync(out, JSON.stringify(counts))
  })
}
