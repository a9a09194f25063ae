/** The `http` plugin: HTTP APIs declared in OAUTH3_HTTP_PLUGINS, each a plugin of its own. */
export { httpPlugin, httpPluginModule, httpPluginModules } from './http-plugin.js';
export type { HttpPluginEntry, HttpRoute, CredentialPlacement } from './http-plugins-options.js';
