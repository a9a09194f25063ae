import type { AppContext, GatewayModule, ScopeInfo } from '../../kernel/index.js';
import { isPluginModule } from '../plugin.js';
import { mcpResourceUrl } from './mcp-resource.js';
import { mcpToolName } from './mcp-tools.js';

/**
 * The gateway's MCP server as a protected resource (the proxy module's `resources`): `${publicUrl}/mcp`, offering
 * every scope a plugin's actions need, so `/.well-known/oauth-protected-resource/mcp` answers and tokens are issued
 * with that audience. Two actions whose tool names would be the same (`a` + `b_c` and `a_b` + `c`) stop the start.
 */
export function mcpResources(
  ctx: AppContext,
  modules: readonly GatewayModule[],
): Array<{ url: string; name: string; scopes: ScopeInfo[] }> {
  const scopes = new Map<string, ScopeInfo>();
  const tools = new Map<string, string>();
  for (const m of modules) {
    if (!isPluginModule(m)) continue;
    for (const a of m.plugin.actions) {
      const tool = mcpToolName(m.plugin.id, a.name);
      const other = tools.get(tool);
      if (other) throw new Error(`the actions ${other} and ${m.plugin.id}.${a.name} would both be the MCP tool ${tool}: rename one`);
      tools.set(tool, `${m.plugin.id}.${a.name}`);
      const declared = m.scopes?.find((s) => s.name === a.scope);
      if (!scopes.has(a.scope)) scopes.set(a.scope, declared ?? { name: a.scope, description: `${m.plugin.name}: ${a.scope}` });
    }
  }
  return [{ url: mcpResourceUrl(ctx.config.publicUrl), name: 'oauth3 MCP server', scopes: [...scopes.values()] }];
}
