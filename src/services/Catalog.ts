import * as Context from "effect/Context"
import type { ConfigCatalog } from "../domain/Config.js"

/**
 * What the config schema is made from — the built-in platforms (essential secrets too),
 * the write-back backends, the notifiers — as the layers need it, given where the app is
 * wired (programs/configCatalog.ts): layers/ never imports platforms/.
 */
export class Catalog extends Context.Tag("herald/Catalog")<Catalog, ConfigCatalog>() {}
