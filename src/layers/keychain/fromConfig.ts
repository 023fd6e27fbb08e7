/**
 * Which keychain a run uses: the `pass` store when `auth.writeback.backend: pass` (secrets
 * are then read from pass where DESIGN says keychain), otherwise the OS keychain as
 * `HERALD_KEYCHAIN` allows.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { AppConfig } from "../../services/AppConfig.js"
import type { Keychain } from "../../services/Keychain.js"
import { KeychainFromEnv } from "./fromEnv.js"
import * as Pass from "./Pass.js"
import * as PassWriteBack from "../writeback/Pass.js"

export const KeychainFromConfig: Layer.Layer<Keychain, never, AppConfig> = Layer.unwrapEffect(
  Effect.map(AppConfig, (app) => {
    if (app.config.auth?.writeback?.backend !== "pass") return KeychainFromEnv
    // validated with the file; a section that does not decode names no prefix
    const prefix = Option.flatMap(
      Schema.decodeUnknownOption(PassWriteBack.configSection)(app.config.auth.writeback["pass"]),
      (section) => Option.fromNullable(section.prefix)
    )
    return Pass.layer(Option.match(prefix, { onNone: () => ({}), onSome: (p) => ({ prefix: p }) }))
  })
)
