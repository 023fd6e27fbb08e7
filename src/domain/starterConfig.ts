/** The commented config `herald config init` writes. Pure. */
import { type PlatformId, platformIds } from "./Platform.js"

const notes: Readonly<Record<PlatformId, string>> = {
  instagram: "long-lived token, refreshed in place once over 24 h old",
  youtube: "durable refresh token: each run checks it still mints an access token",
  tiktok: "rotating refresh token: rotated every run, the new one stored first",
  linkedin: "60-day access token: herald alerts before it runs out (set --expires-at)",
  x: "single-use rotating refresh token: rotated every run, stored at once"
}

/** `platforms` are listed (enabled); the rest are there as comments to uncomment. */
export const starterConfig = (platforms: ReadonlyArray<PlatformId>): string => {
  const listed = platformIds.filter((p) => platforms.includes(p))
  const commented = platformIds.filter((p) => !platforms.includes(p))
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
    ...listed.flatMap((p) => [`${`  ${p}:`.padEnd(18)}# ${notes[p]}`, "    enabled: true"]),
    ...commented.map((p) => `${`  # ${p}: {}`.padEnd(18)}# ${notes[p]}`),
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
