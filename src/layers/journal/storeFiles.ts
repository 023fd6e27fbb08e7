/**
 * Where the run lock and the journal of a config file live (DESIGN §2 rule 3): beside the
 * real file, named after it — `.config.yaml.herald-lock` and `.config.yaml.herald-journal`
 * next to `config.yaml`. Every run that reaches the file finds them there: through a
 * symlink (resolved first), from another working directory, with any `HOME` or
 * `XDG_STATE_HOME`. A config that does not exist yet has the same identity it will have
 * once created (its folder, resolved, and its name).
 *
 * Only where that folder cannot take a file (a read-only checkout, a config in /etc read
 * by a non-root run) do they fall back to the state dir, keyed by the real path.
 *
 * Older versions kept the journal in the state dir under a hash of the path as given;
 * `legacyJournals` names those files so their entries are replayed, never stranded.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import { nearestExisting, resolveForWrite } from "../fs/safePath.js"
import { stateDir, storeKey } from "./stateDir.js"

export interface StoreFiles {
  /** the config file itself, every symlink resolved */
  readonly real: string
  readonly lock: string
  readonly journal: string
  /** journals older versions may have left for this config: merged into `journal`, then removed */
  readonly legacyJournals: ReadonlyArray<string>
  /** hard links to the config besides itself, when there are any */
  readonly extraLinks: number
}

const realPathOf = (file: string): { readonly real: string; readonly links: number } => {
  try {
    const { real, stat } = resolveForWrite(file)
    return { real, links: stat?.nlink ?? 1 }
  } catch {
    // a link herald refuses to follow (the writes say why): its lock stays beside the link,
    // never where a planted link points
    return { real: path.resolve(file), links: 1 }
  }
}

const canWriteIn = (dir: string): boolean => {
  try {
    fs.accessSync(nearestExisting(dir), fs.constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** Pure: the lock and journal names beside a config file. */
export const besideConfig = (real: string) => {
  const dir = path.dirname(real)
  const base = path.basename(real)
  return { lock: path.join(dir, `.${base}.herald-lock`), journal: path.join(dir, `.${base}.herald-journal`) }
}

export const storeFilesFor = (configFile: string): Effect.Effect<StoreFiles> =>
  Effect.gen(function*() {
    const { real, links } = realPathOf(configFile)
    const state = yield* stateDir
    const legacy = [...new Set([path.resolve(configFile), real])].map((p) => path.join(state, `journal-${storeKey(p)}.json`))
    const own = canWriteIn(path.dirname(real))
      ? besideConfig(real)
      : {
        lock: path.join(state, `lock-${storeKey(real)}.lock`),
        journal: path.join(state, `journal-${storeKey(real)}.json`)
      }
    return { real, ...own, legacyJournals: legacy.filter((f) => f !== own.journal), extraLinks: Math.max(0, links - 1) }
  })
