/**
 * Opening the authorize URL in the user's browser: best effort. The URL is always printed
 * too, so a headless machine, a missing opener or an ssh session costs nothing.
 */
import { spawn } from "node:child_process"
import * as Effect from "effect/Effect"

/** Pure: the opener for an OS. `start` is a cmd built-in, and its first quoted argument is a window title. */
export const openerFor = (platform: NodeJS.Platform, url: string): { readonly command: string; readonly args: ReadonlyArray<string> } =>
  platform === "darwin"
    ? { command: "open", args: [url] }
    : platform === "win32"
    ? { command: "cmd", args: ["/c", "start", "\"\"", url.replace(/&/g, "^&")] }
    : { command: "xdg-open", args: [url] }

/** Never fails and never waits for the browser: true when an opener was started. */
export const openInBrowser = (url: string): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const { command, args } = openerFor(process.platform, url)
    try {
      const child = spawn(command, [...args], { stdio: "ignore", detached: true, windowsVerbatimArguments: true })
      child.once("error", () => resume(Effect.succeed(false)))
      child.once("spawn", () => {
        child.unref()
        resume(Effect.succeed(true))
      })
    } catch {
      resume(Effect.succeed(false))
    }
  })
