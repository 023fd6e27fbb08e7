/**
 * TikTok Login Kit v2 on loopback: the platform's token model (src/platforms/tiktok/model.ts,
 * PROVIDERS §3) served over node:http. Rotation, client_key, OAuth errors under a settable
 * HTTP status, `user/info`, the consent page with hex-encoded PKCE: all in the model.
 */
import { model, paths, type TikTokModelOptions, type TikTokState } from "../../src/platforms/tiktok/model.js"
import { type CommonOptions, type ModelFake, type SeedOptions, serveModel, settable } from "./server.js"

export interface TikTokFakeOptions extends CommonOptions, TikTokModelOptions {}

export type TikTokTokenOptions = SeedOptions

export interface TikTokFake extends ModelFake<TikTokState> {
  readonly clientKey: string
  readonly clientSecret: string
  /** settable: the HTTP status of the next OAuth error bodies */
  oauthErrorStatus: 200 | 400
}

export const TIKTOK_TOKEN_PATH = paths.token
export const TIKTOK_USER_INFO_PATH = paths.health
export const TIKTOK_AUTHORIZE_PATH = paths.authorize

export const startTikTokFake = async (options: TikTokFakeOptions): Promise<TikTokFake> => {
  const fake = await serveModel(model, options, { challenge: "hex" })
  return settable(Object.assign(fake, { clientKey: options.clientKey, clientSecret: options.clientSecret }), fake.state, "oauthErrorStatus")
}
