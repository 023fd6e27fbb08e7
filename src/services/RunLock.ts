import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Schema from "effect/Schema"

/** Another run holds the lock for this token store: this run must not start (exit 2). */
export class LockHeld extends Schema.TaggedError<LockHeld>()("LockHeld", {
  file: Schema.String,
  pid: Schema.Number,
  startedAt: Schema.String,
  host: Schema.optional(Schema.String),
  /** held for implausibly long (hours): the holder looks hung, and a human must look */
  stuck: Schema.optional(Schema.Boolean)
}) {
  override get message() {
    const who = `another herald run (pid ${this.pid}, started ${this.startedAt})${this.host !== undefined ? ` on ${this.host}` : ""}`
    return this.stuck === true
      ? `${who} has held the lock for hours and looks stuck: no run can refresh these tokens until it ends; ` +
        `check that process and stop it if it hangs (lock ${this.file})`
      : `${who} is refreshing these tokens; wait for it to finish (lock ${this.file})`
  }
}

/** The lock cannot be taken at all (the state dir is not writable): this run must not start (exit 2). */
export class LockUnavailable extends Schema.TaggedError<LockUnavailable>()("LockUnavailable", {
  file: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `cannot take the run lock ${this.file}: ${this.reason}`
  }
}

/** One writing run at a time per token store (DESIGN §2 rule 3). */
export class RunLock extends Context.Tag("herald/RunLock")<RunLock, {
  /** held until the scope closes */
  readonly acquire: Effect.Effect<void, LockHeld | LockUnavailable, Scope.Scope>
}>() {}
