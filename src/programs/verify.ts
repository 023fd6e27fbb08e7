/**
 * `herald auth verify TARGET`: each selected connection's current token against its
 * platform's health endpoint. Read-only: no lock, nothing written, no alert sent — a
 * person (or a CI step) asked, and reads the answer and the exit code.
 */
import * as Effect from "effect/Effect"
import type { Connection } from "../domain/Connection.js"
import { parseTarget, selectConnections } from "../domain/Connection.js"
import { makeVerifyReport, type Verification } from "../domain/Verify.js"
import { AppConfig } from "../services/AppConfig.js"
import { Refreshers } from "../services/Refreshers.js"
import { Scrubber } from "../services/Scrubber.js"
import { Secrets } from "../services/Secrets.js"
import { concurrencyFor } from "./refreshAll.js"
import { nowUtc } from "./statusOfError.js"
import { platformIds } from "../platforms/registry.js"

export const verifyOne = (connection: Connection) =>
  Effect.gen(function*() {
    const refresher = (yield* Refreshers).get(connection.platform)
    const now = yield* nowUtc
    const check = yield* (yield* Secrets).lookup(connection, refresher.secretKeys).pipe(
      Effect.flatMap((secrets) => refresher.verify({ connection, secrets, now })),
      Effect.catchTag("SecretUnreadable", (e) =>
        Effect.succeed({ health: "unavailable" as const, detail: `nothing to check: ${e.message}` })),
      Effect.catchTag("SecretMissing", (e) =>
        Effect.succeed({
          health: "unavailable" as const,
          detail: `nothing to check: ${e.key} is not set (tried ${e.tried.join(", ")})`
        }))
    )
    // a health endpoint's error text may quote the token it was sent
    const detail = yield* (yield* Scrubber).scrub(check.detail)
    return { platform: connection.platform, account: connection.account, ...check, detail } satisfies Verification
  }).pipe(Effect.withSpan("verifyOne", { attributes: { platform: connection.platform, account: connection.account } }))

/** `concurrency` defaults to the config's `auth.concurrency`, else 8 (as for refreshAll). */
export const verifyAll = (target: string | undefined, options: { readonly concurrency?: number } = {}) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const connections = yield* selectConnections(app.connections, yield* parseTarget(target, platformIds), app.file, platformIds)
    const statuses = yield* Effect.forEach(connections, verifyOne, { concurrency: concurrencyFor(app, options.concurrency) })
    return makeVerifyReport(statuses)
  })
