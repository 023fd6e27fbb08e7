/** Building connections and secret bags for unit tests, without config files or env. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AccountSettings } from "../../src/domain/Config.js"
import type { Connection } from "../../src/domain/Connection.js"
import { SecretMissing } from "../../src/domain/errors.js"
import { envName, type PlatformId, type SecretKey } from "../../src/domain/Platform.js"
import type { SecretBag } from "../../src/services/Secrets.js"

export const connection = (platform: PlatformId, settings: AccountSettings = {}, account = "default"): Connection => ({
  platform,
  account,
  settings,
  configPath: account === "default" ? ["platforms", platform] : ["platforms", platform, "accounts", account]
})

export const secretBag = (c: Connection, values: Partial<Record<SecretKey, string>>): SecretBag => {
  const get = (key: SecretKey) => Option.map(Option.fromNullable(values[key]), Redacted.make)
  return {
    get,
    resolved: (key) => Option.map(get(key), (value) => ({ value, source: "env" as const, name: envName(c, key) })),
    tried: (key) => [envName(c, key)],
    require: (key) =>
      Option.match(get(key), {
        onNone: () =>
          Effect.fail(new SecretMissing({ platform: c.platform, account: c.account, key, tried: [envName(c, key)] })),
        onSome: Effect.succeed
      })
  }
}
