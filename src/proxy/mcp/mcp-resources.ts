import type { AppContext, GatewayModule, ScopeInfo } from '../../kernel/index.js';
import { isPluginModule } from '../plugin.js';
import { mcpResourceUrl } from './mcp-resource.js';

/**
 * The gateway's MCP server as a protected resource (the proxy module's `resources`): `${publicUrl}/mcp`, offering
 * every scope a plugin's actions need, so `/.well-known/oauth-protected-resource/mcp` answers and tokens are issued
 * with that audience.
 */
export function mcpResources(
  ctx: AppContext,
  modules: readonly GatewayModule[],
): Array<{ url: string; name: string; scopes: ScopeInfo[] }> {
  const scopes = new Map<string, ScopeInfo>();
  for (const m of modules) {
    if (!isPluginModule(m)) continue;
    for (const a of m.plugin.actions) {
      const declared = m.scopes?.find((s) => s.name === a.scope);
      if (!scopes.has(a.scope)) scopes.set(a.scope, declared ?? { name: a.scope, description: `${m.plugin.name}: ${a.scope}` });
    }
  }
  return [{ url: mcpResourceUrl(ctx.config.publicUrl), name: 'oauth3 MCP server', scopes: [...scopes.values()] }];
}
