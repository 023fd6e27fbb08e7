/**
 * Instagram API with Instagram Login's token behaviour (PROVIDERS §1a): the Meta
 * long-lived token (meta/model.ts) with Instagram's grant names (`ig_refresh_token`,
 * `ig_exchange_token`), Business Login's `{data: [...]}` code answer and the `#_` its
 * consent redirect ends with.
 */
import { LIFETIME_MS, metaModel, type MetaModelOptions, type MetaState, paths } from "../meta/model.js"

export { LIFETIME_MS, paths }
export type InstagramModelOptions = MetaModelOptions
export type InstagramState = MetaState

export const model = metaModel({
  id: "instagram",
  grants: { refresh: "ig_refresh_token", exchange: "ig_exchange_token" },
  codeResponse: "data",
  fragment: "#_",
  me: (s) => ({ user_id: s.userId, username: s.username, id: s.userId })
})
