/**
 * What a platform's pure policy decides for one connection now, and what a refresher's
 * call produced. Policies return a Plan; the pipeline carries it out.
 */
import type * as Redacted from "effect/Redacted"
import type { MetadataKey, SecretKey } from "./Platform.js"
import type { Action } from "./Status.js"

/** A decision that needs no call to the platform. */
export interface Decided {
  readonly _tag: "Decided"
  readonly action: Action
  readonly alert: boolean
  readonly detail: string
  readonly expiresAt?: string
  readonly reauthBy?: string
  /** what a read-only check learned that the config should remember (a real run writes it) */
  readonly metadata?: Partial<Record<MetadataKey, string>>
}

/** A call to the platform. `writes` are the secrets it will produce (checked by preflight). */
export interface Call {
  readonly _tag: "Call"
  /** the action a successful call reports */
  readonly action: "rotated" | "refreshed" | "healthy"
  /** true when the call changes nothing at the platform (a dry run may make it) */
  readonly readOnly: boolean
  readonly writes: ReadonlyArray<SecretKey>
  /** said in a dry run, where the call is not made */
  readonly detail: string
  /** what is known before the call, reported by a dry run */
  readonly expiresAt?: string
  readonly reauthBy?: string
  readonly alert?: boolean
}

export type Plan = Decided | Call

export const decided = (d: Omit<Decided, "_tag">): Plan => ({ _tag: "Decided", ...d })
export const call = (c: Omit<Call, "_tag">): Plan => ({ _tag: "Call", ...c })

export type { MetadataKey }

/** What a successful call produced: the secrets and metadata to persist, and what to report. */
export interface Outcome {
  readonly action: "rotated" | "refreshed" | "healthy"
  readonly secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>>
  readonly metadata: Partial<Record<MetadataKey, string>>
  readonly detail: string
  readonly expiresAt?: string
  readonly reauthBy?: string
  readonly alert?: boolean
}
