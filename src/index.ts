/**
 * herald as a library: the ports, their layers and the programs, for other Effect apps.
 * Provide the ports (or `appLayer`) and run `refreshAll`.
 */
export * from "./domain/Config.js"
export * from "./domain/Connection.js"
export * from "./domain/errors.js"
export * from "./domain/Plan.js"
export * from "./domain/Platform.js"
export * from "./domain/Status.js"
export { validateConfig } from "./domain/validateConfig.js"

export { AppConfig } from "./services/AppConfig.js"
export { ConfigStore, ConfigWriteError } from "./services/ConfigStore.js"
export { Journal, JournalError } from "./services/Journal.js"
export { Keychain, KeychainUnavailable } from "./services/Keychain.js"
export { Notifier, NotifyFailed } from "./services/Notifier.js"
export { type RefreshContext, type Refresher, Refreshers } from "./services/Refreshers.js"
export { LockHeld, RunLock } from "./services/RunLock.js"
export { type ResolvedSecret, type SecretBag, Secrets, type SecretSource } from "./services/Secrets.js"
export { type Persisted, WriteBack } from "./services/WriteBack.js"

export { appLayer } from "./layers/AppLayer.js"
export * as ConfigFile from "./layers/config/ConfigFile.js"
export * as ConfigFileStore from "./layers/config/ConfigFileStore.js"
export * as JournalFile from "./layers/journal/JournalFile.js"
export * as KeychainKeytar from "./layers/keychain/Keytar.js"
export * as KeychainMemory from "./layers/keychain/Memory.js"
export * as LockFile from "./layers/lock/LockFile.js"
export { NotifierFromConfig } from "./layers/notifier/fromConfig.js"
export { SecretsLive } from "./layers/secrets/SecretsLive.js"
export { WriteBackFromConfig } from "./layers/writeback/fromConfig.js"
export * as LocalWriteBack from "./layers/writeback/Local.js"
export { RefreshersLive } from "./platforms/registry.js"

export { refreshAll, type RefreshAllOptions, replayJournal } from "./programs/refreshAll.js"
export { persistOutcome, refreshOne, type RunOptions } from "./programs/refreshOne.js"
export { statusOfError } from "./programs/statusOfError.js"
export { makeCli } from "./cli/commands.js"
