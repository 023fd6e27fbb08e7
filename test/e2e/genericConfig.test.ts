/** Issue 15: a generic provider's config mistakes stop every command at start-up (exit 2), naming the key. */
import { beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, describeRun, makeWorkspace, startFailureOf, stripAnsi } from "./support/runHerald.js"

beforeAll(assertBuilt)

const cases = [
  {
    name: "no endpoints.token",
    yaml: "platforms:\n  mastodon:\n    type: oauth2\n    endpoints: { authorize: \"https://m.example/oauth/authorize\" }\n",
    says: "platforms.mastodon.endpoints.token: is required for a generic OAuth 2.0 provider"
  },
  {
    name: "an unknown key",
    yaml: "platforms:\n  mastodon:\n    type: oauth2\n    endpoints: { token: \"https://m.example/oauth/token\" }\n    scope: [read]\n",
    says: "platforms.mastodon.scope: unknown key 'scope'"
  },
  {
    name: "an unknown client_auth",
    yaml: "platforms:\n  mastodon:\n    type: oauth2\n    endpoints: { token: \"https://m.example/oauth/token\" }\n    client_auth: private_key_jwt\n",
    says: "platforms.mastodon.client_auth: expected one of client_secret_basic, client_secret_post, none"
  },
  {
    name: "no type: oauth2",
    yaml: "platforms:\n  mastodon:\n    endpoints: { token: \"https://m.example/oauth/token\" }\n",
    says: "platforms.mastodon: unknown platform 'mastodon'"
  }
] as const

describe("generic provider: bad config", { timeout: 30_000 }, () => {
  for (const c of cases) {
    it(`${c.name}: exit 2, the key named, nothing attempted`, async () => {
      const ws = await makeWorkspace()
      await ws.writeConfig(c.yaml)
      const run = await ws.herald(["auth", "refresh", "--json"])
      expect(run.code, describeRun(run)).toBe(2)
      expect(stripAnsi(run.stderr)).toContain(c.says)
      // under --json a run that could not start says so on stdout too, as one JSON object
      expect(stripAnsi(startFailureOf(run))).toContain(c.says)
      expect(await ws.readConfigText()).toBe(c.yaml)
    })
  }
})
