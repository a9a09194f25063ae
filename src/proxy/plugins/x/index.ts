/** The `x` plugin: `tweet.post` and `tweet.read` against the X API v2 (OAUTH3_X_API_BASE). */
export { xPlugin } from './x-plugin.js';
