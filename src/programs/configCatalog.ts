/**
 * herald's config catalog: the platform registry, the write-back backends and the notifiers
 * — the three single lists the config schema is derived from — put together where both
 * platforms/ and layers/ may be seen.
 */
import type { ConfigCatalog } from "../domain/Config.js"
import { validateConfigWith } from "../domain/validateConfig.js"
import { notifierBackends } from "../layers/notifier/index.js"
import { writeBackBackends } from "../layers/writeback/index.js"
import { catalog } from "../platforms/registry.js"

export const configCatalog: ConfigCatalog = { platforms: catalog, writeback: writeBackBackends, alerts: notifierBackends }

/** Decode and check a parsed config file as herald reads it; Left carries every problem, each with its key path. */
export const validateConfig = (raw: unknown) => validateConfigWith(configCatalog, raw)
