/**
 * The GitHub stand-in checks what GitHub checks (PROVIDERS §7): a test that passes against
 * it must have sent what GitHub would accept.
 */
import sodium from "libsodium-wrappers"
import { afterEach, describe, expect, it } from "vitest"
import { type GitHubFake, startGitHubFake } from "../../sandbox/fakes/github.js"

const TOKEN = "github_pat_test"
let fake: GitHubFake | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const call = (method: string, path: string, options: { token?: string | null; ua?: string | null; body?: unknown } = {}) => {
  const headers: Record<string, string> = { accept: "application/vnd.github+json" }
  if (options.token !== null) headers["authorization"] = `Bearer ${options.token ?? TOKEN}`
  // fetch sends its own User-Agent unless one is given; an empty one stands for none
  headers["user-agent"] = options.ua === null ? "" : options.ua ?? "test/1"
  if (options.body !== undefined) headers["content-type"] = "application/json"
  return fetch(`${fake!.url}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) })
}

const sealFor = async (path: string, value: string) => {
  await sodium.ready
  const key = (await (await call("GET", path)).json()) as { key_id: string; key: string }
  const sealed = sodium.crypto_box_seal(value, sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL))
  return { encrypted_value: sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL), key_id: key.key_id }
}

describe("the GitHub stand-in", () => {
  it("requires a token and a User-Agent", async () => {
    fake = await startGitHubFake({ tokens: { [TOKEN]: { secrets: "write" } } })
    expect((await call("GET", "/repos/owner/blog/actions/secrets/public-key", { token: null })).status).toBe(401)
    expect((await call("GET", "/repos/owner/blog/actions/secrets/public-key", { token: "wrong" })).status).toBe(401)
    expect((await call("GET", "/repos/owner/blog/actions/secrets/public-key", { ua: null })).status).toBe(403)
    expect((await call("GET", "/repos/owner/blog/actions/secrets/public-key")).status).toBe(200)
  })

  it("opens the sealed box: 201 on create, 204 on update, the value never readable", async () => {
    fake = await startGitHubFake({ tokens: { [TOKEN]: { secrets: "write" } } })
    const put = async (value: string) =>
      (await call("PUT", "/repos/owner/blog/actions/secrets/MY_SECRET", { body: await sealFor("/repos/owner/blog/actions/secrets/public-key", value) })).status
    expect(await put("first")).toBe(201)
    expect(await put("second")).toBe(204)
    expect(fake.secret("MY_SECRET")).toBe("second")
    const read = await (await call("GET", "/repos/owner/blog/actions/secrets/MY_SECRET")).text()
    expect(read).not.toContain("second")
    expect(Object.keys(JSON.parse(read) as object).sort()).toEqual(["created_at", "name", "updated_at"])
  })

  it("refuses a stale key_id, a box sealed for another key, and an environment's box sealed with the repository key", async () => {
    fake = await startGitHubFake({ tokens: { [TOKEN]: { secrets: "write" } }, environments: { production: {} } })
    const repoBox = await sealFor("/repos/owner/blog/actions/secrets/public-key", "v")
    expect(fake.environment("production")!.keyId).not.toBe(fake.repo.keyId)
    // the repository's box under the environment's key id: it cannot be opened
    const envKeyId = fake.environment("production")!.keyId
    expect((await call("PUT", "/repos/owner/blog/environments/production/secrets/S", { body: { ...repoBox, key_id: envKeyId } })).status).toBe(422)
    fake.rotateKey()
    expect((await call("PUT", "/repos/owner/blog/actions/secrets/S", { body: repoBox })).status).toBe(422)
    expect(fake.secret("S")).toBeUndefined()
  })

  it("read-only and workflow tokens cannot write; expiring tokens say when they expire", async () => {
    fake = await startGitHubFake({
      tokens: { ro: { secrets: "read" }, workflow: { secrets: "none" }, [TOKEN]: { secrets: "write", expiresAt: "2026-12-07 19:07:53 UTC" } }
    })
    const box = await sealFor("/repos/owner/blog/actions/secrets/public-key", "v")
    expect((await call("PUT", "/repos/owner/blog/actions/secrets/S", { token: "ro", body: box })).status).toBe(403)
    const workflow = await call("GET", "/repos/owner/blog/actions/secrets/public-key", { token: "workflow" })
    expect(workflow.status).toBe(403)
    expect(((await workflow.json()) as { message: string }).message).toBe("Resource not accessible by integration")
    const ok = await call("GET", "/repos/owner/blog/actions/secrets/public-key")
    expect(ok.headers.get("github-authentication-token-expiration")).toBe("2026-12-07 19:07:53 UTC")
  })
})
