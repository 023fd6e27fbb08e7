/**
 * `herald auth login instagram`: Instagram API with Instagram Login (Business Login), the
 * Meta long-lived login (meta/login.ts) with Instagram's names.
 */
import type { LoginSpec } from "../login/flow.js"
import { longLivedLogin } from "../meta/login.js"
import { settings } from "./settings.js"

export const login: LoginSpec = longLivedLogin(settings)
