/** Threads as the registry loads it: the Meta long-lived token's refresher and login, with Threads' settings. */
import { longLivedLogin } from "../meta/login.js"
import { makeLongLived } from "../meta/refresh.js"
import type { PlatformModule } from "../PlatformModule.js"
import { descriptor } from "./descriptor.js"
import { settings } from "./settings.js"

export const platform: PlatformModule = { descriptor, make: makeLongLived(settings), login: longLivedLogin(settings) }
