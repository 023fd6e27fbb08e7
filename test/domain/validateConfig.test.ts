import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as YAML from "yaml"
import { connectionsOf, parseTarget, selectConnections } from "../../src/domain/Connection.js"
import { platformIds } from "../../src/platforms/registry.js"
import { validateConfig } from "../../src/programs/configCatalog.js"

const issues = (text: string) => {
  const result = validateConfig(YAML.parse(text))
  return Either.isLeft(result) ? result.left : []
}

describe("validateConfig", () => {
  it("accepts DESIGN's example shape", () => {
    const result = validateConfig(YAML.parse(`
platforms:
  tiktok:
    enabled: true
    client_key: "aw1"
    access_token_expires_at: 2026-11-22T16:00:00Z
    refresh_token_expires_at: 2027-05-21T14:00:00Z
    endpoints:
      token: http://127.0.0.1:8080/v2/oauth/token/
    accounts:
      brand: { refresh_token_expires_at: 2027-04-01T00:00:00Z }
  linkedin:
    reauth_warn_days: 14
auth:
  writeback:
    backend: local
    gitlab: { project: "group/blog", api_url: "https://gitlab.example.com/api/v4" }
  alerts:
    backend: none
    remind_hours: 24
    escalate_days: [7, 3, 1]
    webhook: { url: "https://hooks.slack.com/x", format: slack }
    email: { host: smtp.example.com, port: 587, from: herald@example.com, to: [me@example.com] }
`))
    assert.isTrue(Either.isRight(result))
  })

  it("auth.writeback.github: the backend and its keys are accepted; a bad repository or plain-http api_url is named", () => {
    const ok = validateConfig(YAML.parse(`
auth:
  writeback:
    backend: github
    github: { repository: owner/blog, environment: production, api_url: "https://ghe.example.com/api/v3" }
    reauth_warn_days: 7
`))
    assert.isTrue(Either.isRight(ok))
    assert.deepStrictEqual(issues(`
auth:
  writeback:
    backend: github
    github: { repository: blog, api_url: "http://ghe.example.com/api/v3", token: x }
`).slice().sort(), [
      "auth.writeback.github.token: unknown key 'token'"
    ])
    assert.deepStrictEqual(issues(`
auth:
  writeback:
    github: { repository: blog, api_url: "http://ghe.example.com/api/v3" }
`).map((i) => i.split(":")[0]).sort(), ["auth.writeback.github.api_url", "auth.writeback.github.repository"])
  })

  it("names each bad key by its path, once", () => {
    assert.deepStrictEqual(issues(`
platforms:
  tiktok:
    access_token_expires_at: tomorrow
    bogus: 1
  myspace: {}
auth:
  alerts: { backend: pager }
`), [
      "platforms.tiktok.bogus: unknown key 'bogus'",
      "platforms.tiktok.access_token_expires_at: expected an RFC 3339 date such as 2026-11-22T16:00:00Z",
      // any id that is not built in reads as a generic provider (issue 15): one without type: oauth2 is unknown
      `platforms.myspace: unknown platform 'myspace' (expected one of ${platformIds.join(", ")}, ` +
      "or a generic OAuth 2.0 provider: an id of lower-case letters, digits, '-' and '_' with type: oauth2 and endpoints.token)",
      "auth.alerts.backend: expected one of none, webhook, email"
    ])
  })

  it("remind_hours and escalate_days: a bad value names the key and what is expected", () => {
    assert.deepStrictEqual(issues(`
auth:
  alerts: { remind_hours: -2, escalate_days: [7, 0] }
`), [
      "auth.alerts.remind_hours: expected a number of hours ≥ 0, such as 24 (0 repeats the alert on every run)",
      "auth.alerts.escalate_days.1: expected a number of days > 0 (escalate_days is a list such as [7, 3, 1]; [] turns escalation off)"
    ])
    assert.deepStrictEqual(issues("auth:\n  alerts: { escalate_days: 7 }\n"), [
      "auth.alerts.escalate_days: expected a list of days such as [7, 3, 1] ([] turns escalation off)"
    ])
    assert.deepStrictEqual(issues("auth:\n  alerts: { remind_hours: 0, escalate_days: [] }\n"), [])
  })

  it("rejects plain http to a non-loopback host and unknown endpoint names", () => {
    assert.deepStrictEqual(issues(`
platforms:
  x:
    endpoints: { token: "http://api.example.com/2/oauth2/token", nope: "https://a.example" }
`), [
      "platforms.x.endpoints.token: plain http is only allowed to loopback hosts; use https://api.example.com/2/oauth2/token",
      "platforms.x.endpoints.nope: unknown endpoint (x calls token, health, authorize)"
    ])
  })

  it("refuses a plain http webhook to a non-loopback host like platform endpoints, without quoting the URL (its path is a credential)", () => {
    const hook = (url: string) => issues(`auth:\n  alerts:\n    backend: webhook\n    webhook: { url: "${url}" }\n`)
    const refused = hook("http://hooks.example.com/services/SENTINEL-HOOK-PATH")
    assert.deepStrictEqual(refused, ["auth.alerts.webhook.url: must be an https URL (plain http only to loopback hosts)"])
    assert.deepStrictEqual(hook("https://hooks.example.com/services/SENTINEL-HOOK-PATH"), [])
    assert.deepStrictEqual(hook("http://127.0.0.1:8080/hook"), [])
    assert.deepStrictEqual(hook("http://[::1]:8080/hook"), [])
    assert.deepStrictEqual(hook("http://LOCALHOST:8080/hook"), [])
  })

  it("an empty file and a platform with nothing under it are valid", () => {
    assert.deepStrictEqual(issues(""), [])
    assert.deepStrictEqual(issues("platforms:\n  tiktok:\n"), [])
  })

  it("a top level that is not a mapping is explained", () => {
    assert.match(issues("- a\n- b\n")[0]!, /YAML mapping/)
  })
})

