import * as os from "node:os"
import * as path from "node:path"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** `$XDG_STATE_HOME/herald`, else `~/.local/state/herald`. */
export const stateDir: Effect.Effect<string> = Config.option(Config.nonEmptyString("XDG_STATE_HOME")).pipe(
  Effect.orElseSucceed(() => Option.none<string>()),
  Effect.map((xdg) => path.join(Option.getOrElse(xdg, () => path.join(os.homedir(), ".local", "state")), "herald"))
)

/** A short, stable name for one token store (config file or backend), for per-store files. */
export const storeKey = (id: string): string => {
  let h = 2166136261
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619)
  return (h >>> 0).toString(16).padStart(8, "0")
}
