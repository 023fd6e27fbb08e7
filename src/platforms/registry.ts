/** The platforms herald can refresh. Adding one = a module in this folder + one line here. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { PlatformId } from "../domain/Platform.js"
import { type Refresher, Refreshers } from "../services/Refreshers.js"
import * as Instagram from "./Instagram.js"
import * as LinkedIn from "./LinkedIn.js"
import * as TikTok from "./TikTok.js"
import * as X from "./X.js"
import * as YouTube from "./YouTube.js"

const modules = [Instagram, YouTube, TikTok, LinkedIn, X] as const

export const RefreshersLive = Layer.effect(
  Refreshers,
  Effect.gen(function*() {
    const built = yield* Effect.forEach(modules, (m) => m.make)
    const byPlatform = new Map<PlatformId, Refresher>(built.map((r) => [r.platform, r]))
    return {
      get: (platform: PlatformId) => {
        const r = byPlatform.get(platform)
        // every PlatformId has a module above; a gap is a programming error
        if (r === undefined) throw new Error(`no refresher registered for ${platform}`)
        return r
      }
    }
  })
)
