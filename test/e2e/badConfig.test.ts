/**
 * Issue 2's acceptance, part 6: a bad config stops the run before anything happens — exit 2,
 * stderr names the file and the key, the fakes see no request, the file is not touched.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { startSandbox } from "../../sandbox/index.js"
import { assertBuilt, describeRun, leakedSecrets, makeWorkspace, startFailureOf } from "./support/runHerald.js"
import { configYaml, platforms } from "./support/world.js"

beforeAll(assertBuilt)

/** generous: concurrent tests queue for a process slot, and CI machines are busy */
const E2E_TIMEOUT = 90_000

interface Case {
  readonly name: string
  /** turns a valid config (all five platforms, pointed at the fakes) into a bad one */
  readonly spoil: (valid: string) => string
  /** what stderr must name besides the file */
  readonly names: ReadonlyArray<string | RegExp>
}

const replaceOnce = (text: string, from: string, to: string): string => {
  if (!text.includes(from)) throw new Error(`test setup: '${from}' not in the config`)
  return text.replace(from, to)
}

const cases: ReadonlyArray<Case> = [
  {
    name: "a bad date",
    spoil: (t) => t.replace(/(\n {4}access_token_expires_at: )"[^"]*"(\n {4}refresh_token_expires_at)/, '$1"next tuesday"$2'),
    names: ["platforms.tiktok.access_token_expires_at"]
  },
  {
    name: "an unknown platform",
    spoil: (t) => replaceOnce(t, "platforms:\n", "platforms:\n  myspace:\n    enabled: true\n"),
    names: ["platforms.myspace", "myspace"]
  },
  {
    name: "broken YAML",
    spoil: (t) => replaceOnce(t, "  tiktok:\n    enabled: true", "  tiktok:\n    enabled: [true"),
    names: [/line \d+/]
  },
  {
    name: "an unknown key",
    spoil: (t) => replaceOnce(t, "  tiktok:\n", "  tiktok:\n    refresh_tokn: \"typo\"\n"),
    names: ["platforms.tiktok.refresh_tokn"]
  },
  {
    name: "an unknown write-back backend",
    spoil: (t) => replaceOnce(t, "backend: local", "backend: vault"),
    names: ["auth.writeback.backend"]
  },
  {
    name: "a plain http webhook to a non-loopback host",
    spoil: (t) => replaceOnce(t, "  alerts:\n    backend: none", "  alerts:\n    backend: webhook\n    webhook: { url: \"http://hooks.example.com/services/T0/B0/hookpath\" }"),
    names: ["auth.alerts.webhook.url", "https"]
  },
  {
    name: "an alias bomb (billion laughs)",
    spoil: (t) =>
      t + ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"].concat(
        Array.from({ length: 8 }, (_, i) => `lol${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(", ")}]`)
      ).join("\n") + "\n",
    names: ["invalid config", "aliases", "herald's limit"]
  },
  {
    name: "a file too large to be a config",
    spoil: (t) => t + `# ${"x".repeat(9 * 1024 * 1024)}\n`,
    names: ["invalid config", "over herald's limit of 8.0 MiB"]
  }
]

describe.concurrent("a bad config", { timeout: E2E_TIMEOUT }, () => {
  for (const c of cases) {
    // every case through refresh and validate; status shares refresh's start-up, so once is enough
    const commands = [["auth", "refresh", "--json"], ["config", "validate"], ...(c === cases[0] ? [["auth", "status", "--json"]] : [])]
    for (const args of commands) {
      it(`${c.name}: herald ${args.join(" ")} exits 2, names file and key, touches nothing`, async ({ onTestFinished }) => {
        const sb = await startSandbox()
        onTestFinished(() => sb.close())
        const ws = await makeWorkspace(onTestFinished)
        const bad = c.spoil(configYaml(sb, platforms))
        await ws.writeConfig(bad, 0o644)

        const run = await ws.herald(args)
        expect(run.code, describeRun(run)).toBe(2)
        expect(run.stderr, describeRun(run)).toContain(ws.configPath)
        for (const name of c.names) {
          if (typeof name === "string") expect(run.stderr, describeRun(run)).toContain(name)
          else expect(run.stderr, describeRun(run)).toMatch(name)
        }
        // no half a report on stdout for a CI step to misread: nothing, or (--json) the same error as JSON
        const said = startFailureOf(run)
        expect(said).toContain(ws.configPath)
        for (const fake of Object.values(sb.fakes)) expect(fake.counters.calls, fake.name).toBe(0)
        expect(await ws.readConfigText()).toBe(bad)
        expect((await ws.configMode()).toString(8)).toBe("644")
        const secrets = Object.values(sb.seeds).flatMap((s) =>
          Object.entries(s).filter(([k]) => /secret|token$/.test(k)).map(([, v]) => v)
        )
        expect(leakedSecrets(run, secrets)).toEqual([])
      })
    }
  }

  it("a missing --config file: exit 2, names the file", async ({ onTestFinished }) => {
    const ws = await makeWorkspace(onTestFinished)
    const run = await ws.herald(["auth", "refresh", "--json"])
    expect(run.code, describeRun(run)).toBe(2)
    expect(run.stderr).toContain(ws.configPath)
  })
})
