/**
 * Google OAuth 2.0 for YouTube on loopback: the platform's token model
 * (src/platforms/youtube/model.ts, PROVIDERS §2) served over node:http. No refresh token
 * on refresh, `invalid_grant` with either description, Testing mode's 7 days, `tokeninfo`,
 * `revoke`, the consent page and `prompt=consent`: all in the model.
 */
import {
  model,
  paths,
  REVOKED,
  REVOKED_LATER,
  type RevokedDescription,
  revokeToken,
  refreshUsable,
  type YouTubeModelOptions,
  type YouTubeState
} from "../../src/platforms/youtube/model.js"
import { type CommonOptions, type ModelFake, serveModel, settable } from "./server.js"

export { REVOKED, REVOKED_LATER, type RevokedDescription }

export interface YouTubeFakeOptions extends CommonOptions, YouTubeModelOptions {}

export interface YouTubeFake extends Omit<ModelFake<YouTubeState>, "revoke" | "issueRefreshToken"> {
  readonly clientId: string
  readonly clientSecret: string
  /** settable */
  testingMode: boolean
  /** Seed a refresh token (issue time matters in testing mode); returns its value. */
  issueRefreshToken(value?: string, options?: { readonly issuedAt?: number }): string
  /** Kill a refresh token (and the access tokens it minted); refreshes then answer invalid_grant. */
  revoke(token: string, options?: { readonly description?: RevokedDescription }): void
}

export const YOUTUBE_TOKEN_PATH = paths.token
export const YOUTUBE_TOKENINFO_PATH = paths.health
export const YOUTUBE_REVOKE_PATH = paths.revoke
export const YOUTUBE_AUTHORIZE_PATH = paths.authorize

export const startYouTubeFake = async (options: YouTubeFakeOptions): Promise<YouTubeFake> => {
  const fake = await serveModel(model, options)
  const s = fake.state
  return settable(
    Object.assign(fake, {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      revoke: (t: string, o: { readonly description?: RevokedDescription } = {}) => revokeToken(s, t, o.description),
      liveRefreshTokens: () => s.tokens.liveValues("refresh").filter((t) => refreshUsable(s, s.tokens.get(t), fake.now()))
    }),
    s,
    "testingMode"
  )
}
