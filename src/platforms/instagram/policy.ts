/**
 * Instagram API with Instagram Login, its pure policy: the Meta long-lived token's
 * (meta/policy.ts), said about Instagram.
 */
import type * as DateTime from "effect/DateTime"
import type { AccountSettings } from "../../domain/Config.js"
import type { Plan } from "../../domain/Plan.js"
import { planLongLived } from "../meta/policy.js"
import { descriptor } from "./descriptor.js"

export { endpoints } from "./descriptor.js"
export { mayBeTooYoung } from "../meta/policy.js"

/** Pure: what to do with the Instagram token now. */
export const planInstagram = (now: DateTime.Utc, settings: AccountSettings): Plan => planLongLived(descriptor, now, settings)
