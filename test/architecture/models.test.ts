/**
 * The platforms' token models are pure (DESIGN §3, issue 15 item 3): `tokenModel.ts`
 * imports nothing, and each `src/platforms/<id>/model.ts` imports only the shared shape,
 * src/domain/ and another folder's model (a family core such as meta/, held to the same
 * rule) — no node:, no HTTP, no layers — so the fakes, the simulation and the
 * contract suite can each serve them over their own transport.
 */
import { readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const platforms = path.resolve(import.meta.dirname, "../../src/platforms")

const importsOf = (file: string): Array<string> =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\b\s*(?:[^"';]*?\bfrom\s+)?["']([^"']+)["']/gm)].map((m) => m[1]!)

const models = readdirSync(platforms, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => path.join(platforms, d.name, "model.ts"))
  .filter((file) => {
    try {
      readFileSync(file)
      return true
    } catch {
      return false
    }
  })

describe("token models", () => {
  it("the shared shape imports nothing", () => {
    expect(importsOf(path.join(platforms, "tokenModel.ts"))).toEqual([])
  })

  it("every platform folder's model imports only the shared shape, src/domain/ and other models", () => {
    expect(models.map((m) => path.basename(path.dirname(m))).sort()).toEqual(
      expect.arrayContaining(["instagram", "linkedin", "oauth2", "tiktok", "x", "youtube"])
    )
    for (const file of models) {
      for (const spec of importsOf(file)) {
        expect(spec === "../tokenModel.js" || spec.startsWith("../../domain/") || /^\.\.\/[a-z0-9]+\/model\.js$/.test(spec), `${path.relative(platforms, file)} imports ${spec}`).toBe(true)
      }
    }
  })
})
