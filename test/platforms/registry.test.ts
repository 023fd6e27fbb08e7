/**
 * The registry is the single list (issue 15, item 3): every entry is wired everywhere a
 * platform shows — config schema and endpoint validation, TARGET parsing, refreshers,
 * logins, credential hints, essential secrets, the starter config. Driven by the registry,
 * so a new entry (Threads) is covered without touching this file.
 */
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { CatalogLive } from "../../src/cli/AppLayer.js"
import { connectionsOf, parseTarget, selectConnections } from "../../src/domain/Connection.js"
import { ClientRejected } from "../../src/domain/errors.js"
import { envName } from "../../src/domain/Platform.js"
import * as GitLab from "../../src/layers/writeback/GitLab.js"
import { loginSpecFor } from "../../src/platforms/login/registry.js"
import { RefreshersLive } from "../../src/platforms/refreshers.js"
import { platformIds, registry } from "../../src/platforms/registry.js"
import { validateConfig } from "../../src/programs/configCatalog.js"
import { starterConfig } from "../../src/platforms/starterConfig.js"
import { statusOfError } from "../../src/programs/statusOfError.js"
import { Refreshers } from "../../src/services/Refreshers.js"
import { json, makeMemoryHttp } from "../support/memoryHttp.js"

const issuesOf = (raw: unknown): ReadonlyArray<string> => Either.match(validateConfig(raw), { onLeft: (l) => l, onRight: () => [] })

describe("every registry entry is wired everywhere", () => {
  for (const { descriptor } of registry) {
    const id = descriptor.id
    const names = Object.keys(descriptor.endpoints)

    describe(id, () => {
      it("the config accepts platforms.<id> with an override of each of its endpoints, and no other endpoint", () => {
        const endpoints = Object.fromEntries(names.map((n) => [n, `https://proxy.example.com/${id}/${n}`]))
        const config = Either.getOrThrow(validateConfig({ platforms: { [id]: { endpoints, accounts: { brand: {} } } } }))
        const connections = connectionsOf(config)
        assert.deepStrictEqual(connections.map((c) => [c.platform, c.account, c.provider]), [[id, "default", undefined], [id, "brand", undefined]])
        assert.deepStrictEqual(connections[0]!.settings.endpoints, endpoints)
        assert.deepStrictEqual(issuesOf({ platforms: { [id]: { endpoints: { bogus: "https://proxy.example.com/b" } } } }), [
          `platforms.${id}.endpoints.bogus: unknown endpoint (${id} calls ${names.join(", ")})`
        ])
        // a built-in platform takes no generic-provider keys
        assert.deepStrictEqual(issuesOf({ platforms: { [id]: { type: "oauth2" } } }), [`platforms.${id}.type: unknown key 'type'`])
      })

      it("a target names it, and an unknown target lists it", () => {
        const config = Either.getOrThrow(validateConfig({ platforms: { [id]: {} } }))
        const target = Either.getOrThrow(parseTarget(id, platformIds))
        assert.deepStrictEqual(target, { _tag: "Platform", platform: id })
        assert.strictEqual(Either.getOrThrow(selectConnections(connectionsOf(config), target, "herald.yaml", platformIds)).length, 1)
        const unknown = Either.flip(parseTarget("No-Such", platformIds)).pipe(Either.getOrThrow)
        assert.include(unknown.reason, id)
        // not in the file: said as a built-in platform that is not configured, not as an undefined provider
        const missing = Either.flip(selectConnections([], target, "herald.yaml", platformIds)).pipe(Either.getOrThrow)
        assert.strictEqual(missing.reason, `${id} is not configured (or not enabled) in herald.yaml`)
      })

      it.effect("its refresher and its login are the registry's", () =>
        Effect.gen(function*() {
          const refresher = (yield* Refreshers).get(id)
          assert.strictEqual(refresher.platform, id)
          assert.deepStrictEqual(refresher.secretKeys, descriptor.secretKeys)
          assert.deepStrictEqual(refresher.endpoints, descriptor.endpoints)
          const [connection] = connectionsOf(Either.getOrThrow(validateConfig({ platforms: { [id]: {} } })))
          const login = yield* loginSpecFor(connection!)
          assert.strictEqual(login.platform, id)
          assert.strictEqual(login.credentials.id, descriptor.appCredentials.id)
          assert.strictEqual(login.credentials.secret, descriptor.appCredentials.secret)
        }).pipe(Effect.provide(RefreshersLive.pipe(Layer.provide(makeMemoryHttp(() => json(500, {})).layer)))))

      it("a refused client names the platform's own app credentials", () => {
        const [connection] = connectionsOf(Either.getOrThrow(validateConfig({ platforms: { [id]: { accounts: { brand: {} } } } })))
        const error = new ClientRejected({ platform: id, account: "default", reason: "invalid_client" })
        const status = statusOfError(connection!, error, DateTime.unsafeMake(0))
        const { id: appId, secret } = descriptor.appCredentials
        assert.include(status.detail, `check ${envName(connection!, appId)} / ${envName(connection!, secret)}`)
      })

      it.effect("a CI write-back needs a variable for its essential secrets before a rotation, and for nothing else", () =>
        Effect.gen(function*() {
          const http = makeMemoryHttp((req) =>
            req.url.pathname.endsWith("/personal_access_tokens/self")
              ? json(200, { id: 1, scopes: ["api"], active: true, revoked: false, expires_at: null })
              : json(404, { message: "404 Variable Not Found" })
          )
          const writeBack = yield* GitLab.make({ apiUrl: "https://gitlab.example.com/api/v4", project: "g/b", token: Redacted.make("glpat-sentinel") }).pipe(
            Effect.provide(Layer.merge(http.layer, CatalogLive))
          )
          const [connection] = connectionsOf(Either.getOrThrow(validateConfig({ platforms: { [id]: {} } })))
          const failed = yield* Effect.flip(writeBack.preflight(connection!, descriptor.secretKeys))
          for (const key of descriptor.secretKeys) {
            const name = envName(connection!, key)
            if (descriptor.essentialSecrets.some((k) => k === key)) assert.include(failed.reason, name)
            else assert.notInclude(failed.reason, name)
          }
        }))

      it("the starter config offers it, with what herald does with its tokens", () => {
        assert.include(starterConfig([]), `# ${id}: {}`)
        assert.include(starterConfig([id]), `  ${id}:`)
        assert.include(starterConfig([]), descriptor.summary)
      })
    })
  }

  it("an id the registry does not know is a generic provider, from the same path", () => {
    const config = Either.getOrThrow(validateConfig({
      platforms: { "my-app": { type: "oauth2", endpoints: { token: "https://auth.example.com/token" } } }
    }))
    const [connection] = connectionsOf(config)
    assert.strictEqual(connection!.provider?.type, "oauth2")
    assert.deepStrictEqual(issuesOf({ platforms: { "my-app": {} } })[0]?.startsWith("platforms.my-app: unknown platform 'my-app' (expected one of"), true)
    assert.include(issuesOf({ platforms: { "my-app": {} } })[0], platformIds.join(", "))
  })
})
