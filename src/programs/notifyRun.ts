/**
 * The end of a run (DESIGN §1 "Alerts"): decide what to tell from the report and the alert
 * memory (domain/Alerts.ts, pure), tell it through the Notifier, and remember it only once
 * it was delivered. The report's `notification` says what was sent and what was held back.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  alertPolicyOf,
  type AlertMemoryState,
  conditionsOf,
  decideAlerts,
  emptyMemory,
  forgetUnconfigured,
  type Outgoing
} from "../domain/Alerts.js"
import { connectionLabel } from "../domain/Platform.js"
import type { NotifyResult, Report } from "../domain/Status.js"
import { AlertMemory } from "../services/AlertMemory.js"
import { AppConfig } from "../services/AppConfig.js"
import { Notifier } from "../services/Notifier.js"

/** The memory a run started with, and where to save it (none: nothing is remembered). */
export interface RunMemory {
  readonly state: AlertMemoryState
  readonly port: Option.Option<AlertMemory["Type"]>
}

/** Read once per run (a writing run: under its lock). An unreadable memory is an empty one. */
export const loadAlertMemory: Effect.Effect<RunMemory> = Effect.flatMap(Effect.serviceOption(AlertMemory), (port) =>
  Option.match(port, {
    onNone: () => Effect.succeed<RunMemory>({ state: emptyMemory(""), port }),
    onSome: (memory) =>
      memory.load.pipe(
        Effect.catchAll((e) =>
          Effect.logWarning(`alert memory ${e.file} cannot be read (${e.reason}); this run alerts as if nothing had been told`).pipe(
            Effect.as(emptyMemory(""))
          )
        ),
        Effect.map((state): RunMemory => ({ state, port }))
      )
  }))

const save = (memory: RunMemory, state: AlertMemoryState): Effect.Effect<string | undefined> =>
  Option.match(memory.port, {
    onNone: () => Effect.succeed(undefined),
    onSome: (port) =>
      JSON.stringify(state) === JSON.stringify(memory.state)
        ? Effect.succeed(undefined)
        : port.save(state).pipe(
          Effect.as(undefined),
          Effect.catchAll((e) =>
            Effect.logWarning(`alert memory ${e.file} could not be written: ${e.reason}`).pipe(
              Effect.as(`herald could not remember this (${e.reason} on ${e.file}), so the next run tells it again`)
            )
          )
        )
  })

/** `alert sent for linkedin, x:brand; recovery sent for tiktok` */
const sentText = (send: ReadonlyArray<Outgoing>): string => {
  const byEvent = new Map<string, Array<string>>()
  for (const e of send) byEvent.set(e.event, [...(byEvent.get(e.event) ?? []), e.subject])
  return [...byEvent].map(([event, subjects]) => `${event} sent for ${subjects.join(", ")}`).join("; ")
}

const joined = (...parts: ReadonlyArray<string | undefined>) => parts.filter((p): p is string => p !== undefined && p !== "").join("; ")

/**
 * Tell what this run has to tell. `refusals` are the platforms' refusals as the run leaves
 * them (programs/refusalGuard.ts): remembered whatever the notifier does.
 */
export const notifyRun = (report: Report, memory: RunMemory, refusals: AlertMemoryState["refusals"]) =>
  Effect.gen(function*() {
    const app = yield* AppConfig
    const notifier = yield* Notifier
    const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
    const before = forgetUnconfigured({ ...memory.state, refusals }, app.connections.map(connectionLabel))
    const decision = decideAlerts({
      ...conditionsOf(report),
      memory: before,
      now,
      policy: alertPolicyOf(app.config.auth?.alerts)
    })
    const held = decision.held.map((h) => `${h.subject}: ${h.reason}`)
    const heldText = held.length === 0 ? undefined : `held back: ${held.join(", ")}`
    const result = (r: Omit<NotifyResult, "backend">): Report => ({ ...report, notification: { backend: notifier.name, ...r } })

    if (notifier.name === "none") {
      // nothing is told, so nothing is remembered as told: a backend set up later hears everything
      yield* save(memory, before)
      return report.attention === 0 ? report : result({ notified: false, sent: [], held: [], detail: "no alert backend configured" })
    }
    if (decision.send.length === 0) {
      const unsaved = yield* save(memory, decision.memory)
      if (report.attention === 0) return report
      return result({ notified: false, sent: [], held, detail: joined(`nothing new to tell: ${held.join(", ")}`, unsaved) })
    }
    return yield* notifier.notify(report, { events: decision.send }).pipe(
      Effect.matchEffect({
        onSuccess: () =>
          Effect.map(save(memory, decision.memory), (unsaved) =>
            result({ notified: true, sent: decision.send.map((e) => e.event), held, detail: joined(sentText(decision.send), heldText, unsaved) })),
        // not delivered, so not told: the next run sends it again
        onFailure: (e) =>
          Effect.map(save(memory, before), () => result({ notified: false, sent: [], held, detail: joined(e.reason, heldText) }))
      })
    )
  })
