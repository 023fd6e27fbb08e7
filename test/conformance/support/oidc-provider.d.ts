/** The few parts of panva's oidc-provider (v9, untyped) the conformance tests use. */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http"

  export interface ClientMetadata {
    readonly client_id: string
    readonly client_secret?: string
    readonly token_endpoint_auth_method?: "client_secret_basic" | "client_secret_post" | "none"
    readonly grant_types?: ReadonlyArray<string>
    readonly response_types?: ReadonlyArray<string>
    readonly redirect_uris?: ReadonlyArray<string>
  }

  export interface OidcContext {
    readonly oidc: { readonly client: { readonly clientId: string } }
  }

  export interface Configuration {
    readonly clients?: ReadonlyArray<ClientMetadata>
    readonly features?: Record<string, { readonly enabled: boolean }>
    readonly rotateRefreshToken?: boolean | ((ctx: OidcContext) => boolean)
    readonly findAccount?: (ctx: unknown, id: string) => Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> }>
    readonly scopes?: ReadonlyArray<string>
    readonly pkce?: { readonly required?: () => boolean }
    readonly ttl?: Record<string, number>
    readonly issueRefreshToken?: () => boolean
    readonly loadExistingGrant?: (ctx: unknown) => Promise<unknown>
    readonly interactions?: { readonly url?: (ctx: unknown, interaction: { uid: string }) => string }
    readonly cookies?: { readonly keys?: ReadonlyArray<string> }
  }

  export interface Grant {
    addOIDCScope(scope: string): void
    save(): Promise<string>
    destroy(): Promise<void>
  }

  export interface ClientEntity {
    readonly clientId: string
  }

  export interface RefreshTokenEntity {
    save(): Promise<string>
    readonly grantId: string
    readonly consumed?: unknown
  }

  export interface InteractionDetails {
    readonly uid: string
    readonly prompt: { readonly name: string; readonly details: Record<string, unknown> }
    readonly params: Record<string, unknown>
    readonly grantId?: string
    readonly session?: { readonly accountId: string }
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration)
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    readonly Grant: {
      new (init: { accountId: string; clientId: string }): Grant
      find(id: string): Promise<Grant | undefined>
    }
    readonly Client: { find(id: string): Promise<ClientEntity | undefined> }
    readonly RefreshToken: {
      new (init: Record<string, unknown>): RefreshTokenEntity
      find(value: string): Promise<RefreshTokenEntity | undefined>
    }
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, options?: { mergeWithLastSubmission?: boolean }): Promise<void>
    on(event: string, listener: (...args: ReadonlyArray<unknown>) => void): void
  }
}
