import * as Effect from "effect/Effect"
import * as Keytar from "/work/main/src/layers/keychain/Keytar.js"
Effect.runPromise(Effect.gen(function*() {
  const k = yield* Keytar.make
  console.log("check", yield* Effect.exit(k.check))
  console.log("get", yield* Effect.exit(k.get("tiktok/refresh_token")))
})).catch(console.error)
