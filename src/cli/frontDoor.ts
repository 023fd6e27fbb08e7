/**
 * What herald does with argv before @effect/cli parses it, and how it says what went wrong:
 * `herald -v` / `herald version`, `herald help [COMMAND]`, an unknown command with a "did you
 * mean", and one style for an unknown option whoever found it. Pure.
 */

/** Every command, by group; `doctor` has none below it. */
export const COMMANDS: Readonly<Record<string, ReadonlyArray<string>>> = {
  auth: ["refresh", "status", "verify", "login", "set", "token", "logout", "recover"],
  config: ["init", "path", "validate"],
  alerts: ["test"],
  doctor: []
}

/**
 * Each command's options (kept in step with the command definitions by test/e2e/cliSurface.test.ts),
 * so an unknown one is named as typed, wherever it stands on the line.
 */
export const OPTIONS: Readonly<Record<string, ReadonlyArray<string>>> = {
  "auth refresh": ["--config", "--json", "--concurrency", "--dry-run"],
  "auth status": ["--config", "--json", "--concurrency"],
  "auth verify": ["--config", "--json", "--concurrency"],
  "auth login": ["--account", "--config", "--json", "--scopes", "--no-browser", "--timeout", "--port"],
  "auth set": ["--account", "--config", "--json", "--expires-at", "--refresh-token-expires-at"],
  "auth token": ["--account", "--config", "--json"],
  "auth logout": ["--account", "--config", "--json", "--yes"],
  "auth recover": ["--config", "--json"],
  "config init": ["--config", "--json", "--platform"],
  "config path": ["--config", "--json"],
  "config validate": ["--config", "--json"],
  "alerts test": ["--config", "--json"],
  "doctor": ["--config", "--json", "--online"]
}

/** @effect/cli's own options, on every command. */
export const BUILT_IN = ["--help", "-h", "--version", "--wizard", "--completions", "--log-level"]

/** @effect/cli's own options that take a value (so that value is not mistaken for a command). */
const VALUED = new Set(["--log-level", "--completions"])

export type Door =
  | { readonly _tag: "Version" }
  | { readonly _tag: "Run"; readonly args: ReadonlyArray<string>; readonly path: ReadonlyArray<string> }
  | { readonly _tag: "Unknown"; readonly message: string }

const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/** The closest of `candidates` to `word`, if it is close enough to be a typo. */
export const closest = (word: string, candidates: ReadonlyArray<string>): string | undefined => {
  let best: { readonly name: string; readonly d: number } | undefined
  for (const name of candidates) {
    const d = distance(word, name)
    if (best === undefined || d < best.d) best = { name, d }
  }
  return best !== undefined && best.d <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined
}

/** The positional words of argv (after `node herald.cjs`), with their indexes. */
const words = (args: ReadonlyArray<string>) => {
  const out: Array<{ readonly word: string; readonly at: number }> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "--") break
    if (a.startsWith("-")) {
      if (VALUED.has(a)) i++
      continue
    }
    out.push({ word: a, at: i })
  }
  return out
}

const allCommands = Object.entries(COMMANDS).flatMap(([group, subs]) =>
  subs.length === 0 ? [group] : subs.map((s) => `${group} ${s}`)
)

const unknownCommand = (typed: string, suggestion: string | undefined, helpFor: string) =>
  `herald: unknown command '${typed}'` + (suggestion === undefined ? "." : `; did you mean 'herald ${suggestion}'?`) +
  ` See 'herald ${helpFor}--help'.`

/** What to do with `args` (argv without node and the script). */
export const openDoor = (args: ReadonlyArray<string>): Door => {
  if (args.length === 1 && (args[0] === "-v" || args[0] === "--version" || args[0] === "version")) return { _tag: "Version" }
  let rest = args
  const first = words(args)[0]
  if (first?.word === "help") {
    // `herald help auth set` is `herald auth set --help`
    rest = [...args.slice(0, first.at), ...args.slice(first.at + 1), "--help"]
  }
  const [group, sub] = words(rest)
  if (group === undefined) return { _tag: "Run", args: rest, path: [] }
  const subs = COMMANDS[group.word]
  if (subs === undefined) {
    // `herald set x`, `herald sett`: a command of some group, or a typo of a group
    const inGroup = allCommands.find((c) => c.endsWith(` ${group.word}`))
    const suggestion = inGroup ?? closest(group.word, [...Object.keys(COMMANDS), ...Object.values(COMMANDS).flat()])
    const full = suggestion === undefined ? undefined : allCommands.find((c) => c === suggestion || c.endsWith(` ${suggestion}`))
    return { _tag: "Unknown", message: unknownCommand(group.word, full, "") }
  }
  if (subs.length === 0) return checked(rest, [group.word])
  if (sub === undefined) return { _tag: "Run", args: rest, path: [group.word] }
  if (!subs.includes(sub.word)) {
    const suggestion = closest(sub.word, subs)
    return {
      _tag: "Unknown",
      message: unknownCommand(`${group.word} ${sub.word}`, suggestion === undefined ? undefined : `${group.word} ${suggestion}`, `${group.word} `)
    }
  }
  return checked(rest, [group.word, sub.word])
}

