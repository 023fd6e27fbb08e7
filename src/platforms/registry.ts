/**
 * The platforms herald has built in: the single list. Everything per-platform elsewhere is
 * derived from it — the config schema and its validation, endpoint names, TARGET parsing,
 * CLI help, doctor's secret lists, credential hints in statuses, essential secrets, login
 * specs and refreshers. Adding a platform = its folder (descriptor.ts for the data,
 * index.ts for the calls, model.ts for the token model the fakes and tests serve) + one
 * line below. Any other id is a generic OAuth 2.0 provider:
 * the standard core (oauth2/Generic.ts).
 *
 * This file holds data only: each platform's calls are loaded when a command needs them,
 * so `--help` and config validation never load HTTP code.
 */
import type { PlatformCatalog } from "../domain/PlatformCatalog.js"
import { descriptor as instagram } from "./instagram/descriptor.js"
import { descriptor as linkedin } from "./linkedin/descriptor.js"
import type { PlatformDescriptor, PlatformModule } from "./PlatformModule.js"
import type { Servable } from "./tokenModel.js"
import { descriptor as threads } from "./threads/descriptor.js"
import { descriptor as tiktok } from "./tiktok/descriptor.js"
import { descriptor as x } from "./x/descriptor.js"
import { descriptor as youtube } from "./youtube/descriptor.js"

/** A platform's token model as the registry reaches it (its folder's model.ts). */
export interface ModelModule {
  /** the model itself: its id is the platform's, its paths serve the platform's endpoints */
  readonly model: { readonly id: string; readonly paths: Readonly<Record<string, string>> }
  /**
   * The model with a seeded working account: with it the sandbox, the e2e world and the
   * contract suite serve the platform with no row of their own (those that have a
   * hand-written row, for a richer fake, need none).
   */
  readonly sandbox?: Servable
}

export interface RegistryEntry<D extends PlatformDescriptor = PlatformDescriptor> {
  readonly descriptor: D
  /** the platform's calls (its folder's index.ts) */
  readonly load: () => Promise<PlatformModule>
  /** the platform's pure token-behaviour model (its folder's model.ts), for fakes and tests */
  readonly model: () => Promise<ModelModule>
  /** the calls once loaded: a second use needs no wait (a run under TestClock sees none) */
  readonly loaded: () => PlatformModule | undefined
}

const entry = <D extends PlatformDescriptor>(
  descriptor: D,
  load: () => Promise<{ readonly platform: PlatformModule }>,
  model: () => Promise<ModelModule>
): RegistryEntry<D> => {
  let loaded: PlatformModule | undefined
  return {
    descriptor,
    model,
    load: () => loaded !== undefined ? Promise.resolve(loaded) : load().then((m) => (loaded = m.platform)),
    loaded: () => loaded
  }
}

export const registry = [
  entry(instagram, () => import("./instagram/index.js"), () => import("./instagram/model.js")),
  entry(threads, () => import("./threads/index.js"), () => import("./threads/model.js")),
  entry(youtube, () => import("./youtube/index.js"), () => import("./youtube/model.js")),
  entry(tiktok, () => import("./tiktok/index.js"), () => import("./tiktok/model.js")),
  entry(linkedin, () => import("./linkedin/index.js"), () => import("./linkedin/model.js")),
  entry(x, () => import("./x/index.js"), () => import("./x/model.js"))
] as const satisfies ReadonlyArray<RegistryEntry>

/** A built-in platform's id, as a type (for tables that must cover every built-in platform). */
export type BuiltinPlatformId = (typeof registry)[number]["descriptor"]["id"]

/** The built-in ids, in the order reports, help and the starter config list them. */
export const platformIds: ReadonlyArray<string> = registry.map((e) => e.descriptor.id)

/** What the pure core (config schema, validation, targets) and the write-back backends are given about platforms. */
export const catalog: PlatformCatalog = { builtins: registry.map((e) => e.descriptor) }

const entries: ReadonlyArray<RegistryEntry> = registry

export const descriptorOf = (id: string): PlatformDescriptor | undefined =>
  entries.find((e) => e.descriptor.id === id)?.descriptor

export const isBuiltinPlatform = (id: string): boolean => descriptorOf(id) !== undefined
