import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ConfigFile from "../../../src/layers/config/ConfigFile.js"
import * as ConfigFileStore from "../../../src/layers/config/ConfigFileStore.js"
import { CatalogLive } from "../../../src/cli/AppLayer.js"

const tempDir = Effect.acquireRelease(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "herald-config-"))),
  (dir) => Effect.promise(() => fs.rm(dir, { recursive: true, force: true }))
)

const withEnv = (env: Record<string, string>) => Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("config discovery", () => {
  it.scoped("--config wins, then HERALD_CONFIG, then XDG_CONFIG_HOME", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const flag = yield* ConfigFile.discover(Option.some(path.join(dir, "a.yaml")))
      assert.deepStrictEqual(flag, { file: path.join(dir, "a.yaml"), explicit: true, source: "flag" })
      const env = yield* ConfigFile.discover(Option.none()).pipe(withEnv({ HERALD_CONFIG: path.join(dir, "b.yaml") }))
      assert.strictEqual(env.file, path.join(dir, "b.yaml"))
      assert.strictEqual(env.source, "env")
      const xdg = yield* ConfigFile.discover(Option.none()).pipe(withEnv({ XDG_CONFIG_HOME: dir }))
      // ./herald.yaml is looked for in the working directory first; the repo has none
      assert.strictEqual(xdg.file, path.join(dir, "herald", "config.yaml"))
      assert.isFalse(xdg.explicit)
      assert.strictEqual(xdg.source, "xdg")
    }))

  it.scoped("no file at the default place is an empty config; a missing --config file is an error", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const implicit = yield* ConfigFile.load({ file: path.join(dir, "none.yaml"), explicit: false })
      assert.deepStrictEqual(implicit, { file: path.join(dir, "none.yaml"), exists: false, config: {} })
      const error = yield* ConfigFile.load({ file: path.join(dir, "none.yaml"), explicit: true }).pipe(Effect.flip)
      assert.include(error.message, "no such file")
    }).pipe(Effect.provide(CatalogLive)))

  it.scoped("broken YAML names the line", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "bad.yaml")
      yield* Effect.promise(() => fs.writeFile(file, "platforms:\n  tiktok: [unclosed\n"))
      const error = yield* ConfigFile.load({ file, explicit: true }).pipe(Effect.flip)
      assert.strictEqual(error.file, file)
      assert.match(error.issues[0]!, /^line \d+, column \d+: /)
    }).pipe(Effect.provide(CatalogLive)))
})

describe("expiry metadata from the environment", () => {
  const snapshot = ConfigFile.appConfigFrom({
    file: "/x/herald.yaml",
    exists: true,
    config: {
      platforms: {
        tiktok: { access_token_expires_at: "2026-01-01T00:00:00Z", accounts: { brand: {} } }
      }
    }
  })

  it.effect("TIKTOK_ACCESS_TOKEN_EXPIRES_AT (as GitLab write-back stores it) wins over the file", () =>
    Effect.gen(function*() {
      const out = yield* ConfigFile.withEnvironmentMetadata(snapshot).pipe(
        withEnv({
          TIKTOK_ACCESS_TOKEN_EXPIRES_AT: "2027-02-02T00:00:00Z",
          TIKTOK_BRAND_REFRESH_TOKEN_EXPIRES_AT: "2027-03-03T00:00:00Z"
        })
      )
      assert.strictEqual(out.connections[0]!.settings.access_token_expires_at, "2027-02-02T00:00:00Z")
      assert.strictEqual(out.connections[1]!.settings.refresh_token_expires_at, "2027-03-03T00:00:00Z")
      assert.isUndefined(out.connections[1]!.settings.access_token_expires_at)
    }))

  it.effect("a bad date in the environment names the variable", () =>
    Effect.gen(function*() {
      const error = yield* ConfigFile.withEnvironmentMetadata(snapshot).pipe(
        withEnv({ TIKTOK_ACCESS_TOKEN_EXPIRES_AT: "soon" }),
        Effect.flip
      )
      assert.deepStrictEqual(error.issues, [
        "TIKTOK_ACCESS_TOKEN_EXPIRES_AT (environment): expected an RFC 3339 date such as 2026-11-22T16:00:00Z"
      ])
    }))
})

describe("config file edits", () => {
  const original = `# herald config — my notes
platforms:
  # the brand account too
  tiktok:
    client_key: ck   # from the developer portal
    refresh_token_expires_at: 2027-01-01T00:00:00Z
    accounts:
      brand: { refresh_token_expires_at: 2027-04-01T00:00:00Z }
  linkedin:
`

  it("keeps comments, key order and flow style; fills a platform with nothing under it", () => {
    const next = ConfigFileStore.applyEdits(original, [
      { path: ["platforms", "tiktok", "refresh_token_expires_at"], value: "2027-05-21T14:00:00Z" },
      { path: ["platforms", "tiktok", "refresh_token"], value: "new-token" },
      { path: ["platforms", "tiktok", "accounts", "brand", "refresh_token"], value: "brand-token" },
      { path: ["platforms", "linkedin", "access_token_expires_at"], value: "2027-01-20T00:00:00Z" }
    ])
    assert.strictEqual(
      next,
      `# herald config — my notes
platforms:
  # the brand account too
  tiktok:
    client_key: ck # from the developer portal
    refresh_token_expires_at: 2027-05-21T14:00:00Z
    accounts:
      brand: { refresh_token_expires_at: 2027-04-01T00:00:00Z, refresh_token: brand-token }
    refresh_token: new-token
  linkedin:
    access_token_expires_at: 2027-01-20T00:00:00Z
`
    )
  })

  it.scoped("writes atomically with mode 0600 when a secret is written, and 50 concurrent writers lose nothing", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = path.join(dir, "herald.yaml")
      yield* Effect.promise(() => fs.writeFile(file, original, { mode: 0o644 }))
      const store = yield* ConfigFileStore.make(file)
      yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i),
        (i) => store.apply([{ path: ["platforms", "tiktok", "accounts", `a${i}`, "refresh_token"], value: `t${i}` }], { secret: true }),
        { concurrency: "unbounded" }
      )
      const text = yield* Effect.promise(() => fs.readFile(file, "utf8"))
      for (let i = 0; i < 50; i++) assert.include(text, `a${i}:\n        refresh_token: t${i}`)
      assert.include(text, "# the brand account too")
      const mode = (yield* Effect.promise(() => fs.stat(file))).mode & 0o777
      assert.strictEqual(mode, 0o600)
      const leftovers = (yield* Effect.promise(() => fs.readdir(dir))).filter((f) => f.endsWith(".tmp"))
      assert.deepStrictEqual(leftovers, [])
    }))
})
