/**
 * The shape every platform's token-behaviour model shares (DESIGN §3): a pure function of
 * (state, request, now) → reply, with no I/O. The loopback fakes serve a model over
 * node:http, the simulation and the contract suite serve it over an in-memory HttpClient;
 * so one place per platform knows how its token endpoints behave (PROVIDERS.md).
 */

// ---- request and reply ----------------------------------------------------------------

export interface ModelRequest {
  readonly method: string
  /** the URL path, without query */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** lower-case names */
  readonly headers: Readonly<Record<string, string>>
  /** the body's fields when it was form-encoded, else empty */
  readonly form: Readonly<Record<string, string>>
  readonly body: string
}

/** What a model did with a request, for counters and statistics (not sent to the client). */
export type ModelEvent =
  /** a grant answered with new tokens, the refresh token kept */
  | "refreshed"
  /** a grant answered with a new refresh token (or, for Instagram, a new token string) */
  | "rotated"
  /** a dead, spent, expired or unknown token was refused */
  | "dead"

export interface ModelReply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  /** a JSON body; otherwise `text` */
  readonly json?: unknown
  readonly text?: string
  readonly event?: ModelEvent
}

export const json = (status: number, body: unknown, headers?: Readonly<Record<string, string>>): ModelReply =>
  headers === undefined ? { status, json: body } : { status, json: body, headers }

export const withEvent = (reply: ModelReply, event: ModelEvent): ModelReply => ({ ...reply, event })

export const notFound = (path: string): ModelReply => ({ status: 404, text: `no route for ${path}` })

export const methodNotAllowed = (method: string): ModelReply => ({ status: 405, text: `method ${method} not allowed` })

// ---- time ---------------------------------------------------------------------------

export const SECOND = 1000
export const HOUR = 3600 * SECOND
export const DAY = 24 * HOUR

export const epochSeconds = (ms: number): number => Math.floor(ms / 1000)

/** Whole seconds from `now` until `at`, never negative. */
export const secondsUntil = (now: number, at: number): number => Math.max(0, Math.floor((at - now) / 1000))

// ---- token state -------------------------------------------------------------------

export type TokenKind = "access" | "refresh"
/** `spent`: rotated away (single-use); `revoked`: killed by the test or the platform. */
export type TokenStatus = "active" | "spent" | "revoked"

export interface TokenRecord {
  readonly value: string
  readonly kind: TokenKind
  issuedAt: number
  /** epoch ms; undefined = no expiry */
  expiresAt: number | undefined
  status: TokenStatus
  /** when it was spent or revoked (epoch ms) */
  endedAt?: number
  /** tokens descended from one consent share a family */
  readonly family: number
  /** for an access token: the refresh token that minted it */
  readonly parent: string | undefined
  /** a refresh token unused this long dies (Google's six months), ms */
  idleLimitMs?: number
  lastUsedAt: number
  /** per-token error description for a revoked token, where a platform varies it */
  description?: string
}

export interface IssueOptions {
  readonly issuedAt?: number
  readonly expiresAt?: number
  readonly family?: number
  readonly parent?: string
  readonly idleLimitMs?: number
}

/** Every token a platform has issued, by value. `now` is the clock issue times default to. */
export class TokenStore {
  private readonly records = new Map<string, TokenRecord>()
  private seq = 0
  private families = 0

  constructor(
    private readonly prefix: string,
    private readonly now: () => number,
    /** how generated values are numbered: `fake-x-refresh-3` (default) or zero-padded to this width */
    private readonly pad: number = 0
  ) {}

  /** A fresh, never-issued value such as `fake-tiktok-refresh-3`. */
  nextValue(kind: TokenKind): string {
    let value: string
    do {
      value = `${this.prefix}-${kind}-${String(++this.seq).padStart(this.pad, "0")}`
    } while (this.records.has(value))
    return value
  }

  newFamily(): number {
    return ++this.families
  }

  issue(kind: TokenKind, value: string | undefined, options: IssueOptions = {}): TokenRecord {
    const v = value ?? this.nextValue(kind)
    const issuedAt = options.issuedAt ?? this.now()
    const record: TokenRecord = {
      value: v,
      kind,
      issuedAt,
      expiresAt: options.expiresAt,
      status: "active",
      family: options.family ?? this.newFamily(),
      parent: options.parent,
      lastUsedAt: issuedAt,
      ...(options.idleLimitMs !== undefined ? { idleLimitMs: options.idleLimitMs } : {})
    }
    this.records.set(v, record)
    return record
  }

