/**
 * PKCE (RFC 7636) and the `state` nonce. The verifier and state come from the OS CSPRNG
 * (an effect); turning a verifier into a challenge is pure.
 */
import { createHash, randomBytes } from "node:crypto"
import * as Effect from "effect/Effect"

/**
 * How a platform wants the S256 challenge written. RFC 7636 §4.2 says
 * BASE64URL(SHA256(verifier)); TikTok's desktop Login Kit instead asks for the *hex*
 * encoding of SHA256(verifier), still under `code_challenge_method=S256`
 * (developers.tiktok.com/doc/login-kit-desktop; its official Android SDK's PKCEUtils
 * hex-encodes too). A base64url challenge there fails the exchange with
 * "Code verifier or code challenge is invalid."
 */
export type ChallengeEncoding = "base64url" | "hex"

/** Pure: the S256 code challenge of a verifier. */
export const challengeOf = (verifier: string, encoding: ChallengeEncoding = "base64url"): string =>
  createHash("sha256").update(verifier, "ascii").digest(encoding)

/**
 * 32 random bytes as base64url: 43 characters from RFC 7636's unreserved set
 * (`A-Z a-z 0-9 - _`), 256 bits of entropy — the minimum length the RFC allows.
 */
export const makeVerifier: Effect.Effect<string> = Effect.sync(() => randomBytes(32).toString("base64url"))

/** A fresh, unguessable `state` for one authorization request (RFC 6749 §10.12). */
export const makeState: Effect.Effect<string> = Effect.sync(() => randomBytes(24).toString("base64url"))
