import type { AppContext } from '../../../kernel/index.js';
import { vaultOf } from '../../../vault/index.js';
import { definePlugin, type PluginModule } from '../../plugin.js';
import { httpPluginErrors } from './http-errors.js';
import { httpPluginsOptions, type HttpPluginEntry } from './http-plugins-options.js';
import { httpRequestAction } from './http-request-action.js';

/**
 * The `http` plugin: declares OAUTH3_HTTP_PLUGINS and the http plugins' error codes. It has no actions of its own:
 * each configured HTTP API is a plugin of its own (httpPluginModules), added to the modules when the gateway loads.
 */
export const httpPlugin = definePlugin({
  name: 'http',
  options: httpPluginsOptions,
  errorCodes: Object.values(httpPluginErrors),
  plugin: { id: 'http', name: 'HTTP APIs', upstreamHosts: [], actions: [] },
});

/** At start: the entry's provider is configured and of the kind its credential placement needs; else the start stops, naming it. */
function checkProvider(ctx: AppContext, entry: HttpPluginEntry): void {
  if (!entry.provider) return;
  const where = `OAUTH3_HTTP_PLUGINS: http plugin ${entry.id}`;
  let kind: string;
  let fields: string[] = [];
  try {
    const p = vaultOf(ctx).provider(entry.provider);
    kind = p.kind;
    if (p.kind === 'api_key') fields = p.fields.map((f) => f.name);
  } catch {
    throw new Error(`${where} names the provider "${entry.provider}", which is not configured (OAUTH3_PROVIDERS)`);
  }
  const placement = entry.credential!;
  if (placement.in === 'bearer' && kind === 'api_key')
    throw new Error(
      `${where}: credential in: bearer needs an OAuth provider; "${entry.provider}" is a key provider (use in: header or query)`,
    );
  if (placement.in !== 'bearer' && kind !== 'api_key')
    throw new Error(`${where}: "${entry.provider}" is an OAuth provider, whose token is sent as a bearer (use in: bearer)`);
  if (placement.in !== 'bearer' && placement.field && !fields.includes(placement.field))
    throw new Error(`${where}: the provider "${entry.provider}" has no field "${placement.field}"`);
}

/** One configured HTTP API as a plugin module: its id, its scopes with their descriptions, an action per route. */
export function httpPluginModule(entry: HttpPluginEntry): PluginModule {
  const hosts = [new URL(entry.base_url).host.toLowerCase()]; // every call goes to the base URL: its host is the allow-list
  return definePlugin({
    name: entry.id,
    scopes: Object.entries(entry.scopes).map(([name, description]) => ({
      name,
      description,
      group: entry.routes.some((r) => r.scope === name && r.methods.some((m) => m !== 'GET')) ? 'act' : 'read',
    })),
    start: (ctx) => checkProvider(ctx, entry),
    plugin: {
      id: entry.id,
      name: entry.name ?? entry.id,
      ...(entry.provider ? { provider: entry.provider } : {}),
      upstreamHosts: hosts,
      actions: entry.routes.map((r) => httpRequestAction(entry, r)),
    },
  });
}

/** The plugin modules of OAUTH3_HTTP_PLUGINS (read before the other options: their scopes are declarations). */
export function httpPluginModules(entries: readonly HttpPluginEntry[]): PluginModule[] {
  return entries.map(httpPluginModule);
}
