import * as Context from "effect/Context"
import type { PlatformCatalog } from "../domain/PlatformCatalog.js"

/**
 * The built-in platforms as the layers need them (the config schema, essential secrets),
 * given from platforms/registry.ts where the app is wired: layers/ never imports platforms/.
 */
export class Catalog extends Context.Tag("herald/Catalog")<Catalog, PlatformCatalog>() {}