  /**
   * The tokens one grant gives at `at`: an access token and, unless `refresh` is false, a
   * refresh token it descends from (else it descends from `parent`, a refresh token kept).
   */
  issuePair(
    at: number,
    o: {
      readonly family: number
      readonly accessExpiresAt: number | undefined
      readonly refresh: false | { readonly expiresAt?: number | undefined; readonly idleLimitMs?: number | undefined }
      readonly parent?: string
    }
  ): { readonly access: TokenRecord; readonly refresh?: TokenRecord } {
    const refresh = o.refresh === false ? undefined : this.issue("refresh", undefined, {
      issuedAt: at,
      family: o.family,
      ...(o.refresh.expiresAt !== undefined ? { expiresAt: o.refresh.expiresAt } : {}),
      ...(o.refresh.idleLimitMs !== undefined ? { idleLimitMs: o.refresh.idleLimitMs } : {})
    })
    const parent = refresh?.value ?? o.parent
    const access = this.issue("access", undefined, {
      issuedAt: at,
      family: o.family,
      ...(o.accessExpiresAt !== undefined ? { expiresAt: o.accessExpiresAt } : {}),
      ...(parent !== undefined ? { parent } : {})
    })
    return refresh === undefined ? { access } : { access, refresh }
  }

  get(value: string | undefined): TokenRecord | undefined {
    return value === undefined ? undefined : this.records.get(value)
  }

  /** When this token stops (or stopped) working, as far as is known now; undefined: not yet. */
  deathOf(record: TokenRecord): number | undefined {
    const candidates = [
      record.status === "active" ? undefined : record.endedAt ?? record.issuedAt,
      record.expiresAt,
      record.idleLimitMs !== undefined ? record.lastUsedAt + record.idleLimitMs : undefined
    ].filter((x): x is number => x !== undefined)
    return candidates.length === 0 ? undefined : Math.min(...candidates)
  }

  isExpired(record: TokenRecord, at: number = this.now()): boolean {
    const death = this.deathOf(record)
    return record.status === "active" && death !== undefined && at >= death
  }

  /**
   * Would the platform accept this token at `at`? Exact for any past instant after its
   * issue: a token is only used while alive, so its idle deadline lapses after its last use.
   */
  aliveAt(record: TokenRecord, at: number): boolean {
    const death = this.deathOf(record)
    return death === undefined || at < death
  }

  /** The record when the token is of this kind, active and unexpired. */
  live(value: string | undefined, kind: TokenKind, at: number = this.now()): TokenRecord | undefined {
    const r = this.get(value)
    return r !== undefined && r.kind === kind && r.status === "active" && this.aliveAt(r, at) ? r : undefined
  }

  /** Live values of one kind, oldest first. */
  liveValues(kind: TokenKind, at: number = this.now()): Array<string> {
    return [...this.records.values()].filter((r) => r.kind === kind && r.status === "active" && this.aliveAt(r, at)).map((r) => r.value)
  }

  all(): Array<TokenRecord> {
    return [...this.records.values()]
  }

  /** Mark a token used up by a rotation: it dies now. */
  spend(record: TokenRecord, at: number): void {
    record.status = "spent"
    record.endedAt = at
  }

  revoke(value: string, description?: string): boolean {
    const r = this.records.get(value)
    if (r === undefined) return false
    r.status = "revoked"
    r.endedAt ??= this.now()
    if (description !== undefined) r.description = description
    return true
  }

  /** Revoke every token of a family (refresh and access). */
  revokeFamily(family: number): void {
    for (const r of this.records.values()) if (r.family === family) r.status = "revoked"
  }

  /** Revoke every token there is (a test's "the user revoked the app"). */
  revokeAll(): void {
    for (const r of this.records.values()) r.status = "revoked"
  }
}

// ---- client authentication as servers read it ---------------------------------------

export const bearer = (headers: Readonly<Record<string, string>>): string | undefined => {
  const m = /^Bearer\s+(.+)$/i.exec(headers["authorization"] ?? "")
  return m?.[1]?.trim()
}

const base64Utf8 = (encoded: string): string | undefined => {
  try {
    const binary = atob(encoded)
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
}

/** The id and secret of a Basic header, as sent (not yet form-decoded). */
export const basicAuth = (headers: Readonly<Record<string, string>>): { id: string; secret: string } | undefined => {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(headers["authorization"] ?? "")
  if (m?.[1] === undefined) return undefined
  const decoded = base64Utf8(m[1])
  if (decoded === undefined) return undefined
  const i = decoded.indexOf(":")
  if (i < 0) return undefined
  return { id: decoded.slice(0, i), secret: decoded.slice(i + 1) }
}

/** RFC 6749 §2.3.1's form-decoding of one Basic half; undefined when it is not validly encoded. */
export const formDecode = (s: string): string | undefined => {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "))
  } catch {
    return undefined
  }
}

