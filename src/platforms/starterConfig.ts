/** The commented config `herald config init` writes, one line per registry entry. Pure. */
import type { PlatformId } from "../domain/Platform.js"
import { registry } from "./registry.js"

/** `platforms` are listed (enabled); the rest are there as comments to uncomment. */
export const starterConfig = (platforms: ReadonlyArray<PlatformId>): string => {
  const all = registry.map((e) => e.descriptor)
  const listed = all.filter((p) => platforms.includes(p.id))
  const commented = all.filter((p) => !platforms.includes(p.id))
  return [
    "# herald's config: the platforms it keeps alive, where new tokens go, who is alerted.",
    "# Check it with `herald config validate`; `herald doctor` says what is still missing.",
    "#",
    "# No secret belongs in this file: give each connection its tokens with",
    "#   herald auth login <platform>        (in a browser, OAuth with PKCE)",
    "#   herald auth set <platform>          (tokens you already have, on stdin or a hidden prompt)",
    "# herald stores them in the OS keychain (or pass) and writes the expiry dates here.",
    "",
    listed.length === 0 ? "platforms: {}" : "platforms:",
    ...listed.flatMap((p) => [`${`  ${p.id}:`.padEnd(18)}# ${p.summary}`, "    enabled: true"]),
    ...commented.map((p) => `${`  # ${p.id}: {}`.padEnd(18)}# ${p.summary}`),
    "  # a further account of a platform:  x: { accounts: { brand: {} } }   (target x:brand)",
    "",
    "auth:",
    "  writeback:",
    "    backend: local          # local (keychain or pass) | gitlab | github | pass",
    "    # gitlab: { project: \"group/blog\" }                 # needs GITLAB_TOKEN",
    "    # github: { repository: \"owner/blog\" }              # needs GITHUB_TOKEN",
    "  alerts:",
    "    backend: none           # none | webhook | email",
    "    # webhook: { url: \"https://hooks.slack.com/…\", format: slack }   # slack | discord | teams | generic",
    "    # email: { host: smtp.example.com, port: 587, from: herald@example.com, to: [me@example.com] }",
    ""
  ].join("\n")
}
