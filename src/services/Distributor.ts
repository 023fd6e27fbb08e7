import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type { Delivery, Distribution } from "../domain/Distribution.js"

/**
 * Hands the secrets a run stored to the files other tools read (`auth.distribute`). Runs
 * after every connection finished, never in a dry run, and never touches the stored
 * tokens: a target that fails is an alerting entry in the report, not an error.
 */
export class Distributor extends Context.Tag("herald/Distributor")<Distributor, {
  /** one result per target that took something from `deliveries` */
  readonly distribute: (deliveries: ReadonlyArray<Delivery>) => Effect.Effect<ReadonlyArray<Distribution>>
}>() {}
