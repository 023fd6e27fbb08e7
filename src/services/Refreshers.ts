import * as Context from "effect/Context"
import type * as DateTime from "effect/DateTime"
import type * as Effect from "effect/Effect"
import type { Connection } from "../domain/Connection.js"
import type { RefreshError, SecretMissing } from "../domain/errors.js"
import type { Call, Outcome, Plan } from "../domain/Plan.js"
import type { PlatformId, SecretKey } from "../domain/Platform.js"
import type { SecretBag } from "./Secrets.js"

export interface RefreshContext {
  readonly connection: Connection
  readonly secrets: SecretBag
  readonly now: DateTime.Utc
}

/** One platform: a policy that plans (read-only) and the call that carries the plan out. */
export interface Refresher {
  readonly platform: PlatformId
  /** every secret key this platform may read */
  readonly secretKeys: ReadonlyArray<SecretKey>
  /** decide what to do; may make read-only calls (LinkedIn introspection), never writes */
  readonly plan: (ctx: RefreshContext) => Effect.Effect<Plan, RefreshError | SecretMissing>
  /** make the call; the pipeline persists the outcome */
  readonly execute: (ctx: RefreshContext, plan: Call) => Effect.Effect<Outcome, RefreshError | SecretMissing>
}

export class Refreshers extends Context.Tag("herald/Refreshers")<Refreshers, {
  readonly get: (platform: PlatformId) => Refresher
}>() {}
