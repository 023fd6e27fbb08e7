/**
 * The `pass` password store as herald's keychain (`auth.writeback.backend: pass`): entries
 * are `<prefix><platform>[:<account>]/<key>`, written with `pass insert --multiline --force`
 * fed on stdin — never argv, which other users of the machine can read in `ps` — and read
 * back byte-exact with `pass show`: the whole entry less the one newline that every way of
 * inserting (herald's, `pass insert`, `pass generate`, an editor) ends it with. pass's
 * "the password is the first line" convention is not used: a token may hold a newline, and
 * a token cut at it is a different token. `PASSWORD_STORE_DIR` and `GNUPGHOME` are honoured. Every
 * call is bounded: gpg waiting on a passphrase prompt on a headless host never returns.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Keychain, KeychainUnavailable } from "../../services/Keychain.js"
import { lastLine, type ProcessResult, runProcess } from "../process/runProcess.js"

export const DEFAULT_PREFIX = "herald/"

export interface PassOptions {
  /** a folder in the store, ending in `/` (default `herald/`) */
  readonly prefix?: string
  /** the programs to run (tests point these elsewhere) */
  readonly pass?: string
  readonly gpg?: string
  readonly timeout?: Duration.DurationInput
}

const unavailable = (reason: string) => new KeychainUnavailable({ reason })
// the store is there, but its key cannot be used now: its entries are unknown, not absent
const notAnswering = (reason: string) => new KeychainUnavailable({ reason, present: true })

const envValue = (name: string) =>
  Config.option(Config.nonEmptyString(name)).pipe(Effect.orElseSucceed(() => Option.none<string>()))

/** `.gpg-id` lines, as pass reads them: `#` starts a comment, blank lines are ignored. */
export const parseGpgIds = (text: string): ReadonlyArray<string> =>
  text.split("\n").map((l) => l.replace(/#.*/, "").trim()).filter((l) => l !== "")

/** The `.gpg-id` pass uses for entries under `dir` (relative to the store): the nearest one up the tree. */
const findGpgIds = (store: string, dir: string): Effect.Effect<Option.Option<ReadonlyArray<string>>> =>
  Effect.promise(async () => {
    let current = path.join(store, dir)
    for (;;) {
      try {
        const ids = parseGpgIds(await fs.readFile(path.join(current, ".gpg-id"), "utf8"))
        if (ids.length > 0) return Option.some(ids)
      } catch {
        // not here; look one level up
      }
      if (path.relative(store, current) === "" || !current.startsWith(store)) return Option.none()
      current = path.dirname(current)
    }
  })

export const make = (options: PassOptions = {}) =>
  Effect.gen(function*() {
    const prefix = options.prefix ?? DEFAULT_PREFIX
    const passProgram = options.pass ?? "pass"
    const gpgProgram = options.gpg ?? "gpg"
    const timeout = Duration.decode(options.timeout ?? Duration.seconds(15))
    const storeDir = yield* envValue("PASSWORD_STORE_DIR")
    const gnupgHome = yield* envValue("GNUPGHOME")
    const store = path.resolve(Option.getOrElse(storeDir, () => path.join(os.homedir(), ".password-store")))
    // read through Config so an embedding app (or a test) can point herald at another store
    const env = {
      ...process.env,
      PASSWORD_STORE_DIR: store,
      ...Option.match(gnupgHome, { onNone: () => ({}), onSome: (home) => ({ GNUPGHOME: home }) })
    }
    const nameOf = (account: string) => `${prefix}${account}`

    const run = (program: string, args: ReadonlyArray<string>, input?: string): Effect.Effect<ProcessResult, KeychainUnavailable> =>
      runProcess([program, ...args], { timeout, env, ...(input !== undefined ? { input } : {}) }).pipe(
        Effect.mapError((e) =>
          e.timedOut
            ? notAnswering(`${program} ${args[0] ?? ""} did not answer within ${Duration.format(timeout)} (is gpg waiting for a passphrase?)`)
            : unavailable(`${program} ${e.reason}`)
        )
      )

    const said = (r: ProcessResult) => lastLine(r.stderr) ?? `exit code ${r.code ?? r.signal ?? "?"}`

    // one probe per run, as with the OS keychain: pass runs, the store is initialised, and
    // its key can encrypt and decrypt without a prompt (nobody answers one at 3 a.m.)
    const check = yield* Effect.cached(
      Effect.gen(function*() {
        const version = yield* run(passProgram, ["version"])
        if (version.code !== 0) return yield* Effect.fail(unavailable(`pass does not run: ${said(version)}`))
        const ids = yield* findGpgIds(store, prefix)
        if (Option.isNone(ids)) {
          return yield* Effect.fail(
            unavailable(`the password store ${store} is not initialised: run pass init <gpg-key-id>`)
          )
        }
        const probe = `herald-probe-${Date.now()}`
        const recipients = ids.value.flatMap((id) => ["--recipient", id])
        const sealed = yield* run(
          gpgProgram,
          ["--batch", "--quiet", "--yes", "--no-encrypt-to", "--armor", "--encrypt", ...recipients],
          probe
        )
        if (sealed.code !== 0) {
          return yield* Effect.fail(notAnswering(`gpg cannot encrypt to ${ids.value.join(", ")}: ${said(sealed)}`))
        }
        const opened = yield* run(gpgProgram, ["--batch", "--quiet", "--pinentry-mode", "error", "--decrypt"], sealed.stdout)
        if (opened.code !== 0 || opened.stdout !== probe) {
          return yield* Effect.fail(
            notAnswering(
              `gpg cannot decrypt for ${ids.value.join(", ")} without a passphrase prompt (${said(opened)}); ` +
                "unattended runs need the key unlocked in gpg-agent, or a key without a passphrase"
            )
          )
        }
      })
    )

    // writes one at a time: a git-backed store commits each insert, and git allows one at a time
    const writes = yield* Effect.makeSemaphore(1)

    const service: Keychain["Type"] = {
      check,
      describe: (account) => `pass ${nameOf(account)}`,
      get: (account) =>
        check.pipe(
          Effect.zipRight(run(passProgram, ["show", nameOf(account)])),
          Effect.flatMap((r) => {
            if (r.code === 0) {
              const value = r.stdout.endsWith("\n") ? r.stdout.slice(0, -1) : r.stdout
              return Effect.succeed(value === "" ? Option.none() : Option.some(Redacted.make(value)))
            }
            if (/is not in the password store/.test(r.stderr)) return Effect.succeed(Option.none())
            return Effect.fail(unavailable(`pass show ${nameOf(account)} failed: ${said(r)}`))
          })
        ),
      set: (account, value) =>
        check.pipe(
          Effect.zipRight(
            writes.withPermits(1)(
              run(passProgram, ["insert", "--multiline", "--force", nameOf(account)], `${Redacted.value(value)}\n`)
            )
          ),
          Effect.flatMap((r) =>
            r.code === 0 ? Effect.void : Effect.fail(unavailable(`pass insert ${nameOf(account)} failed: ${said(r)}`))
          )
        ),
      remove: (account) =>
        check.pipe(
          Effect.zipRight(writes.withPermits(1)(run(passProgram, ["rm", "--force", nameOf(account)]))),
          Effect.flatMap((r) => {
            if (r.code === 0) return Effect.succeed(true)
            if (/is not in the password store/.test(r.stderr)) return Effect.succeed(false)
            return Effect.fail(unavailable(`pass rm ${nameOf(account)} failed: ${said(r)}`))
          })
        )
    }
    return service
  })

export const layer = (options: PassOptions = {}): Layer.Layer<Keychain> => Layer.effect(Keychain, make(options))
