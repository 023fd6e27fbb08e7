/**
 * What tells one Meta long-lived-token product from another (Instagram API with Instagram
 * Login, Threads: PROVIDERS §1a, §1d). Both keep one long-lived Graph user token that
 * refreshes itself in place by GET with the token in the query, once it is 24 h old and
 * before its 60 days run out; both log in by authorize → code → short-lived token →
 * long-lived exchange with the app secret. Only names, hosts and a few words differ.
 */
import type { PlatformDescriptor } from "../PlatformModule.js"

/** The endpoints every Meta long-lived-token product calls, by the names `endpoints.<name>` overrides. */
export interface MetaEndpoints {
  readonly refresh: string
  readonly health: string
  readonly authorize: string
  readonly code: string
  readonly exchange: string
}

export interface MetaSettings {
  readonly descriptor: PlatformDescriptor & { readonly endpoints: MetaEndpoints }
  /** the grant types of the refresh call and of the short- → long-lived exchange (`ig_refresh_token`, `ig_exchange_token`) */
  readonly grants: { readonly refresh: string; readonly exchange: string }
  /** the `fields` the health probe asks `/me` for */
  readonly healthFields: string
  /** what `auth login` asks for by default (comma-separated on the authorize URL) */
  readonly scopes: ReadonlyArray<string>
  /** said before waiting for the consent */
  readonly loginNotes: ReadonlyArray<string>
}
