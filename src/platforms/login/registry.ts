/** The login flow of each platform. Adding a platform = a module in this folder + one line here. */
import type { PlatformId } from "../../domain/Platform.js"
import type { LoginSpec } from "./flow.js"
import * as Instagram from "./Instagram.js"
import * as LinkedIn from "./LinkedIn.js"
import * as TikTok from "./TikTok.js"
import * as X from "./X.js"
import * as YouTube from "./YouTube.js"

export const loginSpecs: Readonly<Record<PlatformId, LoginSpec>> = {
  instagram: Instagram.login,
  youtube: YouTube.login,
  tiktok: TikTok.login,
  linkedin: LinkedIn.login,
  x: X.login
}
