/**
 * Typed errors, one class per meaning in DESIGN §3. They stay typed until the
 * per-connection boundary (programs/refreshOne) turns them into a Status.
 */
import * as Schema from "effect/Schema"

const Where = {
  platform: Schema.String,
  account: Schema.String
}

/** A required secret is set nowhere; `tried` lists the names that were looked up. */
export class SecretMissing extends Schema.TaggedError<SecretMissing>()("SecretMissing", {
  ...Where,
  key: Schema.String,
  tried: Schema.Array(Schema.String)
}) {
  override get message() {
    return `${this.key} is not set; tried ${this.tried.join(", ")}`
  }
}

/**
 * A secret's store answers but could not be read (a keychain read failed or timed out).
 * Not "absent": a later store may hold a stale copy, so the connection stops here, nothing
 * sent; the next run tries again. `store` names the entry (`keychain herald x/refresh_token`).
 */
export class SecretUnreadable extends Schema.TaggedError<SecretUnreadable>()("SecretUnreadable", {
  ...Where,
  key: Schema.String,
  store: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.key} could not be read from ${this.store} (${this.reason}); nothing was sent to ${this.platform}`
  }
}

/** The platform refused the grant: revoked, expired or invalid. A human must re-authorise. */
export class RefreshRejected extends Schema.TaggedError<RefreshRejected>()("RefreshRejected", {
  ...Where,
  reason: Schema.String
}) {}

/** The platform refused the app's own credentials (invalid_client, unauthorized_client). */
export class ClientRejected extends Schema.TaggedError<ClientRejected>()("ClientRejected", {
  ...Where,
  reason: Schema.String
}) {}

/** Still failing after retries (timeout, network, 5xx, 429); the token may well be fine. */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>()("ProviderUnavailable", {
  ...Where,
  reason: Schema.String
}) {}

/**
 * A single-use refresh token was sent and its answer was lost (a reset, a cut-off body, a
 * gateway error or no answer in time, after the request had gone out): the platform may
 * have rotated it. herald does not send it again in this run (DESIGN §2 rule 4).
 */
export class AnswerLost extends Schema.TaggedError<AnswerLost>()("AnswerLost", {
  ...Where,
  reason: Schema.String
}) {}

/**
 * The platform answered something herald cannot read. `mayHaveSpent`: it was a success
 * answer to a rotation, so the token sent may be spent although no new one could be read.
 */
export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
  ...Where,
  reason: Schema.String,
  mayHaveSpent: Schema.optional(Schema.Boolean)
}) {}

/** The write-back target cannot take the new secret; nothing was rotated. */
export class PreflightFailed extends Schema.TaggedError<PreflightFailed>()("PreflightFailed", {
  ...Where,
  reason: Schema.String
}) {}

/** A new secret could not be persisted. `recoveryPath` says where it was kept instead. */
export class WriteBackFailed extends Schema.TaggedError<WriteBackFailed>()("WriteBackFailed", {
  ...Where,
  reason: Schema.String,
  recoveryPath: Schema.optional(Schema.String)
}) {}

/** Errors a refresher may fail with. */
export type RefreshError = RefreshRejected | ClientRejected | ProviderUnavailable | MalformedResponse | AnswerLost

/** Everything the per-connection boundary maps to a Status. */
export type ConnectionError = SecretMissing | SecretUnreadable | RefreshError | PreflightFailed | WriteBackFailed

/** The config file is unusable: the run does not start (exit 2). */
export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  file: Schema.String,
  issues: Schema.Array(Schema.String)
}) {
  override get message() {
    return `${this.file}: ${this.issues.join("; ")}`
  }
}

/**
 * The config file is valid, but a backend it selects lacks what it needs here (GITLAB_TOKEN,
 * an SMTP login…): the run does not start (exit 2), and nothing calls the file invalid.
 */
export class SetupError extends Schema.TaggedError<SetupError>()("SetupError", {
  file: Schema.String,
  issues: Schema.Array(Schema.String)
}) {
  override get message() {
    return `${this.file} is valid, but: ${this.issues.join("; ")}`
  }
}

/** Bad arguments (an unknown target, say): the run does not start (exit 2). */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {
  reason: Schema.String
}) {
  override get message() {
    return this.reason
  }
}
