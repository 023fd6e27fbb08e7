/**
 * What the command line needs from the platform: files and paths (@effect/cli's `--config`
 * file option, the config layers) and the terminal (prompts). Not NodeContext.layer: it adds
 * a worker manager and a command executor herald never uses, and the worker module's error
 * schemas are built when it is evaluated — about a tenth of `herald auth status`'s start.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Terminal from "@effect/platform/Terminal"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"

/**
 * The terminal, with @effect/platform-node's own behind it loaded the first time a prompt
 * reads or writes: it requires node:readline (and its streams) when it is evaluated, and
 * only `auth login`, `auth logout`'s question and `--wizard` ever prompt. Its size and
 * TTY answers are read straight from stdout, as it reads them.
 */
export const LazyTerminal: Layer.Layer<Terminal.Terminal> = Layer.scoped(
  Terminal.Terminal,
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    // made once, in this layer's scope: its readline interface is closed when the layer is
    const node = yield* Effect.cached(
      Effect.flatMap(Effect.promise(() => import("@effect/platform-node/NodeTerminal")), (m) => Scope.extend(m.make(), scope))
    )
    return Terminal.Terminal.of({
      columns: Effect.sync(() => process.stdout.columns ?? 0),
      rows: Effect.sync(() => process.stdout.rows ?? 0),
      isTTY: Effect.sync(() => Boolean(process.stdout.isTTY)),
      readInput: Effect.flatMap(node, (t) => t.readInput),
      readLine: Effect.flatMap(node, (t) => t.readLine),
      display: (text) => Effect.flatMap(node, (t) => t.display(text))
    })
  })
)

export const PlatformLive = Layer.mergeAll(NodePath.layer, LazyTerminal).pipe(Layer.provideMerge(NodeFileSystem.layer))
