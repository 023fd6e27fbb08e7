import * as Context from "effect/Context"
import type * as DateTime from "effect/DateTime"
import type * as Effect from "effect/Effect"
import type { Connection } from "../domain/Connection.js"
import type { RefreshError, SecretMissing } from "../domain/errors.js"
import type { Call, Outcome, Plan } from "../domain/Plan.js"
import type { PlatformId, SecretKey } from "../domain/Platform.js"
import type { Health } from "../domain/Verify.js"
import type { SecretBag } from "./Secrets.js"

export interface RefreshContext {
  readonly connection: Connection
  readonly secrets: SecretBag
  readonly now: DateTime.Utc
  /**
   * Journals the refresh token in a success answer's raw body before anything else is done
   * with it (DESIGN §2 rule 2); refreshers pass it to the call that may rotate. It never
   * fails. Absent where nothing is persisted (a health check, a dry run).
   */
  readonly secure?: ((body: unknown) => Effect.Effect<void>) | undefined
}

/** One platform: a policy that plans (read-only) and the call that carries the plan out. */
export interface Refresher {
  readonly platform: PlatformId
  /** every secret key this platform may read */
  readonly secretKeys: ReadonlyArray<SecretKey>
  /**
   * The keys a run cannot do without, given which keys are set (LinkedIn needs its client
   * credentials only beside a refresh token); `herald doctor` reports the rest as optional.
   */
  readonly requiredSecrets: (isSet: (key: SecretKey) => boolean, connection: Connection) => ReadonlyArray<SecretKey>
  /** the default URL of each endpoint, by the name `endpoints.<name>` overrides it under */
  readonly endpoints: Readonly<Record<string, string>>
  /** decide what to do; may make read-only calls (LinkedIn introspection), never writes */
  readonly plan: (ctx: RefreshContext) => Effect.Effect<Plan, RefreshError | SecretMissing>
  /** make the call; the pipeline persists the outcome */
  readonly execute: (ctx: RefreshContext, plan: Call) => Effect.Effect<Outcome, RefreshError | SecretMissing>
  /** `herald auth verify`: call the platform's health endpoint with the current token; read-only */
  readonly verify: (ctx: RefreshContext) => Effect.Effect<HealthCheck, SecretMissing>
}

/** What a health call found (see domain/Verify.ts). */
export interface HealthCheck {
  readonly health: Health
  readonly detail: string
  readonly expiresAt?: string
}

export class Refreshers extends Context.Tag("herald/Refreshers")<Refreshers, {
  readonly get: (platform: PlatformId) => Refresher
}>() {}
