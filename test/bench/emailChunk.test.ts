/**
 * Issue 9 split nodemailer out of the bin's start (dist/chunks/, loaded by a dynamic
 * import only when email alerts are configured). The built bin must still find and load
 * that chunk: `herald alerts test` with an email backend reaches a real SMTP server.
 */
import { spawn } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { SMTPServer } from "smtp-server"
import { afterEach, describe, expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const bin = join(root, "dist", "herald.cjs")

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

const smtp = async () => {
  const received: Array<string> = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      let raw = ""
      stream.setEncoding("utf8")
      stream.on("data", (d: string) => {
        raw += d
      })
      stream.on("end", () => {
        received.push(raw)
        callback()
      })
    }
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()))
  cleanups.push(() => new Promise<void>((done) => server.close(() => done())))
  return { port: (server.server.address() as AddressInfo).port, received }
}

describe("the built bin's lazily loaded email chunk", () => {
  it("is split out of the start, and alerts test sends through it", async () => {
    expect(existsSync(bin), "dist/herald.cjs is missing: run npm run build first").toBe(true)
    const chunks = readdirSync(join(root, "dist", "chunks"))
    expect(chunks.some((f) => f.startsWith("nodemailer-"))).toBe(true)

    const { port, received } = await smtp()
    const dir = await mkdtemp(join(tmpdir(), "herald-email-chunk-"))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const config = join(dir, "herald.yaml")
    await writeFile(
      config,
      `auth:\n  alerts:\n    backend: email\n    email: { host: 127.0.0.1, port: ${port}, from: herald@example.com, to: [me@example.com] }\n`
    )
    const env: NodeJS.ProcessEnv = { ...process.env, HERALD_KEYCHAIN: "off", XDG_STATE_HOME: join(dir, "state"), NO_COLOR: "1" }
    delete env["ALERT_SMTP_USERNAME"]
    delete env["ALERT_SMTP_PASSWORD"]
    const run = await new Promise<{ code: number | null; out: string }>((done, fail) => {
      const child = spawn(process.execPath, [bin, "alerts", "test", "--config", config], { env, stdio: ["ignore", "pipe", "pipe"] })
      let out = ""
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString()
      })
      child.stderr.on("data", (d: Buffer) => {
        out += d.toString()
      })
      child.on("error", fail)
      child.on("close", (code) => done({ code, out }))
    })
    expect(run.code, run.out).toBe(0)
    expect(received).toHaveLength(1)
    expect(received[0]).toContain("me@example.com")
  })
})
