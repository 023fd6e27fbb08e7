/**
 * LinkedIn's standard 3-legged flow: `state` but no PKCE (LinkedIn offers PKCE only to
 * native apps it has approved for it), the code redeemed with client_id and client_secret
 * in the form body. Standard apps get a 60-day access token and no refresh token, so the
 * recorded `access_token_expires_at` is what gives the re-auth alert its date; approved
 * (MDP) partner apps also get a refresh token, stored with its expiry.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { endpointOf } from "../../domain/Connection.js"
import type { LoginResult, LoginSpec } from "../login/flow.js"
import { exchangeCodeAs, loginClient } from "../oauth2/login.js"
import { dateOnly, formatInstant, plusSeconds } from "../policy.js"
import { descriptor, endpoints } from "./descriptor.js"
import { accessLifetime, classify, defaults, TokenResponse } from "./policy.js"

/** Pure: what a successful exchange at `now` stores, and when the user will be asked back. */
export const resultOf = (now: DateTime.Utc, body: TokenResponse, warnDays: number): LoginResult => {
  const accessExpires = plusSeconds(now, accessLifetime(body).seconds)
  const alertFrom = DateTime.subtractDuration(accessExpires, Duration.days(warnDays))
  const refreshExpires = Option.map(Option.fromNullable(body.refresh_token_expires_in), (s) => plusSeconds(now, s))
  return {
    secrets: {
      access_token: body.access_token,
      ...(body.refresh_token !== undefined ? { refresh_token: body.refresh_token } : {})
    },
    metadata: {
      access_token_expires_at: formatInstant(accessExpires),
      ...Option.match(refreshExpires, {
        onNone: () => ({}),
        onSome: (at) => ({ refresh_token_expires_at: formatInstant(at) })
      })
    },
    notes: [
      body.refresh_token === undefined
        ? `LinkedIn gives standard apps no refresh token: this access token expires ${dateOnly(accessExpires)}, ` +
          `herald alerts from ${dateOnly(alertFrom)} and you log in again then`
        : `LinkedIn issued a refresh token (partner app)` +
          Option.match(refreshExpires, {
            onNone: () => "",
            onSome: (at) => `; it does not outlive ${dateOnly(at)}, whatever refreshes happen`
          })
    ]
  }
}

export const login: LoginSpec = {
  platform: descriptor.id,
  title: descriptor.title,
  credentials: descriptor.appCredentials,
  clientIdParam: "client_id",
  authorizeEndpoint: endpoints.authorize,
  // openid + profile serve the userinfo health probe; w_member_social is what posting needs
  scopes: { defaults: ["openid", "profile", "w_member_social"], required: [], separator: " " },
  pkce: "none",
  extraParams: {},
  // partner apps also get a refresh token; standard apps never do, so it is not required of the target
  stores: ["access_token"],
  notes: [],
  exchange: (input) =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      // LinkedIn takes no PKCE verifier (pkce: "none"): the code grant adds none
      const url = endpointOf(input.connection, "token", endpoints.token)
      const body = yield* exchangeCodeAs(client, input, url, loginClient(input), classify, TokenResponse)
      const warnDays = input.connection.settings.reauth_warn_days ?? defaults.reauthWarnDays
      return resultOf(yield* DateTime.now, body, warnDays)
    })
}
