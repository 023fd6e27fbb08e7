/**
 * The guards every HTTP call herald makes goes through, whichever HttpClient carries it
 * (herald's NodeHttp, or a fetch client an embedding app provides): no redirect followed,
 * no span recording a request, and nothing sent but over https or to this machine.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { constTrue } from "effect/Function"
import * as Option from "effect/Option"
import { transportIssue } from "../domain/net.js"

const manualRedirects = (init: Option.Option<RequestInit>) => Option.isSome(init) && init.value.redirect === "manual"

/**
 * Redirects are not followed (fetch's default is to follow): a 307/308 re-sends the body
 * (refresh token, client secret) and custom headers to wherever the Location points,
 * plain http included. No endpoint herald calls redirects. Other RequestInit settings an
 * embedding app provides (a proxy dispatcher, say) are kept. (herald's own client,
 * NodeHttp, never follows redirects; this is for a fetch client an app provides.)
 */
export const withoutRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
    manualRedirects(init) ? effect : Effect.provideService(effect, FetchHttpClient.RequestInit, {
      ...Option.getOrElse(init, () => ({})),
      redirect: "manual"
    }))

/**
 * No span for a request: a client built with HttpClient.make records the full URL (query
 * included, where Instagram sends its token) in a span that an embedding app may export.
 * herald's own client records none.
 */
export const withoutRequestSpans = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(HttpClient.currentTracerDisabledWhen), (disabledWhen) =>
    disabledWhen === constTrue ? effect : Effect.locally(effect, HttpClient.currentTracerDisabledWhen, constTrue))

/**
 * Both guards, for every HTTP call herald makes. A run sets them once around all its
 * connections (refreshAll), and each call then finds them set and adds nothing.
 */
export const guardTransport = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  // one look at the fiber answers whether both are set already (every call of a run finds them so)
  Effect.withFiberRuntime<A, E, R>((fiber) =>
    fiber.getFiberRef(HttpClient.currentTracerDisabledWhen) === constTrue &&
      manualRedirects(Context.getOption(fiber.currentContext, FetchHttpClient.RequestInit))
      ? effect
      : withoutRequestSpans(withoutRedirects(effect))
  )

/**
 * Why this request must not be sent (plain http off this machine), or undefined. Validated
 * config never gets here with such a URL; a library caller's config might.
 */
export const insecureRequest = (request: HttpClientRequest.HttpClientRequest): string | undefined =>
  URL.canParse(request.url) ? transportIssue(request.url) : undefined
