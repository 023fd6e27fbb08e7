/**
 * When herald's output may carry escape sequences (help's colours), and how they are taken
 * out. Imports nothing: the bin's help answer (../main.ts) uses it before any of the app loads.
 */

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g

export const stripEscapes = (text: string): string => text.replace(ESCAPES, "")

/** NO_COLOR (no-color.org): present and not empty turns colour off. */
export const colourAllowed = (env: Readonly<Record<string, string | undefined>>, isTty: boolean) =>
  isTty && (env["NO_COLOR"] ?? "") === "" && env["TERM"] !== "dumb"
