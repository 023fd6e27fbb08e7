/**
 * The authorization-code half of the fake platforms: one-time codes bound to client,
 * redirect URI and PKCE challenge, and the checks a real token endpoint makes when a code
 * is redeemed. The consent pages themselves are in the platforms' models.
 */
import { createHash, randomBytes } from "node:crypto"
import type { CodePort, Consent } from "../../src/platforms/tokenModel.js"

/** What the fake "user" does on the consent page; settable on each fake as `fake.consent`. */
export type { Consent }

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

/** The code store a model's consent page and token endpoint use (random values, so not in the model). */
export class AuthorizationCodes implements CodePort {
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

export { errorPage, redirectTo, validRedirect } from "../../src/platforms/tokenModel.js"
