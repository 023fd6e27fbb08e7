/**
 * The config file on disk for `herald config init` and `herald config path`. Init creates the
 * folder (0700) and the file (0600) where herald will look for it, never over an existing file
 * (an exclusive create, so no race either).
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { UsageError } from "../../domain/errors.js"

/** Is there a file at `file`? */
export const fileExists = (file: string) => Effect.promise(() => fs.access(file).then(() => true, () => false))

export const createConfigFile = (file: string, text: string) =>
  Effect.tryPromise({
    try: async () => {
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
      const handle = await fs.open(file, "wx", 0o600)
      try {
        await handle.chmod(0o600)
        await handle.writeFile(text, "utf8")
        await handle.sync()
      } finally {
        await handle.close()
      }
    },
    catch: (e) => {
      const code = (e as NodeJS.ErrnoException).code
      return new UsageError({
        reason: code === "EEXIST"
          ? `${file} exists already; herald config init never overwrites a config: edit it, or move it away first`
          : `cannot create ${file}: ${code ?? String(e)}; check that its folder is writable, or name another file with --config`
      })
    }
  })
