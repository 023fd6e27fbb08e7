/** The `herald` command line as the bin runs it: the command tree over the live app layer. */
import * as ConfigFile from "../layers/config/ConfigFile.js"
import { appLayerFor } from "./AppLayer.js"
import { makeCli } from "./commands.js"

export const heraldCli = () => makeCli(appLayerFor, ConfigFile.layer)
