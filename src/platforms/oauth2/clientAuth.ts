/**
 * Client authentication at a token or introspection endpoint (RFC 6749 §2.3).
 * `client_secret_basic`: the id and the secret are each form-urlencoded first (§2.3.1,
 * Appendix B), joined with `:`, and Base64-encoded as UTF-8 bytes. Never `btoa`: it
 * throws on any character outside Latin-1, and a secret such as `s3cr+t/=%:x` sent
 * unencoded is refused by a conforming server. `client_secret_post`: both in the form
 * body. `none` (a public client): the id alone in the body. Never both Basic and a body
 * secret.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Redacted from "effect/Redacted"
import type { ClientAuth } from "../../domain/Config.js"
import * as Effect from "effect/Effect"
import type { SecretMissing } from "../../domain/errors.js"
import type { SecretBag } from "../../services/Secrets.js"

export type { ClientAuth }

/** The client as its token endpoint authenticates it. */
export type ClientCredentials =
  | {
    readonly method: "client_secret_basic" | "client_secret_post"
    readonly id: Redacted.Redacted<string>
    readonly secret: Redacted.Redacted<string>
  }
  | { readonly method: "none"; readonly id: Redacted.Redacted<string> }

/** `client_secret_post`: the id and the secret in the form body (Google, LinkedIn). */
export const postedClient = (id: Redacted.Redacted<string>, secret: Redacted.Redacted<string>): ClientCredentials => ({
  method: "client_secret_post",
  id,
  secret
})

/** A connection's `client_id` and `client_secret` as a posted client; either missing is SecretMissing. */
export const postedClientOf = (secrets: SecretBag): Effect.Effect<ClientCredentials, SecretMissing> =>
  Effect.map(Effect.all([secrets.require("client_id"), secrets.require("client_secret")]), ([id, secret]) => postedClient(id, secret))

/** Pure: `application/x-www-form-urlencoded` encoding of one value (space as `+`). */
export const formEncode = (value: string): string => new URLSearchParams([["", value]]).toString().slice(1)

/** Pure: the `Authorization` header value of `client_secret_basic` (RFC 6749 §2.3.1). */
export const basicAuthorization = (id: string, secret: string): Redacted.Redacted<string> =>
  Redacted.make(`Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`, "utf8").toString("base64")}`)

type Fields = Readonly<Record<string, string | Redacted.Redacted<string>>>

const plain = (fields: Fields): Record<string, string> =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Redacted.isRedacted(v) ? Redacted.value(v) : v]))

/**
 * A form POST asking for JSON, authenticated as `client` says. Secret fields stay
 * Redacted up to here, the one place that builds the request.
 */
export const authenticatedPost = (url: string, fields: Fields, client: ClientCredentials): HttpClientRequest.HttpClientRequest => {
  const base = HttpClientRequest.post(url).pipe(HttpClientRequest.acceptJson)
  switch (client.method) {
    case "client_secret_basic":
      return base.pipe(
        HttpClientRequest.setHeader("authorization", Redacted.value(basicAuthorization(Redacted.value(client.id), Redacted.value(client.secret)))),
        HttpClientRequest.bodyUrlParams(plain(fields))
      )
    case "client_secret_post":
      return base.pipe(HttpClientRequest.bodyUrlParams(plain({ ...fields, client_id: client.id, client_secret: client.secret })))
    case "none":
      return base.pipe(HttpClientRequest.bodyUrlParams(plain({ ...fields, client_id: client.id })))
  }
}

/** A resource request (RFC 6750 §2.1): the access token in an `Authorization: Bearer` header, never the query. */
export const bearerGet = (url: string, token: Redacted.Redacted<string>): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.get(url).pipe(HttpClientRequest.acceptJson, HttpClientRequest.bearerToken(token))
