import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ActionHost, HostedAction } from '../../hosted-action.js';
import type { PluginModule } from '../../plugin.js';
import type { KnownTool } from './fronted-tools.js';
import { frontedPluginId } from './fronted-tools.js';
import { scopeOfTool, type FrontedMcpServer } from './mcp-servers-options.js';

/**
 * A fronted server's tool as an action of the one call path (`invokeAction`): plugin `mcp-{id}`, action the tool's
 * name (so `mcp-{id}.{tool}` is the policy key, the approval's action and the audit target), its scope as
 * OAUTH3_MCP_SERVERS maps it, its input the tool's inputSchema. `forward` performs the call on the server; the
 * credential is the server's own (fetched by `forward`, so the module declares no provider here).
 */
export function frontedAction(
  server: FrontedMcpServer,
  known: KnownTool,
  forward: (input: unknown, signal: AbortSignal) => Promise<CallToolResult>,
): HostedAction {
  const { tool } = known;
  const id = frontedPluginId(server);
  const plugin: PluginModule = {
    name: 'mcp',
    plugin: { id, name: server.name ?? server.id, upstreamHosts: [new URL(server.url).host], actions: [] },
  };
  return {
    plugin,
    qualifiedName: `${id}.${tool.name}`,
    validate: known.validate,
    action: {
      name: tool.name,
      title: tool.title ?? tool.annotations?.title ?? tool.name,
      description: tool.description ?? '',
      scope: scopeOfTool(server, tool.name),
      input: tool.inputSchema,
      readOnly: tool.annotations?.readOnlyHint === true,
      handler: ({ input, signal }) => forward(input, signal),
    },
  };
}

/** The host of one fronted tool's call: it resolves only that tool. */
export function frontedHost(base: Pick<ActionHost, 'ctx' | 'dispatchers'>, hosted: HostedAction): ActionHost {
  return { ctx: base.ctx, dispatchers: base.dispatchers, resolve: () => hosted, configOf: () => ({}) };
}
