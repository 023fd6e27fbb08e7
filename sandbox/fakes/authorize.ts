/**
 * The authorization-code half of the fake platforms: a consent page that answers at once
 * (the test is the browser and the user), one-time codes bound to client, redirect URI and
 * PKCE challenge, and the checks a real token endpoint makes when a code is redeemed.
 */
import { createHash, randomBytes } from "node:crypto"
import type { FakeResponse } from "./server.js"

/** What the fake "user" does on the consent page; settable on each fake as `fake.consent`. */
export type Consent = "approve" | "deny"

/** RFC 7636 S256 as base64url, or TikTok's hex rendering of the same hash. */
export type ChallengeEncoding = "base64url" | "hex"

export const s256 = (verifier: string, encoding: ChallengeEncoding): string =>
  createHash("sha256").update(verifier, "ascii").digest(encoding)

export interface IssuedCode {
  readonly value: string
  readonly clientId: string
  readonly redirectUri: string
  readonly scope: string
  readonly challenge: string | undefined
  readonly method: string | undefined
  /** the query of the authorize request, for platform quirks (access_type, prompt) */
  readonly query: Readonly<Record<string, string>>
  readonly expiresAt: number
  used: boolean
}

export type Redemption =
  | { readonly ok: true; readonly code: IssuedCode }
  | { readonly ok: false; readonly error: string; readonly description: string; readonly reason: RedeemFailure }

export type RedeemFailure = "unknown-code" | "used" | "expired" | "client" | "redirect" | "verifier-missing" | "verifier-wrong"

/** Authorization codes live 10 minutes (RFC 6749 §4.1.2 recommends no more) and are single-use. */
export const CODE_LIFETIME_MS = 10 * 60 * 1000

export class AuthorizationCodes {
  private readonly codes = new Map<string, IssuedCode>()
  /** every authorize request the fake answered, approved or not, in order */
  readonly requests: Array<Readonly<Record<string, string>>> = []

  constructor(
    private readonly prefix: string,
    private readonly now: () => number,
    readonly encoding: ChallengeEncoding = "base64url"
  ) {}

  issue(query: Readonly<Record<string, string>>, clientId: string): IssuedCode {
    const code: IssuedCode = {
      value: `${this.prefix}-code-${randomBytes(9).toString("base64url")}`,
      clientId,
      redirectUri: query["redirect_uri"] ?? "",
      scope: query["scope"] ?? "",
      challenge: query["code_challenge"],
      method: query["code_challenge_method"],
      query,
      expiresAt: this.now() + CODE_LIFETIME_MS,
      used: false
    }
    this.codes.set(code.value, code)
    return code
  }

  get(value: string): IssuedCode | undefined {
    return this.codes.get(value)
  }

  all(): Array<IssuedCode> {
    return [...this.codes.values()]
  }

  /**
   * The token endpoint's checks (RFC 6749 §4.1.3, RFC 7636 §4.6): the code exists, is
   * unused and unexpired, was issued to this client for this redirect URI, and — when a
   * challenge was sent — the verifier hashes to it. A code is spent by any redemption
   * attempt that names it correctly, as real servers do.
   */
  redeem(value: string | undefined, p: { clientId: string; redirectUri: string | undefined; verifier: string | undefined }): Redemption {
    const fail = (reason: RedeemFailure, error: string, description: string): Redemption => ({ ok: false, error, description, reason })
    const code = value === undefined ? undefined : this.codes.get(value)
    if (code === undefined) return fail("unknown-code", "invalid_grant", "Authorization code is invalid.")
    if (code.used) return fail("used", "invalid_grant", "Authorization code has already been used.")
    if (this.now() >= code.expiresAt) return fail("expired", "invalid_grant", "Authorization code is expired.")
    if (code.clientId !== p.clientId) return fail("client", "invalid_grant", "Authorization code was issued to another client.")
    if (code.redirectUri !== (p.redirectUri ?? "")) return fail("redirect", "invalid_grant", "redirect_uri does not match the authorization request.")
    if (code.challenge !== undefined) {
      if (p.verifier === undefined || p.verifier === "") return fail("verifier-missing", "invalid_request", "Missing code_verifier.")
      if (s256(p.verifier, this.encoding) !== code.challenge) {
        code.used = true
        return fail("verifier-wrong", "invalid_grant", "Code verifier or code challenge is invalid.")
      }
    }
    code.used = true
    return { ok: true, code }
  }
}

/** A 302 to `redirectUri` with `params` added to its query (and an optional fragment, as Instagram adds `#_`). */
export const redirectTo = (redirectUri: string, params: Readonly<Record<string, string>>, fragment = ""): FakeResponse => {
  const url = new URL(redirectUri)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return { status: 302, text: "", headers: { location: `${url.toString()}${fragment}` } }
}

/** A consent page that cannot redirect (unknown client, bad redirect URI): real platforms show an error page. */
export const errorPage = (text: string): FakeResponse => ({
  status: 400,
  text: `<!DOCTYPE html><html><body><h1>Something went wrong</h1><p>${text}</p></body></html>`,
  headers: { "content-type": "text/html; charset=utf-8" }
})

/** Only loopback http or any https redirect URIs are valid here, as on the platforms for desktop apps. */
export const validRedirect = (uri: string | undefined): uri is string => {
  if (uri === undefined || !URL.canParse(uri)) return false
  const u = new URL(uri)
  return u.protocol === "https:" || (u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost"))
}
