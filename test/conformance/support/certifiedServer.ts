/**
 * panva's oidc-provider (OpenID Certified) on 127.0.0.1 with an ephemeral port and its
 * in-memory adapter: the independent reference herald's standard OAuth 2.0 core is held
 * to (PROVIDERS.md §11). Its clients cover the three client authentication methods,
 * rotating and non-rotating refresh, and secrets with reserved and non-Latin-1 characters.
 * Consent is scripted: the interaction endpoint logs the test user in and grants what
 * was asked, so a login can be driven end to end with plain HTTP requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import Provider, { type ClientMetadata } from "oidc-provider"

export const ACCOUNT = "conformance-user"

/** A client secret with every character RFC 6749 §2.3.1 makes a client form-encode. */
export const SPECIAL_SECRET = "s3cr+t/=%:x"
/**
 * A secret outside Latin-1 (`btoa` throws on it). The server only registers ASCII
 * secrets, so herald sends it as a wrong secret: the answer must be invalid_client.
 */
export const UNICODE_SECRET = "sécret-€-ünïcode-🔑"

export interface TestClient {
  readonly id: string
  readonly secret?: string
  readonly method: "client_secret_basic" | "client_secret_post" | "none"
  readonly rotating: boolean
}

/** The clients the server knows; `redirectUri` is where `auth login` listens. */
export const clients = {
  basicRotating: { id: "herald-basic", secret: SPECIAL_SECRET, method: "client_secret_basic", rotating: true },
  basicStatic: { id: "herald-basic-static", secret: "static-basic-secret", method: "client_secret_basic", rotating: false },
  postStatic: { id: "herald-post", secret: "post+secret/=", method: "client_secret_post", rotating: false },
  postRotating: { id: "herald-post-rotating", secret: "post-rotating-secret", method: "client_secret_post", rotating: true },
  publicRotating: { id: "herald-public", method: "none", rotating: true }
} as const satisfies Record<string, TestClient>

export interface CertifiedServer {
  readonly issuer: string
  readonly tokenUrl: string
  readonly authorizeUrl: string
  readonly introspectUrl: string
  /** A refresh token for the test user, as a completed consent would have issued it. */
  issueRefreshToken(client: TestClient, scope?: string): Promise<string>
  /** Revoke the whole grant a refresh token belongs to (the user withdrew consent). */
  revokeGrantOf(refreshToken: string): Promise<void>
  /** Whether the server still accepts this refresh token. */
  isLive(refreshToken: string): Promise<boolean>
  /** every token-endpoint request's form fields and Authorization header, as the server got them */
  readonly tokenRequests: Array<{ readonly authorization: string | undefined; readonly body: string }>
  close(): Promise<void>
}

export interface ServerOptions {
  /** redirect URIs registered for every client (auth login's loopback callback) */
  readonly redirectUris?: ReadonlyArray<string>
}

export const startCertifiedServer = async (options: ServerOptions = {}): Promise<CertifiedServer> => {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined
  const tokenRequests: Array<{ authorization: string | undefined; body: string }> = []
  const server = createServer((req, res) => {
    if (handler === undefined) {
      res.statusCode = 503
      res.end()
      return
    }
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const rotating = new Set<string>(Object.values(clients).filter((c) => c.rotating).map((c) => c.id))
  const metadata = Object.values(clients).map((c): ClientMetadata => ({
    client_id: c.id,
    ...("secret" in c ? { client_secret: c.secret } : {}),
    token_endpoint_auth_method: c.method,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    redirect_uris: options.redirectUris ?? ["http://127.0.0.1:8765/callback"]
  }))
  const provider = new Provider(issuer, {
    clients: metadata,
    features: { introspection: { enabled: true }, devInteractions: { enabled: false } },
    rotateRefreshToken: (ctx) => rotating.has(ctx.oidc.client.clientId),
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    scopes: ["openid", "offline_access", "profile"],
    cookies: { keys: ["conformance-cookie-key"] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 30 * 86_400, RefreshToken: 30 * 86_400 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` }
  })
  const callback = provider.callback()

  /** The scripted user: logs in and grants every scope asked for. */
  const interaction = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res)
    const clientId = String(details.params["client_id"])
    if (details.prompt.name === "login") {
      await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT } }, { mergeWithLastSubmission: false })
      return
    }
    const existing = details.grantId !== undefined ? await provider.Grant.find(details.grantId) : undefined
    const grant = existing ?? new provider.Grant({ accountId: details.session?.accountId ?? ACCOUNT, clientId })
    grant.addOIDCScope(String(details.params["scope"] ?? ""))
    const grantId = await grant.save()
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
  }

  handler = (req, res) => {
    if (req.url?.startsWith("/interaction/") === true) {
      interaction(req, res).catch((e: unknown) => {
        res.statusCode = 500
        res.end(String(e))
      })
      return
    }
    if (req.method === "POST" && req.url === "/token") {
      // read the body for the test, then hand the request on unchanged
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => tokenRequests.push({ authorization: req.headers.authorization, body: Buffer.concat(chunks).toString("utf8") }))
    }
    callback(req, res)
  }

  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    authorizeUrl: `${issuer}/auth`,
    introspectUrl: `${issuer}/token/introspection`,
    tokenRequests,
    issueRefreshToken: async (c, scope = "openid offline_access") => {
      const grant = new provider.Grant({ accountId: ACCOUNT, clientId: c.id })
      grant.addOIDCScope(scope)
      const grantId = await grant.save()
      const client = await provider.Client.find(c.id)
      const token = new provider.RefreshToken({
        client,
        accountId: ACCOUNT,
        grantId,
        scope,
        gty: "authorization_code",
        authTime: Math.floor(Date.now() / 1000)
      })
      return token.save()
    },
    revokeGrantOf: async (value) => {
      const token = await provider.RefreshToken.find(value)
      if (token === undefined) throw new Error("revokeGrantOf: no such refresh token")
      const grant = await provider.Grant.find(token.grantId)
      await grant?.destroy()
    },
    isLive: async (value) => {
      const token = await provider.RefreshToken.find(value)
      if (token === undefined || token.consumed !== undefined) return false
      return (await provider.Grant.find(token.grantId)) !== undefined
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
