/**
 * A throwaway password store: a GPG key without a passphrase in a temporary GNUPGHOME and
 * a store initialised for it in a temporary PASSWORD_STORE_DIR. Nothing of the user's own
 * keyring or store is touched.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

/** Why the pass tests cannot run here, or undefined when they can. */
export const passMissing = (): string | undefined => {
  for (const program of ["pass", "gpg", "gpgconf"]) {
    const r = spawnSync(program, ["--version"], { stdio: "ignore" })
    if (r.error !== undefined) return `${program} is not installed (apt-get install pass gnupg)`
  }
  return undefined
}

export interface PassStore {
  readonly gnupgHome: string
  readonly storeDir: string
  /** GNUPGHOME and PASSWORD_STORE_DIR, for a child's environment or a ConfigProvider */
  readonly env: Readonly<Record<string, string>>
  readonly fingerprint: string
  /** the entry's whole value (all its lines), or undefined when it is not in the store */
  show(name: string): string | undefined
  insert(name: string, value: string): void
  close(): void
}

const run = (program: string, args: ReadonlyArray<string>, env: Record<string, string>, input?: string) => {
  const r = spawnSync(program, args, { env: { ...process.env, ...env }, input: input ?? "", encoding: "utf8" })
  if (r.error !== undefined) throw r.error
  return r
}

export const makePassStore = (options: { readonly initialise?: boolean } = {}): PassStore => {
  // short paths: gpg-agent's socket path must fit in a sockaddr
  const gnupgHome = fs.mkdtempSync(path.join(os.tmpdir(), "hg-"))
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), "hp-"))
  const env = { GNUPGHOME: gnupgHome, PASSWORD_STORE_DIR: storeDir }
  const gen = run("gpg", [
    "--batch",
    "--pinentry-mode",
    "loopback",
    "--passphrase",
    "",
    "--quick-gen-key",
    "herald test <herald-test@example.invalid>",
    // ed25519 + cv25519: generated in well under a second (RSA 3072 takes several)
    "future-default",
    "default",
    "never"
  ], env)
  if (gen.status !== 0) throw new Error(`gpg --quick-gen-key failed: ${gen.stderr}`)
  const listed = run("gpg", ["--batch", "--with-colons", "--list-secret-keys"], env).stdout
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listed)?.[1]
  if (fingerprint === undefined) throw new Error("no fingerprint for the test key")
  if (options.initialise !== false) {
    const init = run("pass", ["init", fingerprint], env)
    if (init.status !== 0) throw new Error(`pass init failed: ${init.stderr}`)
  }
  return {
    gnupgHome,
    storeDir,
    env,
    fingerprint,
    show: (name) => {
      const r = run("pass", ["show", name], env)
      // the whole entry less the newline every insert ends it with: what herald must read back
      return r.status === 0 ? r.stdout.replace(/\n$/, "") : undefined
    },
    insert: (name, value) => {
      const r = run("pass", ["insert", "--multiline", "--force", name], env, `${value}\n`)
      if (r.status !== 0) throw new Error(`pass insert failed: ${r.stderr}`)
    },
    close: () => {
      run("gpgconf", ["--kill", "gpg-agent"], env)
      fs.rmSync(gnupgHome, { recursive: true, force: true })
      fs.rmSync(storeDir, { recursive: true, force: true })
    }
  }
}
