/** Instagram's refresher: the Meta long-lived token's (meta/refresh.ts). */
import { makeLongLived } from "../meta/refresh.js"
import { settings } from "./settings.js"

export const make = makeLongLived(settings)
