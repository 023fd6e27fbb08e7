/**
 * What the command line needs from the platform: files and paths (@effect/cli's `--config`
 * file option, the config layers) and the terminal (prompts). Not NodeContext.layer: it adds
 * a worker manager and a command executor herald never uses, and the worker module's error
 * schemas are built when it is evaluated — about a tenth of `herald auth status`'s start.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Layer from "effect/Layer"

export const PlatformLive = Layer.mergeAll(NodePath.layer, NodeTerminal.layer).pipe(Layer.provideMerge(NodeFileSystem.layer))
