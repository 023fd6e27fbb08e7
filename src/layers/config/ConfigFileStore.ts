/**
 * Edits the config file in place with the `yaml` Document API, so comments, key order and
 * flow/block style survive; one semaphore per file serialises writers (50 connections
 * finishing at once must not lose a write), and each write re-reads the file.
 */
import * as fs from "node:fs/promises"
import * as path from "node:path"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as YAML from "yaml"
import { AppConfig } from "../../services/AppConfig.js"
import { type ConfigEdit, ConfigStore, ConfigWriteError } from "../../services/ConfigStore.js"
import { atomicWrite, fsReason } from "../fs/atomicWrite.js"

const SECRET_MODE = 0o600

/** Pure: the new text of a YAML document after `edits`. */
export const applyEdits = (text: string, edits: ReadonlyArray<ConfigEdit>): string => {
  const doc: YAML.Document = YAML.parseDocument(text)
  if (doc.contents === null || !YAML.isMap(doc.contents)) doc.contents = doc.createNode({})
  for (const edit of edits) {
    // `tiktok:` with nothing under it is a null scalar; a key cannot be set inside that
    for (let i = 1; i < edit.path.length; i++) {
      const parent = edit.path.slice(0, i)
      const node = doc.getIn(parent, true)
      if (node === undefined || (YAML.isScalar(node) && node.value === null)) doc.setIn(parent, doc.createNode({}))
    }
    doc.setIn(edit.path, edit.value)
  }
  return doc.toString()
}

const currentMode = (file: string) =>
  Effect.promise(() => fs.stat(file).then((s) => s.mode & 0o777, () => undefined))

export const make = (file: string) =>
  Effect.gen(function*() {
    const lock = yield* Effect.makeSemaphore(1)
    const fail = (reason: string) => new ConfigWriteError({ file, reason })

    const check = Effect.tryPromise({
      try: async () => {
        try {
          await fs.access(file, fs.constants.W_OK)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e
          await fs.access(path.dirname(file), fs.constants.W_OK)
        }
      },
      catch: (e) => fail(`not writable (${fsReason(e as Error)})`)
    })

    const apply = (edits: ReadonlyArray<ConfigEdit>, options: { readonly secret: boolean }) =>
      lock.withPermits(1)(
        Effect.gen(function*() {
          if (edits.length === 0) return
          const text = yield* Effect.tryPromise({
            try: () => fs.readFile(file, "utf8"),
            catch: (e) => e as Error
          }).pipe(
            Effect.catchAll((e) =>
              (e as NodeJS.ErrnoException).code === "ENOENT"
                ? Effect.succeed("")
                : Effect.fail(fail(`cannot read it back (${fsReason(e)})`))
            )
          )
          const next = applyEdits(text, edits)
          const mode = options.secret ? SECRET_MODE : ((yield* currentMode(file)) ?? SECRET_MODE)
          yield* Effect.tryPromise(() => fs.mkdir(path.dirname(file), { recursive: true })).pipe(Effect.ignore)
          yield* atomicWrite(file, next, mode).pipe(Effect.mapError((e) => fail(fsReason(e))))
        })
      )

    return { file, check, apply } satisfies ConfigStore["Type"]
  })

/** The store for the loaded config file. */
export const layer: Layer.Layer<ConfigStore, never, AppConfig> = Layer.effect(
  ConfigStore,
  Effect.flatMap(AppConfig, (c) => make(c.file))
)
