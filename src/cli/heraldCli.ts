/**
 * The `herald` command line as the bin runs it: the command tree over the live app layer.
 * The layers are loaded when a command runs, not when the tree is built: a usage error, a
 * help page or `config path` never evaluates the backends, platforms and HTTP client
 * (in the bin's bundle, a module reached only by import() is evaluated on first import).
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import { makeCli } from "./commands.js"

const app = Effect.promise(() => import("./AppLayer.js"))

export const heraldCli = () =>
  makeCli(
    (flag: Option.Option<string>) => Layer.unwrapEffect(Effect.map(app, (m) => m.appLayerFor(flag))),
    (flag: Option.Option<string>) => Layer.unwrapEffect(Effect.map(app, (m) => m.doctorLayer(flag)))
  )
