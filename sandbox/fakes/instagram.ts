/**
 * Instagram API with Instagram Login on loopback: the platform's token model
 * (src/platforms/instagram/model.ts, PROVIDERS §1a) served over node:http. GET-only
 * refresh of tokens 24 h to 60 days old, Graph errors, `/me`, Business Login's consent
 * page and both exchanges: all in the model. One server stands in for all three hosts.
 */
import { type InstagramModelOptions, type InstagramState, LIFETIME_MS, model, paths } from "../../src/platforms/instagram/model.js"
import { type CommonOptions, type ModelFake, serveModel, settable, type TokenRecord } from "./server.js"

export interface InstagramFakeOptions extends CommonOptions, InstagramModelOptions {}

export interface InstagramFake extends ModelFake<InstagramState> {
  readonly appSecret: string | undefined
  /** settable */
  rotateString: boolean
  readonly clientId: string
  /** short-lived tokens from code exchanges, by value, with their expiry (epoch ms) */
  readonly shortLived: Map<string, number>
  /** Seed a long-lived token issued at `issuedAt` (epoch ms; default now); returns its value. */
  issueToken(value?: string, options?: { readonly issuedAt?: number }): string
  /** The newest usable token, if any. */
  currentToken(): string | undefined
  liveTokens(): Array<string>
  /** issue time and expiry of a token, for assertions */
  tokenInfo(token: string): TokenRecord | undefined
}

export const INSTAGRAM_REFRESH_PATH = paths.refresh
export const INSTAGRAM_ME_PATH = paths.health
export const INSTAGRAM_AUTHORIZE_PATH = paths.authorize
export const INSTAGRAM_CODE_PATH = paths.code
export const INSTAGRAM_EXCHANGE_PATH = paths.exchange

export const startInstagramFake = async (options: InstagramFakeOptions = {}): Promise<InstagramFake> => {
  const fake = await serveModel(model, options)
  const s = fake.state
  return settable(
    Object.assign(fake, {
      appSecret: s.appSecret,
      clientId: s.clientId,
      shortLived: s.shortLived,
      issueToken: (value?: string, o: { readonly issuedAt?: number } = {}) => fake.issueAccessToken(value, o),
      currentToken: () => fake.liveAccessTokens().at(-1),
      liveTokens: () => fake.liveAccessTokens(),
      tokenInfo: (t: string) => s.tokens.get(t)
    }),
    s,
    "rotateString"
  )
}

/** Instagram's long-lived token lifetime, ms. */
export const INSTAGRAM_LIFETIME_MS = LIFETIME_MS
