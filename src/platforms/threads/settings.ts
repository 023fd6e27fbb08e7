/** Threads as a Meta long-lived-token product (meta/): its names and words. */
import type { MetaSettings } from "../meta/settings.js"
import { descriptor } from "./descriptor.js"

export const settings: MetaSettings = {
  descriptor,
  grants: { refresh: "th_refresh_token", exchange: "th_exchange_token" },
  healthFields: "id,username",
  scopes: ["threads_basic", "threads_content_publish"],
  loginNotes: [
    "use the Threads app ID and secret (App Dashboard → Use cases → Access the Threads API → Settings), " +
    "not the Meta app's; Threads must list this exact redirect URI under Redirect Callback URLs"
  ]
}
