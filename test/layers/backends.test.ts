/**
 * The write-back and notifier maps are the single lists of backends (issue 15, item 3):
 * the config schema's `backend` literals and sections come from them. Driven by the maps,
 * so a new backend is covered without touching this file.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import type { BackendCatalog } from "../../src/domain/Config.js"
import { notifierBackends } from "../../src/layers/notifier/index.js"
import { writeBackBackends } from "../../src/layers/writeback/index.js"
import { validateConfig } from "../../src/programs/configCatalog.js"

const issuesOf = (raw: unknown): ReadonlyArray<string> => Either.match(validateConfig(raw), { onLeft: (l) => l, onRight: () => [] })

const parts: ReadonlyArray<{ readonly part: "writeback" | "alerts"; readonly backends: BackendCatalog }> = [
  { part: "writeback", backends: writeBackBackends },
  { part: "alerts", backends: notifierBackends }
]

describe("backends from their maps", () => {
  for (const { backends, part } of parts) {
    const names = Object.keys(backends)

    it(`auth.${part}.backend accepts each name in the map, and refuses another by listing them`, () => {
      for (const name of names) {
        // a backend's section, where it has one, is checked by its own schema: an unknown key in it is named
        const withSection = { auth: { [part]: { backend: name, [name]: { no_such_key: 1 } } } }
        const issues = issuesOf(withSection)
        if (backends[name]?.schema === undefined) {
          assert.deepStrictEqual(issues, [`auth.${part}.${name}: unknown key '${name}'`])
        } else {
          assert.include(issues, `auth.${part}.${name}.no_such_key: unknown key 'no_such_key'`)
        }
      }
      assert.deepStrictEqual(issuesOf({ auth: { [part]: { backend: "carrier-pigeon" } } }), [
        `auth.${part}.backend: expected one of ${names.join(", ")}`
      ])
    })
  }

  it("a backend's own checks run on its section: plain http off loopback, named by the key", () => {
    assert.deepStrictEqual(issuesOf({ auth: { writeback: { gitlab: { api_url: "http://gitlab.example.com/api/v4" } } } }), [
      "auth.writeback.gitlab.api_url: plain http is only allowed to loopback hosts; use https://gitlab.example.com/api/v4"
    ])
    assert.deepStrictEqual(issuesOf({ auth: { alerts: { webhook: { url: "http://hooks.example.com/SENTINEL-PATH" } } } }), [
      "auth.alerts.webhook.url: must be an https URL (plain http only to loopback hosts)"
    ])
  })
})
