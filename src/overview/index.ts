/**
 * Orientation: the landing page for visitors (`/`) and the signed-in overview (`/account/overview`), which gathers
 * a summary from the other domains through their index files. Nothing imports this module but the server.
 */
export { overviewModule } from './overview-module.js';
