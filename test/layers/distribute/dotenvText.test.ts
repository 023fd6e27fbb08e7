import { describe, expect, it } from "vitest"
import { rewriteDotenv, serialiseValue } from "../../../src/layers/distribute/dotenvText.js"

const poster = [
  "# poster container",
  "",
  "POSTER_NAME=brand # who posts",
  "export X_ACCESS_TOKEN=old-access",
  "  X_REFRESH_TOKEN = 'old-refresh'   # rotated by herald",
  "LOG_LEVEL=debug",
  ""
].join("\n")

describe("rewriteDotenv", () => {
  it("updates the keys where they stand and keeps comments, blank lines, unrelated keys, order, export and spacing", () => {
    const out = rewriteDotenv(poster, [
      { key: "X_ACCESS_TOKEN", value: "new-access" },
      { key: "X_REFRESH_TOKEN", value: "new-refresh" }
    ])
    expect(out).toBe([
      "# poster container",
      "",
      "POSTER_NAME=brand # who posts",
      "export X_ACCESS_TOKEN=new-access",
      "  X_REFRESH_TOKEN = new-refresh   # rotated by herald",
      "LOG_LEVEL=debug",
      ""
    ].join("\n"))
  })

  it("appends keys the file lacks, in the order given, after a final newline", () => {
    expect(rewriteDotenv("A=1", [{ key: "B", value: "2" }, { key: "C", value: "3" }])).toBe("A=1\nB=2\nC=3\n")
    expect(rewriteDotenv("", [{ key: "B", value: "2" }])).toBe("B=2\n")
  })

  it("is a no-op when the file already holds the values", () => {
    const once = rewriteDotenv(poster, [{ key: "X_ACCESS_TOKEN", value: "new" }])
    expect(rewriteDotenv(once, [{ key: "X_ACCESS_TOKEN", value: "new" }])).toBe(once)
  })

  it("keeps CRLF line endings", () => {
    expect(rewriteDotenv("# c\r\nA=1\r\nB=2\r\n", [{ key: "A", value: "9" }, { key: "Z", value: "0" }])).toBe(
      "# c\r\nA=9\r\nB=2\r\nZ=0\r\n"
    )
  })

  it("replaces a quoted value that spans lines as a whole, and never mistakes its lines for keys", () => {
    const text = "KEY=\"-----BEGIN\nA=inside\n-----END\" # pem\nA=outside\n"
    expect(rewriteDotenv(text, [{ key: "KEY", value: "v" }])).toBe("KEY=v # pem\nA=outside\n")
    expect(rewriteDotenv(text, [{ key: "A", value: "new" }])).toBe("KEY=\"-----BEGIN\nA=inside\n-----END\" # pem\nA=new\n")
  })

  it("an unclosed quote on a key herald writes replaces that line only: every other line is kept byte for byte", () => {
    const others = ["DB_PASSWORD=s3cr3t-db", "API_URL=https://api.example/v1", "# the end", "  export LOG='debug'  "]
    const text = ["X_ACCESS_TOKEN=\"old", ...others, ""].join("\n")
    const out = rewriteDotenv(text, [{ key: "X_ACCESS_TOKEN", value: "new-access" }])
    expect(out).toBe(["X_ACCESS_TOKEN=new-access", ...others, ""].join("\n"))
    // the same with CRLF endings
    const crlf = text.replace(/\n/g, "\r\n")
    expect(rewriteDotenv(crlf, [{ key: "X_ACCESS_TOKEN", value: "new-access" }])).toBe(out.replace(/\n/g, "\r\n"))
  })

  it("a later assignment's opening quote does not close an earlier unclosed one", () => {
    const text = "X_ACCESS_TOKEN='old\nDB_PASSWORD=s3cr3t\nAPI_URL='https://api.example' # api\nX_REFRESH_TOKEN=keep\n"
    expect(rewriteDotenv(text, [{ key: "X_ACCESS_TOKEN", value: "new" }])).toBe(
      "X_ACCESS_TOKEN=new\nDB_PASSWORD=s3cr3t\nAPI_URL='https://api.example' # api\nX_REFRESH_TOKEN=keep\n"
    )
    // and a key herald writes after an unclosed value it does not own is found and updated in place
    expect(rewriteDotenv("OTHER=\"unclosed\nX_ACCESS_TOKEN=old\nLAST=1\n", [{ key: "X_ACCESS_TOKEN", value: "new" }])).toBe(
      "OTHER=\"unclosed\nX_ACCESS_TOKEN=new\nLAST=1\n"
    )
  })

  it("updates every occurrence of a repeated key", () => {
    expect(rewriteDotenv("A=1\nA=2\n", [{ key: "A", value: "3" }])).toBe("A=3\nA=3\n")
  })

  it("keeps a '#' inside a value (no space before it) as part of the value it replaces", () => {
    expect(rewriteDotenv("A=abc#def\n", [{ key: "A", value: "x" }])).toBe("A=x\n")
  })
})

describe("serialiseValue", () => {
  it("writes token-like values bare (docker --env-file does not strip quotes)", () => {
    expect(serialiseValue("AAAbbb-123_.~+/=")).toBe("AAAbbb-123_.~+/=")
  })
  it("single-quotes anything else printable, and double-quotes with escapes what single quotes cannot hold", () => {
    expect(serialiseValue("a b$c")).toBe("'a b$c'")
    expect(serialiseValue("it's\nx")).toBe("\"it's\\nx\"")
  })
})
