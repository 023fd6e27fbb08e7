import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Schema from "effect/Schema"

/** Another run holds the lock for this token store: this run must not start (exit 2). */
export class LockHeld extends Schema.TaggedError<LockHeld>()("LockHeld", {
  file: Schema.String,
  pid: Schema.Number,
  startedAt: Schema.String
}) {
  override get message() {
    return `another herald run (pid ${this.pid}, started ${this.startedAt}) is refreshing these tokens; ` +
      `wait for it to finish (lock ${this.file})`
  }
}

/** One writing run at a time per token store (DESIGN §2 rule 3). */
export class RunLock extends Context.Tag("herald/RunLock")<RunLock, {
  /** held until the scope closes */
  readonly acquire: Effect.Effect<void, LockHeld, Scope.Scope>
}>() {}
