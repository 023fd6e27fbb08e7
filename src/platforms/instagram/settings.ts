/** Instagram as a Meta long-lived-token product (meta/): its names and words. */
import type { MetaSettings } from "../meta/settings.js"
import { descriptor } from "./descriptor.js"

export const settings: MetaSettings = {
  descriptor,
  grants: { refresh: "ig_refresh_token", exchange: "ig_exchange_token" },
  healthFields: "user_id,username",
  scopes: ["instagram_business_basic", "instagram_business_content_publish"],
  loginNotes: [
    // UNCONFIRMED whether Meta accepts a plain-http loopback redirect URI for every app type
    "Instagram must list this exact redirect URI under the app's Business Login settings; if it refuses a " +
    "loopback URI, generate a token in the App Dashboard and store it with herald auth set instagram"
  ]
}
