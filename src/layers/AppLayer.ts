/** The whole app, wired in one expression: config first, then what depends on it. */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import { RefreshersLive } from "../platforms/registry.js"
import * as ConfigFile from "./config/ConfigFile.js"
import * as ConfigFileStore from "./config/ConfigFileStore.js"
import * as JournalFile from "./journal/JournalFile.js"
import { KeychainFromEnv } from "./keychain/fromEnv.js"
import * as LockFile from "./lock/LockFile.js"
import { NotifierFromConfig } from "./notifier/fromConfig.js"
import { SecretsLive } from "./secrets/SecretsLive.js"
import { WriteBackFromConfig } from "./writeback/fromConfig.js"

export const appLayer = (configFlag: Option.Option<string>) =>
  Layer.mergeAll(RefreshersLive, SecretsLive, WriteBackFromConfig, NotifierFromConfig, JournalFile.layer, LockFile.layer).pipe(
    Layer.provideMerge(Layer.mergeAll(ConfigFileStore.layer, KeychainFromEnv, FetchHttpClient.layer)),
    Layer.provideMerge(ConfigFile.layer(configFlag))
  )

export type AppServices = Layer.Layer.Success<ReturnType<typeof appLayer>>
