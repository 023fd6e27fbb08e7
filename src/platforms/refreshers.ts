/**
 * The Refreshers port, live: each built-in platform's refresher from the registry, the
 * generic core for any other id.
 *
 * Only the platforms a command needs are loaded (in the bin's bundle, loading = evaluating
 * that platform's modules): given an AppConfig, the built-ins its connections name, at once;
 * any other built-in on its first call (a platform `auth set` names before the config lists
 * it, one a reload under the lock finds). Without an AppConfig (the library, a test), every
 * built-in is loaded, as before.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { PlatformId } from "../domain/Platform.js"
import { AppConfig } from "../services/AppConfig.js"
import { type Refresher, Refreshers } from "../services/Refreshers.js"
import { makeGeneric } from "./oauth2/Generic.js"
import type { PlatformModule } from "./PlatformModule.js"
import { type RegistryEntry, registry } from "./registry.js"

/** A registry entry's calls: at once where they are loaded already, else once its module is (said at debug level). */
export const loadPlatform = (entry: RegistryEntry): Effect.Effect<PlatformModule> =>
  Effect.suspend(() => {
    const loaded = entry.loaded()
    return loaded !== undefined
      ? Effect.succeed(loaded)
      : Effect.promise(entry.load).pipe(Effect.tap(() => Effect.logDebug(`platform ${entry.descriptor.id}: calls loaded`)))
  })

const entries: ReadonlyArray<RegistryEntry> = registry

/**
 * A built-in platform's refresher before its module is loaded: what is data comes from its
 * descriptor; each call loads the module (once) and hands over to the real refresher.
 */
const deferred = (entry: RegistryEntry, real: Effect.Effect<Refresher>): Refresher => {
  const { descriptor } = entry
  return {
    platform: descriptor.id,
    secretKeys: descriptor.secretKeys,
    // the keys without which no run can work, as the descriptor names them; doctor, which
    // asks the finer question, runs on the config's platforms, loaded up front
    requiredSecrets: () => descriptor.essentialSecrets,
    endpoints: descriptor.endpoints,
    plan: (ctx) => Effect.flatMap(real, (r) => r.plan(ctx)),
    execute: (ctx, plan) => Effect.flatMap(real, (r) => r.execute(ctx, plan)),
    verify: (ctx) => Effect.flatMap(real, (r) => r.verify(ctx))
  }
}

export const RefreshersLive = Layer.effect(
  Refreshers,
  Effect.gen(function*() {
    const http = yield* HttpClient.HttpClient
    const config = yield* Effect.serviceOption(AppConfig)
    const named = Option.map(config, (app) => new Set<string>(app.connections.map((c) => c.platform)))
    const upFront = entries.filter((e) => Option.match(named, { onNone: () => true, onSome: (ids) => ids.has(e.descriptor.id) }))
    const modules = yield* Effect.forEach(upFront, loadPlatform, { concurrency: "unbounded" })
    const built = yield* Effect.forEach(modules, (m) => m.make)
    const byPlatform = new Map<PlatformId, Refresher>(built.map((r) => [r.platform, r]))
    const make = (entry: RegistryEntry): Effect.Effect<Refresher> =>
      Effect.suspend(() => {
        const r = byPlatform.get(entry.descriptor.id)
        if (r !== undefined) return Effect.succeed(r)
        return loadPlatform(entry).pipe(
          Effect.flatMap((m) => Effect.provideService(m.make, HttpClient.HttpClient, http)),
          Effect.tap((r) => Effect.sync(() => byPlatform.set(r.platform, r)))
        )
      })
    return {
      get: (platform: PlatformId) => {
        const r = byPlatform.get(platform)
        if (r !== undefined) return r
        const entry = entries.find((e) => e.descriptor.id === platform)
        if (entry !== undefined) return deferred(entry, make(entry))
        const generic = makeGeneric(http, platform)
        byPlatform.set(platform, generic)
        return generic
      }
    }
  })
)
