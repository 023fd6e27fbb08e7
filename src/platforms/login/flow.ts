/**
 * The pure half of `herald auth login`, shared by every platform: what a platform's login
 * looks like (LoginSpec), the authorize URL, the scopes, and the verdict on a callback.
 * The effects (loopback server, browser, storing) live in programs/login.ts.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { Connection } from "../../domain/Connection.js"
import type { RefreshError } from "../../domain/errors.js"
import type { LoginFailed } from "../../domain/loginErrors.js"
import type { MetadataKey } from "../../domain/Plan.js"
import type { PlatformId, SecretKey } from "../../domain/Platform.js"
import type { ChallengeEncoding } from "../oauth2/pkce.js"

/** Which secrets identify the platform app, and whether the secret half is optional. */
export interface AppCredentials {
  /** `client_key` for TikTok, `client_id` elsewhere */
  readonly id: SecretKey
  /** `app_secret` for Instagram, `client_secret` elsewhere */
  readonly secret: SecretKey
  /** false where public clients exist (X): then the exchange sends the id alone */
  readonly secretRequired: boolean
}

/** What the code exchange is given. The code and verifier would let anyone redeem the grant: Redacted. */
export interface ExchangeInput {
  readonly connection: Connection
  readonly clientId: Redacted.Redacted<string>
  readonly clientSecret: Option.Option<Redacted.Redacted<string>>
  readonly code: Redacted.Redacted<string>
  readonly codeVerifier: Option.Option<Redacted.Redacted<string>>
  readonly redirectUri: string
}

/** What a login produced: the secrets and metadata to store, and what the user should know. */
export interface LoginResult {
  readonly secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>>
  readonly metadata: Partial<Record<MetadataKey, string>>
  readonly notes: ReadonlyArray<string>
}

export interface LoginSpec {
  readonly platform: PlatformId
  /** for prose: "TikTok" */
  readonly title: string
  readonly credentials: AppCredentials
  /** the authorize query parameter carrying the app id (`client_key` for TikTok) */
  readonly clientIdParam: string
  /** default authorize URL; `endpoints.authorize` overrides it */
  readonly authorizeEndpoint: string
  readonly scopes: {
    readonly defaults: ReadonlyArray<string>
    /** added whatever --scopes says, because herald is useless without them */
    readonly required: ReadonlyArray<string>
    readonly separator: " " | ","
  }
  /** the challenge encoding, or none where the platform has no PKCE for this kind of app */
  readonly pkce: ChallengeEncoding | "none"
  /** further authorize parameters (Google's access_type=offline, prompt=consent) */
  readonly extraParams: Readonly<Record<string, string>>
  /** the secrets a login always stores: the write-back target is checked for them before the consent */
  readonly stores: ReadonlyArray<SecretKey>
  /** said before waiting for the callback */
  readonly notes: ReadonlyArray<string>
  readonly exchange: (input: ExchangeInput) => Effect.Effect<LoginResult, RefreshError | LoginFailed, HttpClient.HttpClient>
}

export const DEFAULT_REDIRECT_PORT = 8765
export const CALLBACK_PATH = "/callback"

/** `http://127.0.0.1:<port>/callback`: a loopback IP literal, as RFC 8252 §7.3 recommends over `localhost`. */
export const redirectUriFor = (port: number): string => `http://127.0.0.1:${port}${CALLBACK_PATH}`

/** Pure: the scopes to request; `requested` is comma- or space-separated. */
export const resolveScopes = (
  spec: LoginSpec,
  requested: Option.Option<string>
): { readonly scopes: ReadonlyArray<string>; readonly added: ReadonlyArray<string> } => {
  const asked = Option.match(requested, {
    onNone: () => spec.scopes.defaults,
    onSome: (text) => text.split(/[\s,]+/).filter((s) => s !== "")
  })
  const unique = [...new Set(asked)]
  const added = spec.scopes.required.filter((s) => !unique.includes(s))
  return { scopes: [...unique, ...added], added: Option.isSome(requested) ? added : [] }
}

export interface AuthorizeParams {
  readonly endpoint: string
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string
  readonly scopes: ReadonlyArray<string>
  /** the code challenge, where the platform takes one */
  readonly challenge: Option.Option<string>
}

/**
 * Pure: the URL the user opens. Encoded with encodeURIComponent (spaces as %20, not `+`):
 * the platforms all decode %20, not all document `+`. An override that already carries a
 * query keeps it.
 */
export const authorizeUrl = (spec: LoginSpec, p: AuthorizeParams): string => {
  const params: Array<[string, string]> = [
    [spec.clientIdParam, p.clientId],
    ["response_type", "code"],
    ["redirect_uri", p.redirectUri],
    ["scope", p.scopes.join(spec.scopes.separator)],
    ["state", p.state],
    ...Option.match(p.challenge, {
      onNone: (): Array<[string, string]> => [],
      onSome: (c): Array<[string, string]> => [["code_challenge", c], ["code_challenge_method", "S256"]]
    }),
    ...Object.entries(spec.extraParams)
  ]
  const query = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")
  const [base, fragment] = splitFragment(p.endpoint)
  return `${base}${base.includes("?") ? "&" : "?"}${query}${fragment}`
}

const splitFragment = (url: string): [string, string] => {
  const i = url.indexOf("#")
  return i < 0 ? [url, ""] : [url.slice(0, i), url.slice(i)]
}

/** Text from a URL is untrusted: no control characters (no terminal escapes), bounded length. */
export const cleanText = (s: string, max = 200): string => {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim()
  return t.length > max ? `${t.slice(0, max - 3)}...` : t
}

/**
 * Pure: the verdict on the query the platform redirected the browser with. Left is the
 * reason it is rejected (said to the user and shown in the browser); nothing is stored then.
 * A `state` that is present and wrong wins over everything: that answer belongs to another
 * login (a stale tab) or to someone forging one.
 */
export const checkCallback = (
  title: string,
  query: URLSearchParams,
  expectedState: string
): Either.Either<Redacted.Redacted<string>, string> => {
  const state = query.get("state")
  const error = query.get("error")
  if (state !== null && state !== expectedState || state === null && error === null) {
    return Either.left(
      "the callback's state does not match this login (an answer to an older login, or a forged request); " +
        "nothing was stored. Run the login again and use the newest URL"
    )
  }
  if (error !== null) {
    const description = query.get("error_description") ?? query.get("error_reason") ?? ""
    const text = cleanText(description === "" ? error : `${error}: ${description}`)
    return Either.left(`${title} refused the authorisation (${text}); nothing was stored`)
  }
  // Instagram appends `#_` to the redirect; a browser drops the fragment, a pasted URL may not
  const code = (query.get("code") ?? "").replace(/#_$/, "")
  if (code === "") return Either.left(`${title} redirected without an authorization code; nothing was stored`)
  return Either.right(Redacted.make(code))
}

/** Pure: `90s`, `5m`, `2h`, `500ms`, or plain seconds. */
export const parseTimeout = (text: string): Option.Option<number> => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text)
  if (m === null) return Option.none()
  const n = Number(m[1])
  const unit = (m[2] ?? "s").toLowerCase()
  const ms = unit === "ms" ? n : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n * 3_600_000
  return ms > 0 ? Option.some(ms) : Option.none()
}
