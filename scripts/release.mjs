// `npm run release`: tags the current commit's build as v<version> (package.json). The tag
// points at a commit made beside the branch (the branch itself is not touched) that adds the
// built dist/ and drops the build and prepare scripts, so `npm install -g git+…/herald.git#v<version>`
// needs no build tool and runs no script (npm/cli#8440). Push it with `git push origin v<version>`.
import { execFileSync, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"

const git = (args, options = {}) => execFileSync("git", args, { encoding: "utf8", ...options }).trim()
const fail = (message) => {
  process.stderr.write(`release: ${message}\n`)
  process.exit(1)
}

const pkg = JSON.parse(readFileSync("package.json", "utf8"))
const tag = `v${pkg.version}`
if (git(["status", "--porcelain", "--untracked-files=no"]) !== "") fail("the work tree has uncommitted changes; commit them first")
if (git(["tag", "--list", tag]) !== "") fail(`${tag} exists already; raise "version" in package.json for a new release`)

const build = spawnSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" })
if (build.status !== 0) fail("the build failed")

const scratch = mkdtempSync(path.join(tmpdir(), "herald-release-"))
try {
  // a private index: HEAD's tree, plus dist/ (ignored on branches), plus the release package.json
  const env = { ...process.env, GIT_INDEX_FILE: path.join(scratch, "index") }
  git(["read-tree", "HEAD"], { env })
  git(["add", "--force", "dist"], { env })
  // npm prepares a git dependency (runs `npm install` in its clone) when it has any of these
  // scripts; in a global install that run races the install itself (npm/cli#8440)
  const lifecycle = new Set(["build", "prepare", "prepack", "preinstall", "install", "postinstall"])
  const scripts = Object.fromEntries(Object.entries(pkg.scripts ?? {}).filter(([name]) => !lifecycle.has(name)))
  const released = JSON.stringify({ ...pkg, scripts }, null, 2) + "\n"
  const blob = git(["hash-object", "-w", "--stdin"], { input: released })
  git(["update-index", "--cacheinfo", `100644,${blob},package.json`], { env })
  const tree = git(["write-tree"], { env })
  const commit = git(["commit-tree", tree, "-p", "HEAD", "-m", `herald ${tag}: the built bundle (dist/), no build or prepare script`])
  git(["tag", "-a", tag, "-m", `herald ${tag}`, commit])
  process.stdout.write(`tagged ${tag} (${commit.slice(0, 12)}); publish it with: git push origin ${tag}\n`)
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
