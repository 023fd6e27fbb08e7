import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { scrubbed } from "../../src/cli/scrubbed.js"
import * as ScrubberRegistry from "../../src/layers/scrubber/Registry.js"
import { Scrubber } from "../../src/services/Scrubber.js"

describe("the CLI's error text", () => {
  it.effect("is scrubbed of the run's secrets where the command has a Scrubber, and left alone where it has none", () =>
    Effect.gen(function*() {
      const registry = ScrubberRegistry.make()
      yield* registry.register(["SENTINEL-client-secret-42"])
      const text = "herald: x rejected the code exchange: client_secret SENTINEL-client-secret-42 is invalid"
      assert.strictEqual(
        yield* scrubbed(text).pipe(Effect.provideService(Scrubber, registry)),
        "herald: x rejected the code exchange: client_secret <redacted> is invalid"
      )
      assert.strictEqual(yield* scrubbed("herald: invalid config"), "herald: invalid config")
    }))
})
