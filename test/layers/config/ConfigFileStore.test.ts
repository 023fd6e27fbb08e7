/**
 * Write-back into a large config file (issue 9): writers are batched, values are patched
 * into the text where they stand, and the file reads exactly as the whole-Document edit
 * would have made it.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as TestClock from "effect/TestClock"
import * as YAML from "yaml"
import * as ConfigFile from "../../../src/layers/config/ConfigFile.js"
import * as ConfigFileStore from "../../../src/layers/config/ConfigFileStore.js"
import type { ConfigEdit } from "../../../src/services/ConfigStore.js"
import { configCatalog } from "../../../src/programs/configCatalog.js"
import { countFileIo } from "../../support/fileIo.js"

const tempFile = (text: string) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), "herald-store-"))
      const file = path.join(dir, "herald.yaml")
      await fs.writeFile(file, text, { mode: 0o600 })
      return { dir, file }
    }),
    ({ dir }) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
  )

const read = (file: string) => Effect.promise(() => fs.readFile(file, "utf8"))

const original = `# my herald config
platforms:
  tiktok:
    client_key: ck # from the portal
    refresh_token: "rt-0"
    refresh_token_expires_at: 2027-01-01T00:00:00Z
    accounts:
      brand: { refresh_token: 'b-0', refresh_token_expires_at: 2027-04-01T00:00:00Z }
      shop:
        refresh_token: "s-0" # shop's
  x:
    refresh_token: plain-0
    access_token: "a-0"
`

const rotations = (n: number): Array<ConfigEdit> => [
  { path: ["platforms", "tiktok", "refresh_token"], value: `rt-${n}` },
  { path: ["platforms", "tiktok", "refresh_token_expires_at"], value: `2027-01-0${n}T00:00:00Z` },
  { path: ["platforms", "tiktok", "accounts", "brand", "refresh_token"], value: `b-${n}` },
  { path: ["platforms", "tiktok", "accounts", "shop", "refresh_token"], value: `s-${n}"quoted"` },
  { path: ["platforms", "x", "refresh_token"], value: `plain-${n}` },
  { path: ["platforms", "x", "access_token"], value: `a-${n}` }
]

describe("ConfigFileStore", () => {
  it.scoped("edits patched into the text read exactly as the whole-Document edit", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.make(file)
      const all: Array<ConfigEdit> = []
      for (const n of [1, 2, 3]) {
        // one at a time: every write after the first reuses the parsed document
        for (const edit of rotations(n)) {
          yield* store.apply([edit], { secret: true })
          all.push(edit)
        }
      }
      const text = yield* read(file)
      assert.strictEqual(text, ConfigFileStore.applyEdits(original, all))
      assert.include(text, "client_key: ck # from the portal")
      assert.include(text, `refresh_token: "s-3\\"quoted\\"" # shop's`)
      assert.include(text, "brand: { refresh_token: 'b-3'")
      assert.include(text, "refresh_token: plain-3\n")
    }))

  it.scoped("a new key goes through the whole Document, and later patches still land", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.make(file)
      const edits: Array<ConfigEdit> = [
        { path: ["platforms", "x", "refresh_token"], value: "plain-1" },
        { path: ["platforms", "x", "access_token_expires_at"], value: "2026-12-01T00:00:00Z" },
        { path: ["platforms", "tiktok", "accounts", "new", "refresh_token"], value: "n-1" },
        { path: ["platforms", "x", "refresh_token"], value: "plain-2" },
        // a plain value that would read back as a number must be quoted
        { path: ["platforms", "tiktok", "client_key"], value: "12345" }
      ]
      for (const edit of edits) yield* store.apply([edit], { secret: false })
      const text = yield* read(file)
      assert.strictEqual(text, ConfigFileStore.applyEdits(original, edits))
      const parsed = YAML.parse(text) as { platforms: { tiktok: { client_key: unknown } } }
      assert.strictEqual(parsed.platforms.tiktok.client_key, "12345")
    }))

  // the shape the fast path reads (./plainYaml.ts): no Document is built until an edit needs one
  const plainOriginal = original.replace(
    "      brand: { refresh_token: 'b-0', refresh_token_expires_at: 2027-04-01T00:00:00Z }\n",
    "      brand:\n        refresh_token: 'b-0'\n        refresh_token_expires_at: 2027-04-01T00:00:00Z\n"
  )

  it.scoped("a config read by the fast path: patches, then a new key in the same batch, then more patches, read as the whole-Document edit (issue 20)", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(plainOriginal)
      // loaded as a run loads it: the writer is handed the fast path's reading
      assert.isTrue(Either.isRight(ConfigFile.parseConfigText(file, plainOriginal, configCatalog)))
      assert.isDefined(ConfigFile.parsedPlain(plainOriginal))
      const store = yield* ConfigFileStore.make(file)
      const all: Array<ConfigEdit> = [...rotations(1)]
      yield* store.apply(rotations(1), { secret: true })
      assert.strictEqual(yield* read(file), ConfigFileStore.applyEdits(plainOriginal, all))
      const mixed: Array<ConfigEdit> = [
        ...rotations(2).slice(0, 2),
        { path: ["platforms", "tiktok", "accounts", "new", "refresh_token"], value: "n-1" },
        ...rotations(2).slice(2)
      ]
      yield* store.apply(mixed, { secret: true })
      all.push(...mixed)
      assert.strictEqual(yield* read(file), ConfigFileStore.applyEdits(plainOriginal, all))
      for (const edit of rotations(3)) {
        yield* store.apply([edit], { secret: true })
        all.push(edit)
      }
      const text = yield* read(file)
      assert.strictEqual(text, ConfigFileStore.applyEdits(plainOriginal, all))
      assert.include(text, "client_key: ck # from the portal")
      assert.include(text, `refresh_token: "s-3\\"quoted\\"" # shop's`)
      assert.include(text, "refresh_token: 'b-3'")
    }))

  it.scoped("a config read by the fast path: a value under a key that holds a scalar is refused, the batch's others land (issue 20)", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(plainOriginal)
      ConfigFile.parseConfigText(file, plainOriginal, configCatalog)
      const store = yield* ConfigFileStore.make(file)
      const results = yield* Effect.forEach(
        [[rotations(1)[0]!], [{ path: ["platforms", "tiktok", "client_key", "deeper"], value: "v" }], [rotations(1)[4]!]],
        (edits) => Effect.either(store.apply(edits, { secret: true })),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(results.map(Either.isRight), [true, false, true])
      const text = yield* read(file)
      assert.include(text, `refresh_token: "rt-1"`)
      assert.include(text, "refresh_token: plain-1")
    }))

  it.scoped("a file changed by someone else between writes is read again, and their change kept", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.make(file)
      yield* store.apply([{ path: ["platforms", "x", "access_token"], value: "a-1" }], { secret: true })
      const edited = (yield* read(file)).replace("# my herald config", "# my herald config, edited by hand\n# more notes")
      yield* Effect.promise(() => fs.writeFile(file, edited))
      yield* store.apply([{ path: ["platforms", "x", "refresh_token"], value: "plain-9" }], { secret: true })
      const text = yield* read(file)
      assert.include(text, "# my herald config, edited by hand\n# more notes\n")
      assert.include(text, "refresh_token: plain-9")
      assert.include(text, `access_token: "a-1"`)
    }))

  it.scoped("200 concurrent writers: every edit is on disk when its writer returns", () =>
    Effect.gen(function*() {
      const accounts = Array.from({ length: 200 }, (_, i) => `      a${i}:\n        refresh_token: "old-${i}"`).join("\n")
      const { file } = yield* tempFile(`platforms:\n  tiktok:\n    accounts:\n${accounts}\n`)
      const store = yield* ConfigFileStore.make(file)
      const late: Array<number> = []
      yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) =>
          store.apply([{ path: ["platforms", "tiktok", "accounts", `a${i}`, "refresh_token"], value: `new-${i}` }], { secret: true }).pipe(
            Effect.zipRight(read(file)),
            Effect.tap((text) => Effect.sync(() => void (text.includes(`refresh_token: "new-${i}"`) ? undefined : late.push(i))))
          ),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(late, [])
      const text = yield* read(file)
      for (let i = 0; i < 200; i++) assert.include(text, `a${i}:\n        refresh_token: "new-${i}"`)
    }))

  it.scoped("an edit that cannot be made fails its own writer only", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.make(file)
      const results = yield* Effect.forEach(
        [
          [{ path: ["platforms", "x", "access_token"], value: "a-1" }],
          // client_key holds a string: nothing can be set under it
          [{ path: ["platforms", "tiktok", "client_key", "nested"], value: "v" }],
          [{ path: ["platforms", "x", "refresh_token"], value: "plain-1" }]
        ],
        (edits) => Effect.either(store.apply(edits, { secret: true })),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(results.map(Either.isRight), [true, false, true])
      const failure = results[1]!
      assert.isTrue(Either.isLeft(failure) && failure.left.message.includes("platforms.tiktok.client_key holds a value"))
      const text = yield* read(file)
      assert.include(text, `access_token: "a-1"`)
      assert.include(text, "refresh_token: plain-1")
      assert.include(text, "client_key: ck # from the portal")
    }))

  it("the document the config was loaded from is handed to the writer once", () => {
    // an anchor: beyond the fast path, so the load builds the round-trip Document
    const text = "platforms:\n  x:\n    refresh_token: &r r\n    access_token: *r\n"
    assert.isTrue(Either.isRight(ConfigFile.parseConfigText("/tmp/handed.yaml", text, configCatalog)))
    assert.isUndefined(ConfigFile.takeParsedDocument(text + "# changed\n"))
    const doc = ConfigFile.takeParsedDocument(text)
    assert.isDefined(doc)
    assert.strictEqual(doc!.toString(), text)
    assert.isUndefined(ConfigFile.takeParsedDocument(text))
  })

  it("a plain config is loaded without a Document: the writer gets where its values stand (issue 20)", () => {
    const text = "platforms:\n  x:\n    refresh_token: r # rotated\n"
    assert.isTrue(Either.isRight(ConfigFile.parseConfigText("/tmp/plain.yaml", text, configCatalog)))
    assert.isUndefined(ConfigFile.takeParsedDocument(text))
    const plain = ConfigFile.parsedPlain(text)
    const span = plain?.scalars.get(["platforms", "x", "refresh_token"].join("\u0000"))
    assert.deepStrictEqual(span && text.slice(span.start, span.end), "r")
    assert.isUndefined(ConfigFile.parsedPlain(text + "# changed\n"))
  })
})

describe("anchored values", () => {
  const shared = `platforms:
  tiktok:
    client_key: ck
    refresh_token: &tok "SENTINEL-shared-rt-0"
    accounts:
      brand: { refresh_token: *tok }
      shop:
        refresh_token: *tok
`
  const valuesOf = (text: string) => {
    const config = YAML.parse(text)
    return {
      main: config.platforms.tiktok.refresh_token,
      brand: config.platforms.tiktok.accounts.brand.refresh_token,
      shop: config.platforms.tiktok.accounts.shop.refresh_token
    }
  }

  it.scoped("rewriting an anchored value changes only this connection: the ones that aliased it keep theirs", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(shared)
      const store = yield* ConfigFileStore.make(file)
      yield* store.apply([{ path: ["platforms", "tiktok", "refresh_token"], value: "rt-1" }], { secret: true })
      assert.deepStrictEqual(valuesOf(yield* read(file)), { main: "rt-1", brand: "SENTINEL-shared-rt-0", shop: "SENTINEL-shared-rt-0" })
    }))

  it.scoped("rewriting an alias replaces only the alias", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(shared)
      const store = yield* ConfigFileStore.make(file)
      yield* store.apply([{ path: ["platforms", "tiktok", "accounts", "shop", "refresh_token"], value: "shop-1" }], { secret: true })
      assert.deepStrictEqual(valuesOf(yield* read(file)), { main: "SENTINEL-shared-rt-0", brand: "SENTINEL-shared-rt-0", shop: "shop-1" })
    }))

  it.scoped("staged edits are not written until a commit; one commit writes them all, and each wait then succeeds (issue 20)", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.make(file)
      const inode = () => Effect.promise(() => fs.stat(file).then((st) => st.ino))
      const before = yield* inode()
      const waits = yield* Effect.forEach(rotations(1), (e) => store.stage([e], { secret: true }))
      assert.strictEqual(yield* read(file), original, "nothing written while the edits are staged")
      yield* waits[0]!.commitNow
      const after = yield* inode()
      assert.notStrictEqual(after, before)
      assert.strictEqual(yield* read(file), ConfigFileStore.applyEdits(original, rotations(1)))
      // every other wait finds its edits in that same commit: no further write
      yield* Effect.forEach(waits, (w) => w.commitNow, { discard: true })
      assert.strictEqual(yield* inode(), after)
    }))

  it("a timed commit is due at once, then again only once the edits have paid for the last rewrite (issue 20)", () => {
    assert.isFalse(ConfigFileStore.commitDue({ staged: 0, edited: 0, written: 0 }), "nothing staged")
    assert.isTrue(ConfigFileStore.commitDue({ staged: 1, edited: 40, written: 0 }), "the first commit at once")
    assert.isTrue(ConfigFileStore.commitDue({ staged: 1, edited: 80, written: 2_000 }), "a small file's on every tick")
    // a 200 KB file rewritten once: the next is due when the edits amount to about 40 % of it
    assert.isFalse(ConfigFileStore.commitDue({ staged: 500, edited: 20_000, written: 200_000 }))
    assert.isTrue(ConfigFileStore.commitDue({ staged: 2200, edited: 90_000, written: 200_000 }))
  })

  it.scoped("a same-size edit made in place by someone else between two writes is kept (issue 20: the file is not re-read when unchanged)", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.make(file)
      yield* store.apply([{ path: ["platforms", "x", "access_token"], value: "a-1" }], { secret: true })
      const text = yield* read(file)
      // same length, same inode: only the contents and the times change
      yield* Effect.promise(() => fs.writeFile(file, text.replace("# my herald config", "# MY HERALD CONFIG")))
      yield* store.apply([{ path: ["platforms", "x", "refresh_token"], value: "plain-2" }], { secret: true })
      const now = yield* read(file)
      assert.include(now, "# MY HERALD CONFIG")
      assert.include(now, "refresh_token: plain-2")
      assert.include(now, 'access_token: "a-1"')
    }))
})

describe("staged commits paced by what they cost (issue 20 item 2)", () => {
  /** `n` accounts with an access token each, padded with comments to about 330 bytes an account. */
  const bigConfig = (n: number) =>
    "platforms:\n  x:\n    accounts:\n" +
    Array.from({ length: n }, (_, i) => `      a${i}:\n        # ${"notes ".repeat(45)}\n        access_token: "${"t".repeat(40)}-0"\n`).join("")

  it.scoped("600 rotations staged over 12 s into a 200 KB config: the file is rewritten within twice the bytes the edits change, plus 64 KiB and two rewrites", () =>
    Effect.gen(function*() {
      const { dir, file } = yield* tempFile(bigConfig(600))
      const size = (yield* read(file)).length
      const counting = countFileIo(dir)
      yield* Effect.addFinalizer(() => Effect.sync(counting.stop))
      const store = yield* ConfigFileStore.scoped(file)
      const value = (i: number) => `${"t".repeat(40)}-${i}`
      const waits = []
      for (let i = 0; i < 600; i++) {
        waits.push(yield* store.stage([{ path: ["platforms", "x", "accounts", `a${i}`, "access_token"], value: value(1) }], { secret: true }))
        // a run's connections finish one after another
        yield* TestClock.adjust("20 millis")
      }
      // the run's end: whatever is still staged is committed
      yield* Effect.forEach(waits, (w) => w.commitNow, { discard: true })
      const text = yield* read(file)
      assert.strictEqual(text.split(`"${value(1)}"`).length - 1, 600, "every edit is in the file")
      const edited = 600 * Buffer.byteLength(value(1))
      const rewritten = counting.io.byFile.get("herald.yaml (temp)") ?? 0
      assert.isAbove(rewritten, 0)
      assert.isAtMost(rewritten, 2 * edited + 64 * 1024 + 2 * size, `${rewritten} bytes rewritten for a ${size}-byte file`)
    }))

  it.scoped("a small config: what is staged is committed within a few hundred ms, not held to the end", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.scoped(file)
      const wait = yield* store.stage([{ path: ["platforms", "x", "refresh_token"], value: "plain-7" }], { secret: true })
      assert.notInclude(yield* read(file), "plain-7")
      yield* TestClock.adjust("500 millis")
      yield* wait.committed
      assert.include(yield* read(file), "refresh_token: plain-7")
    }))

  it.scoped("an outside edit between two commits is neither lost nor overwritten", () =>
    Effect.gen(function*() {
      const { file } = yield* tempFile(original)
      const store = yield* ConfigFileStore.scoped(file)
      const first = yield* store.stage([{ path: ["platforms", "x", "access_token"], value: "a-1" }], { secret: true })
      yield* TestClock.adjust("500 millis")
      yield* first.committed
      // someone edits the file by hand between herald's commits: a new key, a comment
      const byHand = (yield* read(file)).replace("  x:\n", "  x:\n    # rotated by herald; the access token is read by the poster\n") +
        "  threads: { min_refresh_age_hours: 24 }\n"
      yield* Effect.promise(() => fs.writeFile(file, byHand))
      const second = yield* store.stage([{ path: ["platforms", "tiktok", "refresh_token"], value: "rt-2" }], { secret: true })
      yield* TestClock.adjust("500 millis")
      yield* second.committed
      const text = yield* read(file)
      assert.include(text, "# rotated by herald; the access token is read by the poster")
      assert.include(text, "threads: { min_refresh_age_hours: 24 }")
      assert.include(text, `refresh_token: "rt-2"`)
      assert.include(text, `access_token: "a-1"`)
    }))
})
