/**
 * How many Effect operations a connection costs: `refreshAll` over N TikTok connections
 * (each one refresh, one rotation journaled and written back to the config file), run
 * in-process over the live layers (config file, journal, lock, node:http) against the
 * loopback TikTok fake, with a supervisor counting every operation any fiber of the run
 * evaluates (Supervisor.onEffect under OpSupervision). `--where` also says in which
 * service method they ran (its wrappers add a few operations of their own per call).
 *
 *   tsx scripts/ops-count.ts [--n N] [--json] [--where]
 *
 * Prints the operations of a run of 1 connection and one of N, and per connection both
 * the marginal figure ((ops(N) − ops(1)) / (N − 1): what one more connection costs) and
 * the run's total over N. `npm run bench` prints it with its goal (≤ 150).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import * as os from "node:os"
import { join } from "node:path"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as RuntimeFlagsPatch from "effect/RuntimeFlagsPatch"
import * as Supervisor from "effect/Supervisor"
import type * as Fiber from "effect/Fiber"
import { HOUR } from "../sandbox/fakes/server.js"
import { startTikTokFake } from "../sandbox/fakes/tiktok.js"
import { appLayerFor } from "../src/cli/AppLayer.js"
import * as GracefulStopLive from "../src/layers/process/GracefulStopLive.js"
import { refreshAll } from "../src/programs/refreshAll.js"
import { ConfigStore } from "../src/services/ConfigStore.js"
import { Journal } from "../src/services/Journal.js"
import { Refreshers } from "../src/services/Refreshers.js"
import { Scrubber } from "../src/services/Scrubber.js"
import { Secrets } from "../src/services/Secrets.js"
import { WriteBack } from "../src/services/WriteBack.js"

/** The service method a fiber is in, for --where. */
const phase = FiberRef.unsafeMake("refreshAll / refreshOne (own)")

/** Every method of a service that returns an effect, run with its name as the fiber's phase. */
const labelled = <S extends object>(name: string, service: S): S => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(service)) {
    out[key] = typeof value === "function"
      ? (...args: Array<unknown>) => {
        const result = (value as (...a: Array<unknown>) => unknown)(...args)
        if (Effect.isEffect(result)) return Effect.locally(result, phase, `${name}.${key}`)
        // Refreshers.get hands out a refresher: its methods are phases of their own
        return typeof result === "object" && result !== null && !Array.isArray(result) ? labelled(`${name}.${key}()`, result) : result
      }
      : Effect.isEffect(value)
      ? Effect.locally(value, phase, `${name}.${key}`)
      : value
  }
  return out as S
}

const relabel = <I, S extends object, C>(context: Context.Context<C>, tag: Context.Tag<I, S>, name: string): Context.Context<C> =>
  Context.add(context, tag, labelled(name, Context.unsafeGet(context, tag))) as Context.Context<C>

const phases = <A, E, R>(layer: Layer.Layer<A, E, R>): Layer.Layer<A, E, R> =>
  process.argv.includes("--where")
    ? Layer.map(layer, (context) => {
      let c = relabel(context, Secrets, "Secrets")
      c = relabel(c, Refreshers, "Refreshers")
      c = relabel(c, WriteBack, "WriteBack")
      c = relabel(c, Journal, "Journal")
      c = relabel(c, Scrubber, "Scrubber")
      c = relabel(c, ConfigStore, "ConfigStore")
      const http = Context.unsafeGet(c, HttpClient.HttpClient)
      return Context.add(c, HttpClient.HttpClient, HttpClient.make((request) => Effect.locally(http.execute(request), phase, "HttpClient.execute"))) as Context.Context<A>
    })
    : layer

class Counter extends Supervisor.AbstractSupervisor<number> {
  count = 0
  get value() {
    return Effect.sync(() => this.count)
  }
  /** with --where: operations by the service method they ran in (the innermost; see `labelled`) */
  readonly where = process.argv.includes("--where") ? new Map<string, number>() : undefined
  override onEffect<A, E>(fiber: Fiber.RuntimeFiber<A, E>, _effect: Effect.Effect<unknown, unknown, unknown>): void {
    this.count++
    if (this.where === undefined) return
    const at = fiber.getFiberRef(phase)
    this.where.set(at, (this.where.get(at) ?? 0) + 1)
  }
}

