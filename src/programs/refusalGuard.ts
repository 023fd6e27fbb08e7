/**
 * No refresh storms (issue 18 item 5): once a platform has refused a connection's grant,
 * the same secrets are not sent to it again on every run. The guard wraps each
 * refresher's `execute` — the one call that sends a grant — for the length of a run; the
 * decision itself is pure (domain/Alerts.ts `refusalVerdict`). The rule: ask again once a
 * day has passed since the refusal, or at once when the connection's secrets changed
 * (a salted fingerprint differs: `auth set`, `auth login`, a fixed client secret).
 * A held connection still fails with `RefreshRejected`, so it stays `reauth-required`,
 * alerts and makes the run exit 1.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { type AlertMemoryState, fingerprintOf, type Refusal, refusalVerdict } from "../domain/Alerts.js"
import { RefreshRejected } from "../domain/errors.js"
import { connectionLabel } from "../domain/Platform.js"
import { formatInstant } from "../platforms/policy.js"
import { type Refresher, Refreshers, type RefreshContext } from "../services/Refreshers.js"

const secretsOf = (refresher: Refresher, ctx: RefreshContext): ReadonlyArray<readonly [string, string]> =>
  refresher.secretKeys.flatMap((key) =>
    Option.match(ctx.secrets.get(key), { onNone: () => [], onSome: (v) => [[key, Redacted.value(v)] as const] })
  )

/** Refreshers whose calls consult and update the run's refusals; `refusals` reads them at the end. */
export const refusalGuard = (state: AlertMemoryState) =>
  Effect.gen(function*() {
    const inner = yield* Refreshers
    const refusals: Record<string, Refusal> = { ...state.refusals }
    const guarded = (refresher: Refresher): Refresher => ({
      ...refresher,
      execute: (ctx, plan) =>
        Effect.suspend(() => {
          const label = connectionLabel(ctx.connection)
          const fingerprint = fingerprintOf(state.salt, secretsOf(refresher, ctx))
          const now = DateTime.toEpochMillis(ctx.now)
          const verdict = refusalVerdict(refusals[label], fingerprint, now)
          if (verdict._tag === "Hold") {
            return Effect.fail(
              new RefreshRejected({
                platform: ctx.connection.platform,
                account: ctx.connection.account,
                reason: `refused at ${verdict.refusedAt}; not sent again this run: herald asks ${ctx.connection.platform} ` +
                  `again after ${verdict.retryAt}, or at once when the connection's secrets change`
              })
            )
          }
          return Effect.matchEffect(refresher.execute(ctx, plan), {
            onSuccess: (outcome) => {
              delete refusals[label]
              return Effect.succeed(outcome)
            },
            onFailure: (e) => {
              if (e._tag === "RefreshRejected") refusals[label] = { at: formatInstant(ctx.now), fingerprint }
              return Effect.fail(e)
            }
          })
        })
    })
    const cache = new Map<string, Refresher>()
    const refreshers: Refreshers["Type"] = {
      get: (platform) => {
        const found = cache.get(platform)
        if (found !== undefined) return found
        const made = guarded(inner.get(platform))
        cache.set(platform, made)
        return made
      }
    }
    return { refreshers, refusals: Effect.sync(() => ({ ...refusals })) }
  })