describe("connections and targets", () => {
  const config = Either.getOrThrow(validateConfig(YAML.parse(`
platforms:
  tiktok:
    client_key: ck
    refresh_token: main-token
    refresh_token_expires_at: 2027-01-01T00:00:00Z
    endpoints: { token: "http://127.0.0.1:1/t" }
    accounts:
      brand: { endpoints: { health: "http://127.0.0.1:1/h" } }
  youtube: { enabled: false }
  x:
`)))

  it("lists enabled platforms × accounts; accounts inherit app settings but never user tokens", () => {
    const all = connectionsOf(config)
    assert.deepStrictEqual(all.map((c) => `${c.platform}:${c.account}`), ["tiktok:default", "tiktok:brand", "x:default"])
    const brand = all[1]!
    assert.strictEqual(brand.settings.client_key, "ck")
    assert.isUndefined(brand.settings.refresh_token)
    assert.isUndefined(brand.settings.refresh_token_expires_at)
    assert.deepStrictEqual(brand.settings.endpoints, { token: "http://127.0.0.1:1/t", health: "http://127.0.0.1:1/h" })
    assert.deepStrictEqual(brand.configPath, ["platforms", "tiktok", "accounts", "brand"])
  })

  it("selects by target, and refuses what is not configured", () => {
    const all = connectionsOf(config)
    const pick = (t: string | undefined) =>
      Either.flatMap(parseTarget(t, platformIds), (target) => selectConnections(all, target, "herald.yaml", platformIds))
    assert.strictEqual(Either.getOrThrow(pick(undefined)).length, 3)
    assert.strictEqual(Either.getOrThrow(pick("tiktok")).length, 2)
    assert.deepStrictEqual(Either.getOrThrow(pick("tiktok:brand")).map((c) => c.account), ["brand"])
    assert.isTrue(Either.isLeft(pick("youtube")))
    assert.isTrue(Either.isLeft(pick("x:nobody")))
    assert.isTrue(Either.isLeft(pick("--json")))
    assert.isTrue(Either.isLeft(pick("tiktok:")))
  })
})
