import type { AppContext } from '../../../kernel/index.js';
import { frontedPluginId, knownTools } from './fronted-tools.js';
import { scopeOfTool, scopesOfServer } from './mcp-servers-options.js';

/**
 * What a grant form offers limits for on the fronted MCP servers, for the scopes granted: each tool of a granted
 * scope (`mcp-{id}.{tool}`) when the server's tools are known (its last tools/list through any instance: knownTools), else
 * each granted scope of the server (its limits bind every tool of that scope).
 */
export function frontedPolicyKeys(ctx: AppContext, scopes: readonly string[]): Array<{ name: string; label: string }> {
  const keys: Array<{ name: string; label: string }> = [];
  for (const server of ctx.config.mcpServers ?? []) {
    const name = server.name ?? server.id;
    const tools = knownTools(ctx, server);
    if (tools) {
      for (const { tool } of tools.values())
        if (scopes.includes(scopeOfTool(server, tool.name)))
          keys.push({
            name: `${frontedPluginId(server)}.${tool.name}`,
            label: `${name}: ${tool.title ?? tool.annotations?.title ?? tool.name}`,
          });
    } else
      for (const scope of scopesOfServer(server))
        if (scopes.includes(scope)) keys.push({ name: scope, label: `${name}: every tool of ${scope}` });
  }
  return keys;
}

/**
 * Whether a form's limit key is one of a fronted server's tools of a granted scope, known or not (the server's tools
 * may have been learnt, or forgotten by a restart, since the form was shown).
 */
export function isFrontedToolKey(ctx: AppContext, key: string, scopes: readonly string[]): boolean {
  return (ctx.config.mcpServers ?? []).some((server) => {
    const prefix = `${frontedPluginId(server)}.`;
    return key.startsWith(prefix) && key.length > prefix.length && scopes.includes(scopeOfTool(server, key.slice(prefix.length)));
  });
}

/** The title of a fronted server's tool, for the approvals page (undefined when it is not one, or not known). */
export function frontedToolTitle(ctx: AppContext, plugin: string, tool: string): string | undefined {
  const server = (ctx.config.mcpServers ?? []).find((s) => frontedPluginId(s) === plugin);
  const known = server && knownTools(ctx, server)?.get(tool)?.tool;
  return known ? `${server.name ?? server.id}: ${known.title ?? known.annotations?.title ?? known.name}` : undefined;
}

/**
 * The input schemas of the known fronted tools a policy key binds: the tool itself (`mcp-{id}.{tool}`), or every
 * known tool of a scope. Empty when the key is neither, or when the server's tools are not known yet.
 */
export function frontedInputSchemas(ctx: AppContext, key: string): unknown[] {
  const schemas: unknown[] = [];
  for (const server of ctx.config.mcpServers ?? [])
    for (const { tool } of knownTools(ctx, server)?.values() ?? [])
      if (key === `${frontedPluginId(server)}.${tool.name}` || key === scopeOfTool(server, tool.name)) schemas.push(tool.inputSchema);
  return schemas;
}

/** Whether a scope is one of a fronted server's (its limits bind the server's tools of that scope). */
export function isFrontedScope(ctx: AppContext, scope: string): boolean {
  return (ctx.config.mcpServers ?? []).some((server) => scopesOfServer(server).includes(scope));
}
