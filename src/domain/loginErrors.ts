/**
 * How `herald auth login` fails once it has started: no callback in time, a refused
 * consent, a callback that is not ours, a refused code exchange. Nothing was stored.
 */
import * as Schema from "effect/Schema"

export class LoginFailed extends Schema.TaggedError<LoginFailed>()("LoginFailed", {
  platform: Schema.String,
  account: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}
