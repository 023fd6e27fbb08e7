/** The write-back backend named by `auth.writeback.backend` (default local). One line per backend. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HttpClient } from "@effect/platform/HttpClient"
import type { ConfigError } from "../../domain/errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { Catalog } from "../../services/Catalog.js"
import type { ConfigStore } from "../../services/ConfigStore.js"
import type { Keychain } from "../../services/Keychain.js"
import type { Scrubber } from "../../services/Scrubber.js"
import type { WriteBack } from "../../services/WriteBack.js"
import * as GitHub from "./GitHub.js"
import * as GitLab from "./GitLab.js"
import * as Local from "./Local.js"
import * as Pass from "./Pass.js"

type Backend = Layer.Layer<WriteBack, ConfigError, AppConfig | HttpClient | Keychain | ConfigStore | Scrubber | Catalog>

const backends: Record<"local" | "gitlab" | "github" | "pass", Backend> = {
  local: Local.layer,
  gitlab: GitLab.layer,
  github: GitHub.layer,
  pass: Pass.layer
}

export const WriteBackFromConfig = Layer.unwrapEffect(
  Effect.map(AppConfig, (app) => backends[app.config.auth?.writeback?.backend ?? "local"])
)
