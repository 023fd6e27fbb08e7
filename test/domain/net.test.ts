import { assert, describe, it } from "@effect/vitest"
import { apiUrlIssue, isLoopbackHost, secretUrlTransportIssue, transportIssue } from "../../src/domain/net.js"

describe("the loopback rule (one, for config, backends, notifiers and the HTTP edge)", () => {
  it("this machine is localhost, 127.0.0.0/8 and ::1, in any case, bracketed or not", () => {
    for (const host of ["localhost", "LocalHost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"]) assert.isTrue(isLoopbackHost(host), host)
    for (const host of ["127.0.0.1.example.com", "0.0.0.0", "10.0.0.1", "localhost.example.com", "::2", "example.com"]) {
      assert.isFalse(isLoopbackHost(host), host)
    }
  })

  it("plain http only to this machine; the messages say what to use instead, and never quote a secret URL", () => {
    assert.isUndefined(transportIssue("https://api.example.com/token"))
    assert.isUndefined(transportIssue("http://127.0.0.1:8080/token"))
    assert.isUndefined(transportIssue("http://[::1]:8080/token"))
    assert.strictEqual(
      transportIssue("http://api.example.com/oauth/token?x=1"),
      "plain http is only allowed to loopback hosts; use https://api.example.com/oauth/token"
    )
    const secret = "http://hooks.example.com/services/T0/B0/SECRET"
    assert.strictEqual(secretUrlTransportIssue(secret), "must be an https URL (plain http only to loopback hosts)")
    assert.isUndefined(secretUrlTransportIssue("http://localhost:9/hook"))
  })

  it("a backend's API root: https or loopback http, nothing else", () => {
    assert.isUndefined(apiUrlIssue("https://gitlab.example.com/api/v4"))
    assert.isUndefined(apiUrlIssue("http://127.0.0.1:3000/api/v4"))
    assert.strictEqual(apiUrlIssue("http://gitlab.example.com/api/v4"), "must use https:// (plain http is allowed only for loopback hosts)")
    assert.strictEqual(apiUrlIssue("ftp://127.0.0.1/api"), "must use https:// (plain http is allowed only for loopback hosts)")
    assert.strictEqual(apiUrlIssue("not a url"), "is not a URL")
  })
})
