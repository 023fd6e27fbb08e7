/**
 * An HttpClient with no network: a handler answers each request. Records every request
 * so tests can assert what the platform saw (method, url, headers, form body).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface SeenRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** the body as form fields, when it is form-encoded */
  readonly form: Readonly<Record<string, string>>
}

export type Reply =
  | { readonly status: number; readonly json?: unknown; readonly text?: string; readonly headers?: Record<string, string> }
  | { readonly network: "reset" | "refused" }
  | { readonly hang: true }

export type Handler = (req: SeenRequest, index: number) => Reply | Effect.Effect<Reply>

const bodyText = (body: unknown): string => {
  const b = body as { _tag?: string; body?: unknown }
  if (b._tag === "Uint8Array" && b.body instanceof Uint8Array) return new TextDecoder().decode(b.body)
  return ""
}

export const json = (status: number, value: unknown, headers?: Record<string, string>): Reply =>
  headers === undefined ? { status, json: value } : { status, json: value, headers }

export const makeMemoryHttp = (handler: Handler) => {
  const seen: Array<SeenRequest> = []
  const client = HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = bodyText(request.body)
      const contentType = request.headers["content-type"] ?? ""
      const form = contentType.includes("x-www-form-urlencoded")
        ? Object.fromEntries(new URLSearchParams(body))
        : {}
      const req: SeenRequest = { method: request.method, url, headers: { ...request.headers }, body, form }
      seen.push(req)
      const out = handler(req, seen.length - 1)
      const reply = Effect.isEffect(out) ? yield* out : out
      if ("network" in reply) {
        // as herald's own client marks it: a refused connection never carried the request,
        // a reset one had (the platform may have acted on it)
        const error = new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error(reply.network) })
        return yield* Effect.fail(Object.defineProperty(error, Symbol.for("herald/NodeHttp/requestSent"), { value: reply.network === "reset" }))
      }
      if ("hang" in reply) return yield* Effect.never
      const text = reply.text ?? (reply.json === undefined ? "" : JSON.stringify(reply.json))
      const headers = { "content-type": reply.json !== undefined ? "application/json" : "text/plain", ...reply.headers }
      return HttpClientResponse.fromWeb(request, new Response(text, { status: reply.status, headers }))
    })
  )
  return { client, seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}
