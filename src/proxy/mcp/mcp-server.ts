import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Principal } from '../../kernel/index.js';
import type { PluginHost } from '../plugin-host.js';
import { findTool, toTool } from './mcp-tools.js';
import { toolError } from './tool-error.js';
import { urlElicitationRequired } from './url-elicitation.js';
import { mcpSdk } from './mcp-sdk.js';

/** What one request to /mcp is served for: the host, the verified caller, where it came from. */
export interface McpCaller {
  host: PluginHost;
  principal: Principal;
  ip: string | null;
}

/**
 * The gateway's MCP server for one request (stateless: a server and a transport per HTTP request). `tools/list`
 * lists the actions the token's scopes allow; `tools/call` runs the one calling path (`PluginHost.call`, via
 * `mcp`), a refusal or failure the gateway answers (policy, not connected, upstream) becoming an `isError` result;
 * one the person resolves in their browser (connect the account, approve the call) is the -32042 URL elicitation
 * instead when the caller's last `initialize` declared `elicitation.url` (see urlElicitationFor).
 */
export async function createMcpServer({ host, principal, ip }: McpCaller): Promise<Server> {
  const { Server, types } = await mcpSdk();
  const { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } = types;
  const server = new Server({ name: 'oauth3', version: '1' }, { capabilities: { tools: { listChanged: false } } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: host.actionsFor(principal).map(toTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const hosted = findTool(host.actionsFor(principal), req.params.name);
    if (!hosted)
      throw new McpError(ErrorCode.InvalidParams, `No tool "${req.params.name}": tools/list names the tools this token may call.`);
    try {
      const result = await host.call({
        plugin: hosted.plugin.plugin.id,
        action: hosted.action.name,
        principal,
        input: req.params.arguments ?? {},
        signal: extra.signal,
        ip,
        via: 'mcp',
      });
      const structured = typeof result === 'object' && result !== null && !Array.isArray(result);
      return {
        content: [{ type: 'text', text: JSON.stringify(result ?? null) }],
        ...(structured && hosted.action.output?.type === 'object' ? { structuredContent: result as Record<string, unknown> } : {}),
      };
    } catch (e) {
      const { plugin, action } = hosted;
      const refused = { plugin: plugin.plugin.id, action: action.name, title: action.title, provider: plugin.plugin.provider };
      const elicitation = await urlElicitationRequired(host.ctx, principal, refused, e);
      if (elicitation) throw elicitation;
      const answer = toolError(e);
      if (answer) return answer;
      throw e;
    }
  });
  return server;
}
