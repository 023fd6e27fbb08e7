/**
 * The platforms herald can refresh. Adding one = a module in this folder + one line here.
 * Any other id is a generic OAuth 2.0 provider: the standard core (oauth2/Generic.ts).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { isBuiltinPlatform, type PlatformId } from "../domain/Platform.js"
import { type Refresher, Refreshers } from "../services/Refreshers.js"
import * as Instagram from "./Instagram.js"
import * as LinkedIn from "./LinkedIn.js"
import { makeGeneric } from "./oauth2/Generic.js"
import * as TikTok from "./TikTok.js"
import * as X from "./X.js"
import * as YouTube from "./YouTube.js"

const modules = [Instagram, YouTube, TikTok, LinkedIn, X] as const

export const RefreshersLive = Layer.effect(
  Refreshers,
  Effect.gen(function*() {
    const built = yield* Effect.forEach(modules, (m) => m.make)
    const http = yield* HttpClient.HttpClient
    const byPlatform = new Map<PlatformId, Refresher>(built.map((r) => [r.platform, r]))
    return {
      get: (platform: PlatformId) => {
        const r = byPlatform.get(platform)
        if (r !== undefined) return r
        // every built-in id has a module above; a gap is a programming error
        if (isBuiltinPlatform(platform)) throw new Error(`no refresher registered for ${platform}`)
        const generic = makeGeneric(http, platform)
        byPlatform.set(platform, generic)
        return generic
      }
    }
  })
)
