/**
 * `herald auth login` as a user would run it against the certified server, with no
 * browser: herald is started, the URL it prints is followed with plain HTTP requests
 * (cookies kept, redirects followed by hand) through the scripted consent, and the final
 * redirect is delivered to herald's loopback callback.
 */
import { spawn } from "node:child_process"
import * as net from "node:net"
import { heraldBin, stripAnsi } from "../../e2e/support/runHerald.js"

export interface LoginRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** the authorize URL herald printed */
  readonly authorizeUrl: URL
  /** what herald's callback page said */
  readonly page: string
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

/** The URL herald prints on its own line, indented. */
const URL_LINE = /^ {2}(https?:\/\/\S+)$/m

/** Follow redirects from `start` with a cookie jar until one points at `callbackPort`; deliver that one. */
export const actAsBrowser = async (start: URL, callbackPort: number): Promise<string> => {
  const jar = new Map<string, string>()
  let url = start
  for (let hop = 0; hop < 12; hop++) {
    if (url.hostname === "127.0.0.1" && url.port === String(callbackPort)) return (await fetch(url)).text()
    const res = await fetch(url, {
      redirect: "manual",
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") }
    })
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(";")[0]!
      const eq = pair.indexOf("=")
      jar.set(pair.slice(0, eq), pair.slice(eq + 1))
    }
    const location = res.headers.get("location")
    if (location === null) throw new Error(`no redirect from ${url.href}: HTTP ${res.status} ${await res.text()}`)
    url = new URL(location, url)
  }
  throw new Error("too many redirects")
}

export const runLogin = (
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly callbackPort: number }
): Promise<LoginRun> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [heraldBin, "auth", "login", ...args, "--no-browser", "--port", String(options.callbackPort)], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    let browsing: Promise<{ url: URL; page: string }> | undefined
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d
      const m = URL_LINE.exec(stdout)
      if (m !== null && browsing === undefined) {
        const url = new URL(m[1]!)
        browsing = actAsBrowser(url, options.callbackPort).then((page) => ({ url, page }))
        browsing.catch(() => child.kill("SIGKILL"))
      }
    })
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d
    })
    child.on("error", reject)
    child.on("close", (code) => {
      clearTimeout(timer)
      if (browsing === undefined) {
        reject(new Error(`herald exited (${code}) before printing a URL:\n${stdout}\n${stderr}`))
        return
      }
      browsing.then(
        ({ page, url }) => resolve({ code, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr), authorizeUrl: url, page }),
        (e: unknown) => reject(new Error(`${String(e)}\n-- stdout\n${stdout}\n-- stderr\n${stderr}`))
      )
    })
  })
