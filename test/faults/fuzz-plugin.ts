// The proxy's echo test plugin as a module a spawned gateway loads through OAUTH3_PLUGINS (a default export).
export { echoPlugin as default } from '../support/echo-plugin.js';
