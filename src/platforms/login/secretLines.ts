/**
 * Reading `herald auth set` input: one `KEY=value` per line, as in a .env file. Pure. A
 * problem is reported by line number and key name only — never the line, which may hold
 * a secret.
 */
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { Rfc3339 } from "../../domain/Config.js"
import type { MetadataKey } from "../../domain/Plan.js"
import { type ConnectionId, envName, type SecretKey } from "../../domain/Platform.js"
import { formatInstant } from "../policy.js"

export interface SecretInput {
  readonly secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>>
  readonly metadata: Partial<Record<MetadataKey, string>>
}

const metadataKeys: ReadonlyArray<MetadataKey> = ["access_token_expires_at", "refresh_token_expires_at"]

type Named = { readonly _tag: "secret"; readonly key: SecretKey } | { readonly _tag: "metadata"; readonly key: MetadataKey }

/** `refresh_token`, `REFRESH_TOKEN` or the env name `TIKTOK_REFRESH_TOKEN` all name the same key. */
const nameOf = (raw: string, connection: ConnectionId, allowed: ReadonlyArray<SecretKey>): Option.Option<Named> => {
  const lower = raw.toLowerCase()
  const upper = raw.toUpperCase()
  for (const key of allowed) {
    if (lower === key || upper === envName(connection, key)) return Option.some({ _tag: "secret", key })
  }
  for (const key of metadataKeys) {
    // envName's shape for a metadata key: TIKTOK_ACCESS_TOKEN_EXPIRES_AT
    if (lower === key || upper === envName(connection, key as unknown as SecretKey)) {
      return Option.some({ _tag: "metadata", key })
    }
  }
  return Option.none()
}

const unquote = (v: string): string => {
  const t = v.trim()
  return t.length >= 2 && (t[0] === "\"" || t[0] === "'") && t.at(-1) === t[0] ? t.slice(1, -1) : t
}

/**
 * Pure: an expiry given as RFC 3339 (`2026-12-01T09:00:00Z`) or relative to `now`
 * (`60d`, `12h`, `90m`), in the form herald writes.
 */
export const parseExpiry = (text: string, now: DateTime.Utc): Either.Either<string, string> => {
  const rel = /^\s*\+?(\d+)\s*(d|h|m)\s*$/i.exec(text)
  if (rel !== null) {
    const n = Number(rel[1])
    const unit = rel[2]!.toLowerCase()
    const ms = unit === "d" ? n * 86_400_000 : unit === "h" ? n * 3_600_000 : n * 60_000
    return Either.right(formatInstant(DateTime.unsafeMake(DateTime.toEpochMillis(now) + ms)))
  }
  if (Either.isLeft(Schema.decodeUnknownEither(Rfc3339)(text.trim()))) {
    // the text is not echoed: on stdin it could be a secret pasted on the wrong line
    return Either.left("not a date: give RFC 3339 (2026-12-01T09:00:00Z) or a span such as 60d")
  }
  return Either.right(formatInstant(DateTime.toUtc(DateTime.unsafeMake(text.trim()))))
}

/** Pure: the secrets (and any expiry metadata) in `text`; Left lists every problem. */
export const parseSecretLines = (
  text: string,
  connection: ConnectionId,
  allowed: ReadonlyArray<SecretKey>,
  now: DateTime.Utc
): Either.Either<SecretInput, ReadonlyArray<string>> => {
  const secrets: Partial<Record<SecretKey, Redacted.Redacted<string>>> = {}
  const metadata: Partial<Record<MetadataKey, string>> = {}
  const seen = new Set<string>()
  const issues: Array<string> = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    const n = i + 1
    if (line === "" || line.startsWith("#")) return
    const eq = line.indexOf("=")
    if (eq <= 0) {
      issues.push(`line ${n}: expected KEY=value (the line is not shown: it may hold a secret)`)
      return
    }
    const rawKey = line.slice(0, eq).trim().replace(/^export\s+/, "")
    const value = unquote(line.slice(eq + 1))
    const named = nameOf(rawKey, connection, allowed)
    if (Option.isNone(named)) {
      // not echoed either: a token ending in base64 padding ("…XYZ==") looks like KEY=value
      issues.push(`line ${n}: unknown key; expected one of ${[...allowed, ...metadataKeys].join(", ")}`)
      return
    }
    const key = named.value.key
    if (seen.has(key)) {
      issues.push(`line ${n}: ${key} is given twice`)
      return
    }
    seen.add(key)
    if (value === "") {
      issues.push(`line ${n}: ${key} has an empty value`)
      return
    }
    if (named.value._tag === "secret") {
      secrets[named.value.key] = Redacted.make(value)
    } else {
      const at = parseExpiry(value, now)
      if (Either.isLeft(at)) issues.push(`line ${n}: ${key}: ${at.left}`)
      else metadata[named.value.key] = at.right
    }
  })
  return issues.length > 0 ? Either.left(issues) : Either.right({ secrets, metadata })
}
