/** The whole app, wired in one expression: config first, then what depends on it. */
import * as NodeHttp from "../http/NodeHttp.js"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { ConfigError } from "../domain/errors.js"
import { RefreshersLive } from "../platforms/registry.js"
import type { AppConfig } from "../services/AppConfig.js"
import * as ConfigFile from "../layers/config/ConfigFile.js"
import * as ConfigFileStore from "../layers/config/ConfigFileStore.js"
import * as AlertMemoryFile from "../layers/alertMemory/AlertMemoryFile.js"
import * as JournalFile from "../layers/journal/JournalFile.js"
import { DistributorFromConfig } from "../layers/distribute/fromConfig.js"
import { KeychainFromConfig } from "../layers/keychain/fromConfig.js"
import * as LockFile from "../layers/lock/LockFile.js"
import { NotifierFromConfig } from "../layers/notifier/fromConfig.js"
import * as ScrubberRegistry from "../layers/scrubber/Registry.js"
import { SecretsLive } from "../layers/secrets/SecretsLive.js"
import { WriteBackFromConfig } from "../layers/writeback/fromConfig.js"

export const appLayer = (configFlag: Option.Option<string>) =>
  Layer.mergeAll(RefreshersLive, SecretsLive, WriteBackFromConfig, NotifierFromConfig, AlertMemoryFile.layer, JournalFile.layer, LockFile.layer, DistributorFromConfig).pipe(
    Layer.provideMerge(Layer.mergeAll(ConfigFileStore.layer, KeychainFromConfig, NodeHttp.layer, ScrubberRegistry.layer)),
    Layer.provideMerge(ConfigFile.layer(configFlag))
  )

export type AppServices = Layer.Layer.Success<ReturnType<typeof appLayer>>

/**
 * What `herald doctor` runs on: the app's config, keychain, secrets and HTTP, without the
 * write-back and alert backends — doctor builds those itself, to report their problems
 * rather than fail on them.
 */
export const doctorLayerOver = (config: Layer.Layer<AppConfig, ConfigError>) =>
  Layer.mergeAll(RefreshersLive, SecretsLive).pipe(
    Layer.provideMerge(Layer.mergeAll(ConfigFileStore.layer, KeychainFromConfig, NodeHttp.layer, ScrubberRegistry.layer)),
    Layer.provideMerge(config)
  )

export const doctorLayer = (configFlag: Option.Option<string>) => doctorLayerOver(ConfigFile.layer(configFlag))
