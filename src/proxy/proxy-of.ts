import type { AppContext } from '../kernel/index.js';
import type { PluginHost } from './plugin-host.js';

const hosts = new WeakMap<AppContext, PluginHost>();

/** Sets the plugin host of an app (the proxy module's start). */
export function setPluginHost(ctx: AppContext, host: PluginHost): void {
  hosts.set(ctx, host);
}

/**
 * The plugin host of this app (one per app, keyed by its context): what the HTTP route and the MCP server call
 * actions through (`proxyOf(ctx).call(…)`). Throws when the proxy module is not started in this app.
 */
export function proxyOf(ctx: AppContext): PluginHost {
  const h = hosts.get(ctx);
  if (!h) throw new Error('the proxy module is not started in this app');
  return h;
}
