/**
 * herald as a user gets it (issue 19, parts 1 and 2): the packed tarball installed into a
 * fresh project runs the README's library snippet under plain `node` and type-checks against
 * the shipped declarations; installed globally it puts `herald` on PATH; and a release tag
 * (scripts/release.mjs) installs globally from a `git+file://` URL with no build tool.
 * These run npm itself, so they are slower than the other e2e tests.
 */
import { execFile } from "node:child_process"
import { existsSync } from "node:fs"
import * as fs from "node:fs/promises"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cleanEnv, repoRoot } from "./support/runHerald.js"
import { helpFixture } from "./support/helpFixtures.js"

const exec = promisify(execFile)
const pkg = JSON.parse(await fs.readFile(path.join(repoRoot, "package.json"), "utf8")) as { version: string }
const tsc = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc")

/** npm with a clean environment (no npm_config_* of a surrounding `npm test`), from the registry's cache first. */
const npm = (args: ReadonlyArray<string>, cwd: string) =>
  exec("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd,
    env: { ...cleanEnv(cwd), npm_config_cache: process.env["npm_config_cache"] ?? path.join(process.env["HOME"] ?? tmpdir(), ".npm") },
    maxBuffer: 16 * 1024 * 1024
  })

/** The README's "As a library" code block, as the user copies it. */
const readmeSnippet = async () => {
  const readme = await fs.readFile(path.join(repoRoot, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## As a library"))
  const match = /```ts\n([\s\S]*?)```/.exec(section)
  if (match === null) throw new Error("README.md has no ```ts block under ## As a library")
  return match[1]!
}

let work: string
let tarball: string

beforeAll(async () => {
  if (!existsSync(path.join(repoRoot, "dist", "types", "index.d.ts"))) throw new Error("dist/ is not built: run `npm run build` first")
  work = await fs.mkdtemp(path.join(tmpdir(), "herald-pkg-"))
  // dist/ is what `npm test` just built: pack it as it is (no second build)
  const { stdout } = await npm(["pack", "--ignore-scripts", "--pack-destination", work, "--json"], repoRoot)
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  tarball = path.join(work, packed!.filename)
  const files = packed!.files.map((f) => f.path)
  expect(files).toContain("dist/index.js")
  expect(files).toContain("dist/types/index.d.ts")
  expect(files).toContain("dist/herald.cjs")
  // the bin's help pages and the app it runs (issue 20)
  expect(files).toContain("dist/help.json")
  expect(files.filter((f) => /^dist\/app-[A-Z0-9]+\.cjs$/.test(f))).toHaveLength(1)
  expect(files).toContain("LICENSE")
  // the TypeScript source stays out of the package
  expect(files.filter((f) => f.startsWith("src/") || (f.endsWith(".ts") && !f.endsWith(".d.ts")))).toEqual([])
}, 120_000)

afterAll(async () => {
  if (work !== undefined) await fs.rm(work, { recursive: true, force: true })
})

describe("the packed package", () => {
  it("runs the README's library snippet under plain node and type-checks it against the shipped .d.ts", async () => {
    const app = path.join(work, "app")
    await fs.mkdir(app)
    await fs.writeFile(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }))
    await npm(["install", "--ignore-scripts", tarball], app)
    const snippet = await readmeSnippet()
    await fs.writeFile(path.join(app, "main.mjs"), snippet)
    await fs.writeFile(path.join(app, "main.ts"), snippet)
    await fs.writeFile(
      path.join(app, "herald.yaml"),
      "platforms:\n  linkedin:\n    access_token_expires_at: 2099-01-01T00:00:00Z\n"
    )

    const run = await exec(process.execPath, ["main.mjs"], {
      cwd: app,
      env: { ...cleanEnv(app), LINKEDIN_ACCESS_TOKEN: "lib-sentinel-token" }
    })
    expect(run.stdout).toBe("connections: 1, needing attention: 0\n")
    expect(run.stdout + run.stderr).not.toContain("lib-sentinel-token")

    // a Node app has @types/node; everything else comes from herald's declarations and its dependencies
    await fs.mkdir(path.join(app, "node_modules", "@types"), { recursive: true })
    await fs.symlink(path.join(repoRoot, "node_modules", "@types", "node"), path.join(app, "node_modules", "@types", "node"))
    await fs.writeFile(
      path.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ["node"]
        },
        files: ["main.ts"]
      })
    )
    const checked = await exec(process.execPath, [tsc, "-p", "."], { cwd: app }).catch((e: { stdout: string }) => e)
    expect(checked.stdout).toBe("")
    // it read herald's declarations, not its source
    const listed = await exec(process.execPath, [tsc, "-p", ".", "--listFilesOnly"], { cwd: app })
    expect(listed.stdout).toContain("node_modules/herald/dist/types/index.d.ts")
    expect(listed.stdout).not.toMatch(/node_modules\/herald\/src\//)
  }, 180_000)

  it("installs globally from the tarball and puts herald on PATH", async () => {
    const prefix = path.join(work, "global")
    await npm(["install", "--global", "--prefix", prefix, tarball], work)
    const run = await exec(path.join(prefix, "bin", "herald"), ["--version"], { cwd: work, env: cleanEnv(work) })
    expect(run.stdout).toBe(`${pkg.version}\n`)
    // help from the installed help.json, as herald has always printed it
    const help = await exec(path.join(prefix, "bin", "herald"), ["auth", "refresh", "--help"], { cwd: work, env: cleanEnv(work) })
    expect(help.stdout).toBe(helpFixture(["auth", "refresh"]))
    // the app itself, from the installed bundle, with its code cache made where the environment says
    const env = cleanEnv(work, { XDG_CACHE_HOME: path.join(work, "installed-cache") })
    await fs.writeFile(path.join(work, "empty.yaml"), "", { mode: 0o600 })
    const status = await exec(path.join(prefix, "bin", "herald"), ["auth", "status", "--json", "--config", "empty.yaml"], { cwd: work, env })
    expect(JSON.parse(status.stdout)).toEqual({ dryRun: true, attention: 0, statuses: [] })
    expect((await fs.readdir(path.join(work, "installed-cache", "herald"))).filter((f) => f.endsWith(".v8cache"))).toHaveLength(1)
  }, 180_000)

  it("installs globally from a release tag over a git+file:// URL, with no build tool", async () => {
    const clone = path.join(work, "clone")
    await exec("git", ["clone", "--quiet", repoRoot, clone])
    // the release builds with the project's own tools; the install that follows gets none
    await fs.symlink(path.join(repoRoot, "node_modules"), path.join(clone, "node_modules"))
    const released = await exec(process.execPath, ["scripts/release.mjs"], {
      cwd: clone,
      env: { ...process.env, GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com" }
    })
    expect(released.stdout).toContain(`tagged v${pkg.version}`)
    // the branch itself still carries no build output
    const branchFiles = await exec("git", ["ls-tree", "-r", "--name-only", "HEAD"], { cwd: clone })
    expect(branchFiles.stdout).not.toMatch(/^dist\//m)

    const prefix = path.join(work, "from-git")
    await npm(["install", "--global", "--prefix", prefix, `git+file://${clone}#v${pkg.version}`], work)
    const run = await exec(path.join(prefix, "bin", "herald"), ["--version"], { cwd: work, env: cleanEnv(work) })
    expect(run.stdout).toBe(`${pkg.version}\n`)
  }, 240_000)
})