/**
 * Basic credentials match, read leniently: form-encoded first (RFC 6749 §2.3.1) or sent
 * raw as most platforms accept.
 */
export const basicAuthMatches = (headers: Readonly<Record<string, string>>, id: string, secret: string): boolean => {
  const got = basicAuth(headers)
  if (got === undefined) return false
  return (got.id === id || formDecode(got.id) === id) && (got.secret === secret || formDecode(got.secret) === secret)
}

// ---- the authorization-code half (login) ---------------------------------------------

/** What the fake "user" does on the consent page. */
export type Consent = "approve" | "deny"

export type Redemption =
  | { readonly ok: true; readonly code: { readonly scope: string; readonly query: Readonly<Record<string, string>> } }
  | { readonly ok: false; readonly error: string; readonly description: string; readonly reason: string }

/**
 * Where a model keeps its one-time authorization codes. Codes are random, so the store is
 * the adapter's (sandbox/fakes/authorize.ts); a model without one refuses every code.
 */
export interface CodePort {
  readonly requests: Array<Readonly<Record<string, string>>>
  issue(query: Readonly<Record<string, string>>, clientId: string): { readonly value: string }
  redeem(
    value: string | undefined,
    check: { clientId: string; redirectUri: string | undefined; verifier: string | undefined }
  ): Redemption
}

export const noCodes: CodePort = {
  requests: [],
  issue: () => {
    throw new Error("this model was built without authorization codes")
  },
  redeem: () => ({ ok: false, error: "invalid_grant", description: "Authorization code is invalid.", reason: "unknown-code" })
}

/** A 302 to `redirectUri` with `params` added to its query (and an optional fragment, as Instagram adds `#_`). */
export const redirectTo = (redirectUri: string, params: Readonly<Record<string, string>>, fragment = ""): ModelReply => {
  const url = new URL(redirectUri)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  return { status: 302, text: "", headers: { location: `${url.toString()}${fragment}` } }
}

/** A consent page that cannot redirect (unknown client, bad redirect URI): platforms show an error page. */
export const errorPage = (text: string): ModelReply => ({
  status: 400,
  text: `<!DOCTYPE html><html><body><h1>Something went wrong</h1><p>${text}</p></body></html>`,
  headers: { "content-type": "text/html; charset=utf-8" }
})

/** Only loopback http or any https redirect URIs are valid, as on the platforms for desktop apps. */
export const validRedirect = (uri: string | undefined): uri is string => {
  if (uri === undefined || !URL.canParse(uri)) return false
  const u = new URL(uri)
  return u.protocol === "https:" || (u.protocol === "http:" && (u.hostname === "127.0.0.1" || u.hostname === "localhost"))
}

/** How one platform's consent page reads an authorize request. */
export interface ConsentPageSpec {
  /** the query parameter naming the client (TikTok's is `client_key`; default `client_id`) */
  readonly clientParam?: string
  readonly clientId: string
  /** the error page texts for an unknown client and an unusable redirect URI */
  readonly refuse: { readonly client: string; readonly redirect: string }
  /** the platform's further checks, in order: the first text one returns is the error page */
  readonly checks: ReadonlyArray<(query: Readonly<Record<string, string>>) => string | undefined>
  /** the redirect's parameters when the user denies */
  readonly denied: Readonly<Record<string, string>>
  /** parameters the redirect carries beside the code */
  readonly approved?: (query: Readonly<Record<string, string>>) => Readonly<Record<string, string>>
  /** a fragment the redirect ends with (Instagram's `#_`) */
  readonly fragment?: string
}

/**
 * The consent page: the caller is the browser and `state.consent` the user. An unusable
 * request gets an error page (platforms do not redirect those); otherwise the redirect
 * carries a one-time code, or the denial, and the `state` sent.
 */
export const consentPage = (s: ModelState, query: Readonly<Record<string, string>>, spec: ConsentPageSpec): ModelReply => {
  s.codes.requests.push(query)
  if (query[spec.clientParam ?? "client_id"] !== spec.clientId) return errorPage(spec.refuse.client)
  const redirectUri = query["redirect_uri"]
  if (!validRedirect(redirectUri)) return errorPage(spec.refuse.redirect)
  for (const check of spec.checks) {
    const refused = check(query)
    if (refused !== undefined) return errorPage(refused)
  }
  const state = query["state"] !== undefined ? { state: query["state"] } : {}
  if (s.consent === "deny") return redirectTo(redirectUri, { ...spec.denied, ...state })
  const code = s.codes.issue(query, spec.clientId)
  return redirectTo(redirectUri, { code: code.value, ...spec.approved?.(query), ...state }, spec.fragment)
}

