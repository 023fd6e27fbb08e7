/**
 * X OAuth 2.0 on loopback: the platform's token model (src/platforms/x/model.ts,
 * PROVIDERS §5) served over node:http. Single-use refresh tokens, Basic for confidential
 * clients, `x-rate-limit-*`, `users/me`, the consent page with PKCE: all in the model.
 */
import { model, paths, type XModelOptions, type XState } from "../../src/platforms/x/model.js"
import { type CommonOptions, type ModelFake, type SeedOptions, serveModel } from "./server.js"

export interface XFakeOptions extends CommonOptions, XModelOptions {}

export type XTokenOptions = SeedOptions

export interface XFake extends ModelFake<XState> {
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly confidential: boolean
}

export const X_TOKEN_PATH = paths.token
export const X_ME_PATH = paths.health
export const X_AUTHORIZE_PATH = paths.authorize

export const startXFake = async (options: XFakeOptions): Promise<XFake> => {
  if ((options.confidential ?? true) && options.clientSecret === undefined) {
    throw new Error("startXFake: a confidential client needs clientSecret")
  }
  const fake = await serveModel(model, options)
  return Object.assign(fake, { clientId: options.clientId, clientSecret: options.clientSecret, confidential: fake.state.confidential })
}
