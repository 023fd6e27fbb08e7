/**
 * LinkedIn on loopback: the platform's token model (src/platforms/linkedin/model.ts,
 * PROVIDERS §4) served over node:http. The same refresh-token string with a fixed expiry,
 * `invalid_request` for a dead one, `introspectToken`, `userinfo`, the consent page: all
 * in the model.
 */
import {
  addAccessToken,
  introspection,
  type IntrospectionStatus,
  type LinkedInModelOptions,
  type LinkedInState,
  model,
  paths,
  REFRESH_LIFETIME_MS
} from "../../src/platforms/linkedin/model.js"
import { type CommonOptions, type ModelFake, SECOND, serveModel } from "./server.js"

export type { IntrospectionStatus }

export interface LinkedInFakeOptions extends CommonOptions, LinkedInModelOptions {}

export interface LinkedInFake extends ModelFake<LinkedInState> {
  readonly clientId: string
  readonly clientSecret: string
  /**
   * Seed an access token expiring at `expiresAtEpochSeconds`; `status` forces what
   * introspection reports (`expired` is also reported once the clock passes the expiry).
   */
  addAccessToken(token: string, expiresAtEpochSeconds: number, status?: IntrospectionStatus): void
  /** what introspection would say about a token now */
  introspect(token: string): Record<string, unknown>
}

export const LINKEDIN_TOKEN_PATH = paths.token
export const LINKEDIN_INTROSPECT_PATH = paths.introspect
export const LINKEDIN_USERINFO_PATH = paths.health
export const LINKEDIN_AUTHORIZE_PATH = paths.authorize

export const startLinkedInFake = async (options: LinkedInFakeOptions): Promise<LinkedInFake> => {
  const fake = await serveModel(model, options)
  const s = fake.state
  return Object.assign(fake, {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    addAccessToken: (t: string, expiresAtEpochSeconds: number, status: IntrospectionStatus = "active") => {
      addAccessToken(s, t, expiresAtEpochSeconds * SECOND, fake.now(), status)
    },
    liveAccessTokens: () => s.tokens.liveValues("access").filter((t) => !s.forced.has(t)),
    introspect: (t: string) => introspection(s, t, fake.now())
  })
}

/** LinkedIn's programmatic refresh-token lifetime, ms. */
export const LINKEDIN_REFRESH_LIFETIME_MS = REFRESH_LIFETIME_MS
