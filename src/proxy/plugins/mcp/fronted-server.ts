import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { AppContext, Principal } from '../../../kernel/index.js';
import { AppError } from '../../../errors/index.js';
import { proxyErrors } from '../../proxy-errors.js';
import { connectUrl } from '../../invoke-action.js';
import { expireRejected, markNeedsReauth, vaultOf } from '../../../vault/index.js';
import type { UpstreamDispatchers } from '../../upstream-client.js';
import { toolError } from '../../mcp/index.js';
import { frontedAuthorization } from './fronted-credential.js';
import { frontedFetch } from './fronted-fetch.js';
import { scopeOfTool, type FrontedMcpServer } from './mcp-servers-options.js';

/** One request to a fronted server: which server, who calls, the pools to reach it, when the caller went away. */
export interface FrontedCall {
  ctx: AppContext;
  server: FrontedMcpServer;
  principal: Principal;
  dispatchers: UpstreamDispatchers;
  ip: string | null;
  signal: AbortSignal;
}

/**
 * The gateway's face of a fronted MCP server for one request: `tools/list` is the server's list with only the
 * tools the token's scopes allow; `tools/call` forwards a call of such a tool. The server is reached with a client
 * of its own (the person's credential of its provider; never the caller's token) and closed after the request; a
 * refusal or failure of the gateway becomes an `isError` result, and every call is the audit event `proxy.called`.
 */
export function createFrontedServer(call: FrontedCall): Server {
  const { server, principal } = call;
  const allowed = (tool: string) => principal.scopes.includes(scopeOfTool(server, tool));
  const face = new Server({ name: server.name ?? server.id, version: '1' }, { capabilities: { tools: {} } });
  face.setRequestHandler(ListToolsRequestSchema, async () => {
    try {
      const tools = await withUpstream(call, allTools);
      return { tools: tools.filter((t) => allowed(t.name)) };
    } catch (e) {
      const answer = toolError(e);
      throw answer ? new McpError(ErrorCode.InternalError, (answer.content[0] as { text: string }).text) : e;
    }
  });
  face.setRequestHandler(CallToolRequestSchema, async (req): Promise<CallToolResult> => {
    const tool = req.params.name;
    if (!allowed(tool)) throw new McpError(ErrorCode.InvalidParams, `No tool "${tool}": tools/list names the tools this token may call.`);
    const started = Date.now();
    try {
      const result = (await withUpstream(call, (client) =>
        client.callTool({ name: tool, arguments: req.params.arguments ?? {} }),
      )) as CallToolResult;
      audit(call, tool, started, result.isError ? 'tool_error' : 'ok');
      return result;
    } catch (e) {
      audit(call, tool, started, e instanceof AppError ? e.code : e instanceof McpError ? `mcp_${e.code}` : 'error');
      if (e instanceof McpError) throw e;
      const answer = toolError(e);
      if (answer) return answer;
      throw e;
    }
  });
  return face;
}

/** How many pages of tools/list are read from a fronted server (its pages are joined into one answer). */
const MAX_TOOL_PAGES = 20;

/** Every tool of the server, its pages joined (the token's filter would make a page of ours meaningless). */
async function allTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const answer = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...answer.tools);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/**
 * Connects a client to the fronted server with the person's credential, runs `use`, closes it. When the server
 * answers 401 to the credential: one refresh through the vault and one retry, then the connection needs
 * re-authorization (424 with the connect URL), as for an action.
 */
async function withUpstream<T>(call: FrontedCall, use: (client: Client) => Promise<T>): Promise<T> {
  const { ctx, server } = call;
  const url = new URL(server.url);
  for (let attempt = 0; ; attempt++) {
    const { authorization, served } = await frontedAuthorization(ctx, server, call.principal, call.ip);
    let refused = false;
    const transport = new StreamableHTTPClientTransport(url, {
      fetch: frontedFetch({
        origin: url.origin,
        dispatchers: call.dispatchers,
        authorization,
        timeoutMs: ctx.config.proxyTimeoutMs,
        signal: call.signal,
        onStatus: (status) => (refused ||= status === 401),
      }),
    });
    const client = new Client({ name: 'oauth3-gateway', version: '1' });
    try {
      await client.connect(transport);
      return await use(client);
    } catch (e) {
      if (e instanceof AppError || e instanceof McpError) throw e;
      if (refused && served && call.principal.userId) {
        const vault = vaultOf(ctx);
        if (attempt === 0 && (await expireRejected(vault, call.principal.userId, served))) continue;
        await markNeedsReauth(vault, call.principal.userId, served.provider, `${url.host} answered 401 to the gateway's MCP client`);
        throw new AppError(
          proxyErrors.ERR_PROXY_NEEDS_REAUTH,
          `The MCP server ${server.id} refused the stored ${served.provider} authorization: the person must connect the account again at ${connectUrl(ctx)}.`,
          { provider: served.provider, connect_url: connectUrl(ctx) },
        );
      }
      ctx.log.debug({ server: server.id, err: e instanceof Error ? e.message : String(e) }, 'fronted MCP server failed');
      throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_FAILED, `The MCP server ${server.id} (${url.host}) did not answer as expected.`, {
        host: url.host,
      });
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}

/** The audit event of one forwarded call (never arguments, results or credentials). */
function audit(call: FrontedCall, tool: string, started: number, outcome: string): void {
  const p = call.principal;
  call.ctx.audit.enqueue({
    action: 'proxy.called',
    result: outcome === 'ok' ? 'success' : 'failure',
    actor: p.clientId ? { type: 'agent', id: p.clientId } : { type: 'user', id: p.userId },
    userId: p.userId,
    target: { type: 'action', id: `mcp.${call.server.id}.${tool}` },
    ip: call.ip,
    detail: {
      plugin: 'mcp',
      server: call.server.id,
      action: tool,
      scope: scopeOfTool(call.server, tool),
      token: p.kind,
      chain: p.chain,
      via: 'mcp',
      latency_ms: Date.now() - started,
      outcome,
    },
  });
}
