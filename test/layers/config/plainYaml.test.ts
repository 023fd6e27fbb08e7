/**
 * Issue 20: the fast path reads what it reads exactly as the yaml package does, says
 * where every scalar stands, and leaves everything else to the yaml package.
 */
import { assert, describe, it } from "@effect/vitest"
import * as YAML from "yaml"
import { parsePlainYaml, pathKey } from "../../../src/layers/config/plainYaml.js"

const viaYaml = (text: string): unknown => YAML.parseDocument(text, { uniqueKeys: false }).toJS()

/** Texts the fast path must read itself (the shape of real configs), with the same result as yaml. */
const read: ReadonlyArray<string> = [
  "",
  "# only a comment\n",
  "platforms:\n",
  "platforms:\n  tiktok:\n    client_key: ck\n    client_secret: \"cs\"\n    refresh_token: 'r''t' # rotated\n",
  "a: 1\nb: -2\nc: 0o17\nd: 0x1F\ne: 1.5\nf: .5\ng: 1e3\nh: -.inf\ni: .nan\nj: +7\nk: 0123\n",
  "a: true\nb: False\nc: TRUE\nd: null\ne: ~\nf: Null\ng: yes\nh: no\ni: on\n",
  "a: 2026-11-22T16:00:00Z\nb: 2026-11-22\nc: 12:30\nd: 1_000\ne: 0b101\nf: 1.2.3\n",
  "url: http://127.0.0.1:8080/v2/oauth/token/?a=b#frag\nport: 8765\n",
  "a: x#not-a-comment\nb: x # a comment\nc: \"q # in quotes\" # after\nd: 'it''s'\n",
  "a: \"esc \\\" \\\\ \\n \\t \\u00e9 \\/\"\nb: \"ünïcödé ✓\"\nc: plain ünïcödé 🎉\n",
  "a: -abc\nb: ?x\nc: :y\nd: a:b\ne: [1, two, \"three\", 'four', ]\nf: []\ng: [ 7 , 3,1 ]\n",
  "auth:\n  alerts:\n    escalate_days: [7, 3, 1]\n    remind_hours: 24\n  concurrency: 8\nplatforms:\n  x:\n    accounts:\n      brand-1:\n        refresh_token: r1\n      brand_2:\n      b3: ~\n",
  "  indented:\n    a: 1\n  b: 2\n",
  "a:\n\n   # a comment at another indentation\n  b: 1\n\n\nc: 2\n",
  "keys:\n  x/access_token: X_TOKEN\n  k.dotted: v\n",
  "a : spaced\nb:   many spaces   \n",
  "true_ish: 1\nnull_ish: 2\n"
]

/** Texts beyond the fast path: it must answer undefined (the yaml package reads or rejects them). */
const notRead: ReadonlyArray<string> = [
  "a: &x 1\nb: *x\n",
  "a: !!str 1\n",
  "a: |\n  block\n",
  "a: >\n  folded\n",
  "a:\n  - 1\n  - 2\n",
  "a:\n- 1\n",
  "a: {b: 1}\n",
  "a: [1, [2]]\n",
  "a: multi\n  line\n",
  "a: 1\n  b: 2\n",
  "a:\n    b: 1\n  c: 2\n",
  "a: 1\na: 2\n",
  "a: \"unterminated\n",
  "a: \"bad \\x41 escape\"\n",
  "a: 'x' y\n",
  "a: b: c\n",
  "---\na: 1\n",
  "%YAML 1.2\n---\na: 1\n",
  "a: 1\r\nb: 2\r\n",
  "a:\tb\n",
  "\ufeffa: 1\n",
  "\"quoted key\": 1\n",
  "? complex\n: key\n",
  "<<: *base\n",
  "a: 123456789012345678901234567890\n",
  "1e3: number key\n",
  "null: key\n",
  "__proto__: x\n",
  "just a scalar\n",
  "a: x #c\n  b: 1\n",
  "key with space: 1\n",
  "a: control\u0001char\n",
  "a: lone \ud800 surrogate\n",
  "123: numeric key\n"
]

describe("plainYaml", () => {
  for (const text of read) {
    it(`reads ${JSON.stringify(text).slice(0, 60)} as yaml does`, () => {
      const plain = parsePlainYaml(text)
      assert.isDefined(plain, "the fast path should read this")
      assert.deepStrictEqual(plain!.value, viaYaml(text))
    })
  }

  for (const text of notRead) {
    it(`leaves ${JSON.stringify(text).slice(0, 60)} to the yaml package`, () => {
      assert.isUndefined(parsePlainYaml(text))
    })
  }

  it("each scalar's span is where yaml's node stands, and its style is yaml's", () => {
    const text = "platforms:\n  tiktok:  # c\n    a: plain-value  # c\n    b: \"dq\"\n    c: 'sq'\n    d: 12\n    e: \"\"\n"
    const plain = parsePlainYaml(text)!
    const doc = YAML.parseDocument(text)
    for (const key of ["a", "b", "c", "d", "e"]) {
      const path = ["platforms", "tiktok", key]
      const node = doc.getIn(path, true) as YAML.Scalar
      const span = plain.scalars.get(pathKey(path))!
      assert.deepStrictEqual([span.start, span.end], [node.range![0], node.range![1]], key)
      assert.strictEqual(span.style, node.type, key)
      assert.strictEqual(span.string, typeof node.value === "string", key)
    }
    assert.isTrue(plain.mappings.has(pathKey(["platforms", "tiktok"])))
    assert.isTrue(plain.mappings.has(""))
    assert.isFalse(plain.mappings.has(pathKey(["platforms", "tiktok", "a"])))
  })

  it("a config of 5,000 accounts is read by the fast path, as yaml reads it", () => {
    const lines = ["platforms:", "  tiktok:", "    client_key: ck", "    accounts:"]
    for (let i = 0; i < 5000; i++) {
      lines.push(`      a${i}:`, `        refresh_token: "rt-${i}"`, `        access_token_expires_at: 2026-11-22T16:00:00Z`)
    }
    const text = `${lines.join("\n")}\n`
    const plain = parsePlainYaml(text)
    assert.isDefined(plain)
    assert.deepStrictEqual(plain!.value, viaYaml(text))
    assert.strictEqual(plain!.scalars.size, 1 + 2 * 5000)
  })
})