const clientKey = "ops-client-key"
const clientSecret = "ops-client-secret"

/** The operations of one `auth refresh all` over `n` TikTok connections (every one rotated). */
const opsOf = async (n: number): Promise<number> => {
  const fake = await startTikTokFake({ tokenPrefix: "ops-tiktok", clientKey, clientSecret })
  const dir = await mkdtemp(join(os.tmpdir(), "herald-ops-"))
  try {
    const now = Date.now()
    const lines = [
      "platforms:",
      "  tiktok:",
      `    client_key: ${clientKey}`,
      `    client_secret: ${clientSecret}`,
      "    endpoints:",
      `      token: ${JSON.stringify(fake.url("/v2/oauth/token/"))}`,
      `      health: ${JSON.stringify(fake.url("/v2/user/info/"))}`,
      "    accounts:"
    ]
    for (let i = 0; i < n; i++) {
      lines.push(`      a${i}:`)
      lines.push(`        refresh_token: ${JSON.stringify(fake.issueRefreshToken(`ops-refresh-${i}`, { expiresAt: now + 180 * 24 * HOUR }))}`)
    }
    const config = join(dir, "herald.yaml")
    await writeFile(config, `${lines.join("\n")}\n`, { mode: 0o600 })
    await mkdir(join(dir, "state"), { recursive: true })
    process.env["HERALD_KEYCHAIN"] = "off"
    process.env["XDG_STATE_HOME"] = join(dir, "state")
    const counter = new Counter()
    const report = await Effect.runPromise(
      refreshAll("tiktok", { dryRun: false, concurrency: 8 }).pipe(
        // as the CLI runs it: with a stop request a connection not started is skipped (src/cli/runMain.ts)
        Effect.provide(Layer.merge(phases(appLayerFor(Option.some(config))), GracefulStopLive.layer)),
        Effect.supervised(counter),
        Effect.withRuntimeFlagsPatch(RuntimeFlagsPatch.enable(RuntimeFlags.OpSupervision))
      )
    )
    const rotated = report.statuses.filter((s) => s.action === "rotated").length
    // the default account has no token here: it is the one connection that is not rotated
    if (rotated !== n) throw new Error(`${rotated} of ${n} connections rotated: ${JSON.stringify(report.statuses.find((s) => s.action !== "rotated"))}`)
    if (counter.where !== undefined && n > 1) {
      for (const [at, k] of [...counter.where].sort((a, b) => b[1] - a[1])) process.stderr.write(`${(k / n).toFixed(1).padStart(8)} per connection  ${at}\n`)
    }
    return counter.count
  } finally {
    await fake.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export interface OpsFigure {
  readonly connections: number
  readonly operations: number
  readonly single: number
  /** (ops(N) − ops(1)) / (N − 1) */
  readonly perConnection: number
  /** ops(N) / N */
  readonly totalPerConnection: number
}

export const countOps = async (n: number): Promise<OpsFigure> => {
  const single = await opsOf(1)
  const operations = await opsOf(n)
  return { connections: n, operations, single, perConnection: (operations - single) / (n - 1), totalPerConnection: operations / n }
}

const main = async () => {
  const argv = process.argv.slice(2)
  const at = argv.indexOf("--n")
  const n = at >= 0 ? Number(argv[at + 1]) : 200
  if (!Number.isInteger(n) || n < 2) throw new Error("--n takes an integer ≥ 2")
  const figure = await countOps(n)
  process.stdout.write(
    argv.includes("--json")
      ? `${JSON.stringify(figure)}\n`
      : `1 connection: ${figure.single} operations; ${n} connections: ${figure.operations} ` +
        `(${figure.perConnection.toFixed(0)} per further connection, ${figure.totalPerConnection.toFixed(0)} per connection in all)\n`
  )
}

if (process.argv[1] !== undefined && /ops-count\.ts$/.test(process.argv[1])) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`)
    process.exitCode = 1
  })
}
