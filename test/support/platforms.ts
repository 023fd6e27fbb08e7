/** Every registry entry's calls, loaded once for tests that look at a platform's login or refresher directly. */
import type { LoginSpec } from "../../src/platforms/login/flow.js"
import type { PlatformModule } from "../../src/platforms/PlatformModule.js"
import { registry } from "../../src/platforms/registry.js"

/** Every registry entry's calls, loaded. */
export const preloadPlatforms: Promise<ReadonlyArray<PlatformModule>> = Promise.all(registry.map((e) => e.load()))

export const modules: ReadonlyArray<PlatformModule> = await preloadPlatforms

/** Each built-in platform's login, by id. */
export const loginSpecs: Readonly<Record<string, LoginSpec>> = Object.fromEntries(modules.map((m) => [m.descriptor.id, m.login]))