// ---- the model ---------------------------------------------------------------------

/** What a model's state is made from besides its options. */
export interface ModelEnv {
  /** generated token values start with this */
  readonly prefix: string
  /** the clock issue times default to */
  readonly now: () => number
  /** the authorization-code store (none: every code is refused) */
  readonly codes?: CodePort
  /** zero-pad generated token numbers to this width */
  readonly pad?: number
}

/** The part of every model's state that is not the platform's own. */
export const baseState = (consent: Consent | undefined, env: ModelEnv): ModelState => ({
  tokens: new TokenStore(env.prefix, env.now, env.pad),
  codes: env.codes ?? noCodes,
  consent: consent ?? "approve"
})

/** What every model's state holds; each platform adds its settings and extras. */
export interface ModelState {
  readonly tokens: TokenStore
  readonly codes: CodePort
  /** settable: what the consent page does */
  consent: Consent
}

/** The tokens one fresh consent gives (what `herald auth login` would store). */
export interface Granted {
  readonly access?: TokenRecord
  readonly refresh?: TokenRecord
}

export interface TokenModel<S extends ModelState, O> {
  readonly id: string
  /** endpoint name (as `platforms.<id>.endpoints` names it) → path on the platform's host */
  readonly paths: Readonly<Record<string, string>>
  /** A state from options (defaults filled in); `tokens` numbered from `prefix`. */
  readonly init: (options: O, env: ModelEnv) => S
  readonly answer: (state: S, request: ModelRequest, now: number) => ModelReply
  /** A fresh consent at `now`: a new token family, as a login gives. */
  readonly grant: (state: S, now: number) => Granted
  /** How the platform says "slow down" (its 429, with the headers it sends). */
  readonly rateLimited: (state: S, now: number) => ModelReply
  /** How long tokens it issues live by default, ms (undefined: no fixed expiry); for seeding. */
  readonly lifetimes: (state: S) => { readonly access: number | undefined; readonly refresh: number | undefined }
  /** Bodies the platform sends when it refuses: a dead grant and bad client credentials. */
  readonly errorBodies: { readonly deadToken: unknown; readonly invalidClient: unknown }
}

/** The part of a request a model reads from a URL: path and query. */
export const requestOf = (
  method: string,
  url: URL,
  headers: Readonly<Record<string, string>>,
  body: string
): ModelRequest => {
  const lower: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v
  const contentType = lower["content-type"] ?? ""
  return {
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: lower,
    form: contentType.toLowerCase().includes("application/x-www-form-urlencoded") ? Object.fromEntries(new URLSearchParams(body)) : {},
    body
  }
}

// ---- one working account, for the sandbox, the e2e world and the contract suite ---------

/**
 * How to seed one working account on a model-served fake, from the platform's own folder:
 * what lets the sandbox (`npm run sandbox`), the e2e sentinel world and the contract suite
 * serve a platform that has no hand-written row of its own.
 */
export interface SandboxSeed<S extends ModelState, O> {
  /** the app credentials, as the config's keys name them; `secret(what)` makes a secret value */
  readonly credentials: (secret: (what: string) => string) => Readonly<Record<string, string>>
  /** the model's options for those credentials */
  readonly options: (credentials: Readonly<Record<string, string>>) => O
  /** the endpoint names a config points at the fake (each one of the model's `paths`) */
  readonly endpoints: ReadonlyArray<string>
  /**
   * Seed a working account at `now`, due for what a run does; `value(what)` names the
   * tokens. Returns the config keys it needs besides the credentials (tokens, their expiry).
   */
  readonly seed: (state: S, now: number, value: (what: string) => string) => Readonly<Record<string, string>>
  /**
   * What a good run renews and stores: `access` (a token refreshed in place: the new access
   * token is what the next run needs) or `refresh` (a rotating refresh token).
   */
  readonly renews: TokenKind
  /** one line for the sandbox config: what a run does with this account */
  readonly note: string
}

/** A model with its sandbox seed, their types closed over, so one list can hold every platform's. */
export interface Servable {
  readonly id: string
  readonly use: <R>(f: <S extends ModelState, O>(model: TokenModel<S, O>, seed: SandboxSeed<S, O>) => R) => R
}

export const servable = <S extends ModelState, O>(model: TokenModel<S, O>, seed: SandboxSeed<S, O>): Servable => ({
  id: model.id,
  use: (f) => f(model, seed)
})

/** RFC 3339 in whole seconds, as herald writes its expiry metadata. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z")
