/** The README's "Generic OAuth 2.0 provider" example is a config herald accepts, with the names it promises. */
import { readFileSync } from "node:fs"
import * as Either from "effect/Either"
import { describe, expect, it } from "vitest"
import * as YAML from "yaml"
import { connectionsOf } from "../../src/domain/Connection.js"
import { envName } from "../../src/domain/Platform.js"
import { validateConfig } from "../../src/programs/configCatalog.js"

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8")

describe("README: generic OAuth 2.0 provider", () => {
  it("its example validates and yields the connections and variable names the section names", () => {
    const section = readme.slice(readme.indexOf("## Generic OAuth 2.0 provider"))
    const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1]
    expect(block).toBeDefined()
    const config = validateConfig(YAML.parse(block!))
    expect(Either.isRight(config), JSON.stringify(config)).toBe(true)
    const connections = connectionsOf(Either.getOrThrow(config))
    expect(connections.map((c) => `${c.platform}:${c.account}`)).toEqual(["mastodon:default", "mastodon:brand"])
    expect(connections[0]!.provider).toMatchObject({ type: "oauth2", client_auth: "client_secret_basic", pkce: true })
    for (const name of ["MASTODON_CLIENT_ID", "MASTODON_CLIENT_SECRET", "MASTODON_ACCESS_TOKEN", "MASTODON_REFRESH_TOKEN"]) {
      expect(section).toContain(name)
    }
    expect(envName(connections[1]!, "refresh_token")).toBe("MASTODON_BRAND_REFRESH_TOKEN")
  })
})
