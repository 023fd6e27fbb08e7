/**
 * The write-back backends: each name `auth.writeback.backend` may say, with the schema of
 * its own section and the layer it is built with. The config schema's `backend` literals
 * and sections are derived from this map; adding a backend = its file + one entry here.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HttpClient } from "@effect/platform/HttpClient"
import { type BackendDescription, backendDescription } from "../../domain/Config.js"
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

type Requires = AppConfig | HttpClient | Keychain | ConfigStore | Scrubber | Catalog

export interface WriteBackBackend extends BackendDescription {
  readonly layer: Layer.Layer<WriteBack, ConfigError, Requires>
}

export const writeBackBackends = {
  local: { schema: undefined, layer: Local.layer },
  gitlab: { ...backendDescription(GitLab.configSection, GitLab.configIssues), layer: GitLab.layer },
  github: { ...backendDescription(GitHub.configSection, GitHub.configIssues), layer: GitHub.layer },
  pass: { ...backendDescription(Pass.configSection), layer: Pass.layer }
} as const satisfies Readonly<Record<string, WriteBackBackend>>

const backends: Readonly<Record<string, WriteBackBackend>> = writeBackBackends

/** The backend `auth.writeback.backend` names (default local); the config schema allows no other. */
export const WriteBackFromConfig = Layer.unwrapEffect(
  Effect.map(AppConfig, (app) => (backends[app.config.auth?.writeback?.backend ?? "local"] ?? writeBackBackends.local).layer)
)
