import type { PluginModule } from './plugin.js';
import { mcpPlugin } from './plugins/mcp/index.js';
import { xPlugin } from './plugins/x/index.js';
import { telegramPlugin } from './plugins/telegram/index.js';
import { httpPlugin } from './plugins/http/index.js';

/**
 * The plugins that ship with the gateway (one folder each under src/proxy/plugins/), in order. They are ordinary
 * modules: the server lists them after the proxy module. Others come from OAUTH3_PLUGINS.
 */
export const builtinPlugins: readonly PluginModule[] = [mcpPlugin, xPlugin, telegramPlugin, httpPlugin];
