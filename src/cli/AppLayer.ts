/** The whole app, wired in one expression: config first, then what depends on it. */
import * as NodeHttp from "../http/NodeHttp.js"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { type ConfigError, SetupError } from "../domain/errors.js"
import { RefreshersLive } from "../platforms/refreshers.js"
import { configCatalog } from "../programs/configCatalog.js"
import type { AppConfig } from "../services/AppConfig.js"
import { Catalog } from "../services/Catalog.js"
import * as ConfigFile from "../layers/config/ConfigFile.js"
import * as ConfigFileStore from "../layers/config/ConfigFileStore.js"
import * as AlertMemoryFile from "../layers/alertMemory/AlertMemoryFile.js"
import * as JournalFile from "../layers/journal/JournalFile.js"
import { DistributorFromConfig } from "../layers/distribute/fromConfig.js"
import { KeychainFromConfig } from "../layers/keychain/fromConfig.js"
import * as LockFile from "../layers/lock/LockFile.js"
import { NotifierFromConfig } from "../layers/notifier/index.js"
import * as ScrubberRegistry from "../layers/scrubber/Registry.js"
import { SecretsLive } from "../layers/secrets/SecretsLive.js"
import { WriteBackFromConfig } from "../layers/writeback/index.js"

/**
 * A backend that cannot start from a config the file layer already accepted: what is missing
 * is in the environment, not the file (SetupError, not "invalid config").
 */
const setupOf = <A, R>(layer: Layer.Layer<A, ConfigError, R>): Layer.Layer<A, SetupError, R> =>
  Layer.mapError(layer, (e) => new SetupError({ file: e.file, issues: e.issues }))

/** Which config file the app reads. */
export interface AppLayerOptions {
  /**
   * The config file, as `--config PATH` names it. Left out, herald looks where the CLI does:
   * `$HERALD_CONFIG`, else `./herald.yaml`, else `$XDG_CONFIG_HOME/herald/config.yaml`
   * (no file there is a valid, empty config).
   */
  readonly config?: string
}

/** The platforms, write-back backends and notifiers, for the layers that need them: config validation, write-back. */
export const CatalogLive = Layer.succeed(Catalog, configCatalog)

/** The config file a `--config` flag value names, validated against herald's platforms. */
export const configLayerFor = (configFlag: Option.Option<string>): Layer.Layer<AppConfig, ConfigError> =>
  ConfigFile.layer(configFlag).pipe(Layer.provide(CatalogLive))

/**
 * Everything `refreshAll`, `verifyAll` and `doctor` need, live: the config file, keychain or
 * pass, the configured write-back and alert backends, journal, lock and node:http.
 * `appLayer()` finds the config as the CLI does; `appLayer({ config: "/etc/herald.yaml" })`
 * names it.
 */
export const appLayer = (options: AppLayerOptions = {}) => appLayerFor(Option.fromNullable(options.config))

/** `appLayer` keyed by the CLI's optional `--config` value. */
export const appLayerFor = (configFlag: Option.Option<string>) =>
  Layer.mergeAll(
    RefreshersLive,
    SecretsLive,
    setupOf(WriteBackFromConfig),
    setupOf(NotifierFromConfig),
    AlertMemoryFile.layer,
    JournalFile.layer,
    LockFile.layer,
    DistributorFromConfig
  ).pipe(
    Layer.provideMerge(Layer.mergeAll(ConfigFileStore.layer, KeychainFromConfig, NodeHttp.layer, ScrubberRegistry.layer, CatalogLive)),
    Layer.provideMerge(configLayerFor(configFlag))
  )

export type AppServices = Layer.Layer.Success<ReturnType<typeof appLayerFor>>

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

export const doctorLayer = (configFlag: Option.Option<string>) => doctorLayerOver(configLayerFor(configFlag))
