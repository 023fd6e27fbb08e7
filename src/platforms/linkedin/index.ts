/** LinkedIn as the registry loads it. */
import type { PlatformModule } from "../PlatformModule.js"
import { descriptor } from "./descriptor.js"
import { login } from "./login.js"
import { make } from "./refresh.js"

export const platform: PlatformModule = { descriptor, make, login }
