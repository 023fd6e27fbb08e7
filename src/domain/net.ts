/**
 * The network rules every URL herald calls is held to (DESIGN §2 rule 8), in one place:
 * what counts as this machine (loopback), and "https, or plain http to loopback only".
 * Pure: config validation, the backends' and notifiers' own checks, and the HTTP edge's
 * guard (src/http/guards.ts) all ask these.
 */

/** This machine: `localhost`, 127.0.0.0/8 and ::1 (with or without brackets), any case. */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1")
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** The rule itself: https, or plain http to this machine; nothing else carries a token. */
export const isHttpsOrLoopback = (url: URL): boolean =>
  url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname))

/** What the rule refuses among http(s) URLs: plain http to a host that is not this machine. */
export const isPlainHttpOffLoopback = (url: URL): boolean => url.protocol === "http:" && !isHttpsOrLoopback(url)

/** Only HTTPS to hosts that are not this machine; the message names the https URL to use instead. */
export const transportIssue = (url: string): string | undefined => {
  const u = new URL(url)
  return isPlainHttpOffLoopback(u)
    ? `plain http is only allowed to loopback hosts; use https://${u.host}${u.pathname}`
    : undefined
}

/** The same rule for a URL that is itself a credential (a webhook's path holds its token): the message never quotes it. */
export const secretUrlTransportIssue = (url: string): string | undefined =>
  URL.canParse(url) && isPlainHttpOffLoopback(new URL(url)) ? "must be an https URL (plain http only to loopback hosts)" : undefined

/** Why `url` cannot be a backend's API root (tokens travel in a header), or undefined. */
export const apiUrlIssue = (url: string): string | undefined => {
  if (!URL.canParse(url)) return "is not a URL"
  return isHttpsOrLoopback(new URL(url)) ? undefined : "must use https:// (plain http is allowed only for loopback hosts)"
}
