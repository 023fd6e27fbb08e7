import type * as HttpClientError from "@effect/platform/HttpClientError"

/**
 * The socket error's code (ECONNREFUSED, ENOTFOUND, …) of a failed request, from this
 * client (NodeHttp.ts) or from fetch (which nests it one level deeper), or undefined. Never the error's
 * message: that one may quote the URL.
 */
export const networkErrorCode = (error: HttpClientError.HttpClientError): string | undefined => {
  const cause = (error as { cause?: unknown }).cause as { code?: unknown; cause?: { code?: unknown } } | undefined
  if (typeof cause?.code === "string") return cause.code
  if (typeof cause?.cause?.code === "string") return cause.cause.code
  return undefined
}
