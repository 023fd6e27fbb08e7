/**
 * herald in a pseudo-terminal (util-linux `script`), for what only a terminal gets: a
 * confirmation prompt, the wizard, a key pressed once a prompt is up.
 */
import { spawn } from "node:child_process"
import { heraldBin, type Workspace } from "./runHerald.js"

/** A shell word for `script -c`. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** Runs `herald args` on a terminal and sends `key` once `prompt` has been printed; resolves with the exit code and everything printed. */
export const answerOnTerminal = (
  ws: Workspace,
  args: ReadonlyArray<string>,
  answer: { readonly prompt: string; readonly key: string; readonly afterMs?: number }
) =>
  new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn("script", ["-qec", [process.execPath, heraldBin, ...args].map(shellQuote).join(" "), "/dev/null"], {
      cwd: ws.dir,
      env: { ...ws.env, TERM: "xterm-256color" },
      stdio: ["pipe", "pipe", "pipe"]
    })
    let out = ""
    let sent = false
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
      if (!sent && out.includes(answer.prompt)) {
        sent = true
        setTimeout(() => child.stdin.write(answer.key), answer.afterMs ?? 200)
      }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000)
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, out })
    })
  })
