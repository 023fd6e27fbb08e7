/**
 * The write-back backend named by `auth.writeback.backend` (default local). One line per
 * backend; only the one named is loaded (in the bin's bundle, a module reached only by
 * import() is evaluated when it is first imported).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HttpClient } from "@effect/platform/HttpClient"
import type { ConfigError } from "../../domain/errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { ConfigStore } from "../../services/ConfigStore.js"
import type { Keychain } from "../../services/Keychain.js"
import type { Scrubber } from "../../services/Scrubber.js"
import type { WriteBack } from "../../services/WriteBack.js"

type Backend = Layer.Layer<WriteBack, ConfigError, AppConfig | HttpClient | Keychain | ConfigStore | Scrubber>

const backends: Record<"local" | "gitlab" | "github" | "pass", () => Promise<Backend>> = {
  local: () => import("./Local.js").then((m) => m.layer),
  gitlab: () => import("./GitLab.js").then((m) => m.layer),
  github: () => import("./GitHub.js").then((m) => m.layer),
  pass: () => import("./Pass.js").then((m) => m.layer)
}

export const WriteBackFromConfig = Layer.unwrapEffect(
  Effect.flatMap(AppConfig, (app) => Effect.promise(backends[app.config.auth?.writeback?.backend ?? "local"]))
)