/** A command's argv, unless it has an option the command does not know. */
const checked = (args: ReadonlyArray<string>, path: ReadonlyArray<string>): Door => {
  const known = new Set([...(OPTIONS[path.join(" ")] ?? []), ...BUILT_IN])
  const end = args.indexOf("--") === -1 ? args.length : args.indexOf("--")
  // `-5` is a (bad) number for the option before it, not an option
  const stray = args.slice(0, end).map((a) => a.split("=")[0]!)
    .find((a) => a.startsWith("-") && a !== "-" && !/^-\d/.test(a) && !known.has(a))
  return stray === undefined
    ? { _tag: "Run", args, path }
    : { _tag: "Unknown", message: unknownOption(stray, path, [...known]) }
}

const unknownOption = (flag: string, path: ReadonlyArray<string>, known: ReadonlyArray<string>) => {
  const command = ["herald", ...path].join(" ")
  const suggestion = closest(flag, known.filter((k) => k.startsWith("--")))
  return `herald: unknown option '${flag}' for '${command}'` + (suggestion === undefined ? "." : `; did you mean '${suggestion}'?`) +
    ` See '${command} --help'.`
}

// @effect/cli's wording, and the target parsers' (domain/Connection.ts, platforms/login/target.ts)
const UNKNOWN_OPTION = /^(?:herald: )?(?:Received unknown argument: '(-[^']*)'|unknown option '(-[^']*)'; see .*)$/

/**
 * One wording for an unknown option, whether @effect/cli's parser or herald's target parser
 * found it: `herald: unknown option '--bogus' for 'herald auth status'; see 'herald auth status --help'`.
 */
export const restyleError = (text: string, path: ReadonlyArray<string>): string =>
  text.replace(/\n+$/, "").split("\n").map((line, i) => {
    const m = UNKNOWN_OPTION.exec(line.trim())
    if (m !== null) {
      const command = ["herald", ...path].join(" ")
      return `herald: unknown option '${m[1] ?? m[2]}' for '${command}'. See '${command} --help'.`
    }
    // the parser's own messages ("--concurrency 0: expected …") get herald's prefix like the rest
    return i === 0 && line.trim() !== "" && !line.startsWith("herald") ? `herald: ${line}` : line
  }).join("\n")

/** Every command path that has a help page: the root, each group, each command. */
export const HELP_PATHS: ReadonlyArray<ReadonlyArray<string>> = [
  [],
  ...Object.entries(COMMANDS).flatMap(([group, subs]) => [[group], ...subs.map((s) => [group, s])])
]

/** A group's commands (an own key only: `constructor` is no group). */
const subsOf = (group: string): ReadonlyArray<string> | undefined => (Object.hasOwn(COMMANDS, group) ? COMMANDS[group] : undefined)

const isCommandPath = (path: ReadonlyArray<string>): boolean =>
  path.length === 0 || (path.length === 1 && subsOf(path[0]!) !== undefined) ||
  (path.length === 2 && (subsOf(path[0]!)?.includes(path[1]!) ?? false))

/**
 * The command whose help page `args` asks for and nothing else, or undefined: `herald`,
 * `herald auth` (a group alone), `herald auth set --help` (or `-h`), `herald help auth set`.
 * Anything more on the line (another option, a target) is left to the app to parse.
 */
export const helpPath = (args: ReadonlyArray<string>): ReadonlyArray<string> | undefined => {
  if (args.length === 0) return []
  const last = args[args.length - 1]!
  const path = args[0] === "help" ? args.slice(1) : last === "--help" || last === "-h" ? args.slice(0, -1) : undefined
  if (path !== undefined) return isCommandPath(path) ? path : undefined
  // a group alone shows its help; a command alone runs
  return args.length === 1 && (subsOf(args[0]!)?.length ?? 0) > 0 ? args : undefined
}

/** The key a help page is stored under (dist/help.json): its path, space-separated. */
export const helpKey = (path: ReadonlyArray<string>): string => path.join(" ")
