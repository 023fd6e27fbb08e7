/** An AlertMemory over a Ref, for tests and for embedding apps that keep state themselves. */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import { type AlertMemoryState, emptyMemory } from "../../domain/Alerts.js"
import { AlertMemory } from "../../services/AlertMemory.js"

export const make = (initial: AlertMemoryState = emptyMemory("memory-salt")) =>
  Effect.map(Ref.make(initial), (ref) => ({
    ref,
    service: {
      file: "(memory)",
      load: Ref.get(ref),
      save: (state: AlertMemoryState) => Ref.set(ref, state)
    } satisfies AlertMemory["Type"]
  }))

export const layer = (initial?: AlertMemoryState): Layer.Layer<AlertMemory> =>
  Layer.effect(AlertMemory, Effect.map(make(initial), (m) => m.service))
