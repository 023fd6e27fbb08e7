/**
 * Which keychain a run uses: the `pass` store when `auth.writeback.backend: pass` (secrets
 * are then read from pass where DESIGN says keychain), otherwise the OS keychain as
 * `HERALD_KEYCHAIN` allows.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { AppConfig } from "../../services/AppConfig.js"
import type { Keychain } from "../../services/Keychain.js"
import { KeychainFromEnv } from "./fromEnv.js"
import * as Pass from "./Pass.js"

export const KeychainFromConfig: Layer.Layer<Keychain, never, AppConfig> = Layer.unwrapEffect(
  Effect.map(AppConfig, (app) => {
    const writeback = app.config.auth?.writeback
    return writeback?.backend === "pass"
      ? Pass.layer(writeback.pass?.prefix !== undefined ? { prefix: writeback.pass.prefix } : {})
      : KeychainFromEnv
  })
)
