/** The Refreshers port, live: each built-in platform's refresher from the registry, the generic core for any other id. */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { PlatformId } from "../domain/Platform.js"
import { type Refresher, Refreshers } from "../services/Refreshers.js"
import { makeGeneric } from "./oauth2/Generic.js"
import type { PlatformModule } from "./PlatformModule.js"
import { isBuiltinPlatform, type RegistryEntry, registry } from "./registry.js"

/** A registry entry's calls: at once where they are loaded already, else once its module is. */
export const loadPlatform = (entry: RegistryEntry): Effect.Effect<PlatformModule> =>
  Effect.suspend(() => {
    const loaded = entry.loaded()
    return loaded !== undefined ? Effect.succeed(loaded) : Effect.promise(entry.load)
  })

export const RefreshersLive = Layer.effect(
  Refreshers,
  Effect.gen(function*() {
    const modules = yield* Effect.forEach(registry, loadPlatform, { concurrency: "unbounded" })
    const built = yield* Effect.forEach(modules, (m) => m.make)
    const http = yield* HttpClient.HttpClient
    const byPlatform = new Map<PlatformId, Refresher>(built.map((r) => [r.platform, r]))
    return {
      get: (platform: PlatformId) => {
        const r = byPlatform.get(platform)
        if (r !== undefined) return r
        // every registry entry's module was loaded above; a gap is a programming error
        if (isBuiltinPlatform(platform)) throw new Error(`no refresher registered for ${platform}`)
        const generic = makeGeneric(http, platform)
        byPlatform.set(platform, generic)
        return generic
      }
    }
  })
)
