/**
 * What a failed HTTP exchange says to a user, from any HttpClient (herald's NodeHttp,
 * fetch, a test's): the socket error's code, or what went wrong with the answer. Never the
 * error's message as a whole, nor the request: those may quote the URL, and a URL may hold
 * a token.
 */
import type * as HttpClientError from "@effect/platform/HttpClientError"

/** The cause of an answer refused for its size (NodeHttp). */
export class AnswerTooLarge extends Error {
  readonly _tag = "AnswerTooLarge"
  constructor(readonly limitBytes: number) {
    super(`the answer is larger than ${limitBytes / 1024 / 1024} MiB`)
  }
}

const causeOf = (error: HttpClientError.HttpClientError): unknown => (error as { cause?: unknown }).cause

/**
 * The socket error's code (ECONNREFUSED, ENOTFOUND, …) of a failed request, from NodeHttp
 * or from fetch (which nests it one level deeper), or undefined.
 */
export const networkErrorCode = (error: HttpClientError.HttpClientError): string | undefined => {
  const cause = causeOf(error) as { code?: unknown; cause?: { code?: unknown } } | undefined
  if (typeof cause?.code === "string") return cause.code
  if (typeof cause?.cause?.code === "string") return cause.cause.code
  return undefined
}

/** One line on why an exchange failed, safe to show: no URL, no body, no header. */
export const describeHttpFailure = (error: HttpClientError.HttpClientError): string => {
  const cause = causeOf(error)
  if (cause instanceof AnswerTooLarge) {
    return `${cause.message}, more than any endpoint herald calls sends: check that the configured URL is the right one`
  }
  if (error._tag === "ResponseError") return "the connection broke while reading the answer"
  if (error.reason === "InvalidUrl") return "the URL is not valid"
  const code = networkErrorCode(error)
  if (code !== undefined) return `network error (${code})`
  // fetch's own error says only "fetch failed"; its cause's first line names the problem
  const inner = cause as { message?: unknown; cause?: { message?: unknown } } | undefined
  const message = inner?.cause?.message ?? inner?.message
  if (typeof message === "string" && error.reason === "Transport") {
    return `network error (${message.split("\n")[0]!.replace(/\w+:\/\/\S*/g, "<url>").slice(0, 80)})`
  }
  return `network error (${error.reason})`
}
