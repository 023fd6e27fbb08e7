/** Which keychain a run uses: the OS keychain, unless `HERALD_KEYCHAIN=off`. */
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Keychain } from "../../services/Keychain.js"
import * as Keytar from "./Keytar.js"
import * as Memory from "./Memory.js"

export const KeychainFromEnv: Layer.Layer<Keychain> = Layer.unwrapEffect(
  Config.string("HERALD_KEYCHAIN").pipe(
    Config.withDefault("on"),
    Effect.orElseSucceed(() => "on"),
    Effect.map((v) =>
      ["off", "0", "false", "no"].includes(v.toLowerCase())
        ? Memory.unavailable("disabled by HERALD_KEYCHAIN=off")
        : Keytar.layer
    )
  )
)
