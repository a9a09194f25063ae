import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext, Principal } from '../../../kernel/index.js';
import { AppError } from '../../../errors/index.js';
import { proxyErrors } from '../../proxy-errors.js';
import { connectUrl } from '../../proxy-credential.js';
import { expireRejected, markNeedsReauth, vaultOf, type ServedCredential } from '../../../vault/index.js';
import type { UpstreamDispatchers } from '../../upstream-client.js';
import { mcpSdk, toolError, urlElicitationRequired } from '../../mcp/index.js';
import { frontedAuthorization } from './fronted-credential.js';
import { frontedFetch } from './fronted-fetch.js';
import { scopeOfTool, type FrontedMcpServer } from './mcp-servers-options.js';
import { invokeAction } from '../../invoke-action.js';
import { frontedAction, frontedHost } from './fronted-action.js';
import { frontedPluginId, knownTools, rememberTools, type KnownTool } from './fronted-tools.js';

/** One request to a fronted server: which server, who calls, the pools to reach it, when the caller went away. */
export interface FrontedCall {
  ctx: AppContext;
  server: FrontedMcpServer;
  principal: Principal;
  dispatchers: UpstreamDispatchers;
  ip: string | null;
  signal: AbortSignal;
  /**
   * A tool call's: told each credential the server is reached with. The call's proxy.called names its account, so
   * the vault records no vault.token_served of its own (a tools/list, which has no such event, leaves this unset).
   */
  onServed?: (served: ServedCredential) => void;
}

/**
 * The gateway's face of a fronted MCP server for one request: `tools/list` is the server's list with only the
 * tools the token's scopes allow; `tools/call` forwards a call of such a tool. The server is reached with a client
 * of its own (the person's credential of its provider; never the caller's token) and closed after the request; a
 * refusal or failure of the gateway becomes an `isError` result (for a client that declared URL elicitation, a
 * provider not connected or an approval to give is the -32042 URL elicitation, as at /mcp; the server's own URL
 * elicitation is never relayed). A call takes the proxy's one call path (`invokeAction`) as the action
 * `mcp-{id}.{tool}`: the person's limits (rates, argument constraints on the tool's inputSchema fields, "ask me each
 * time" with a passkey approval) apply, and it is the audit event `proxy.called`.
 */
export async function createFrontedServer(call: FrontedCall): Promise<Server> {
  const { Server, types } = await mcpSdk();
  const { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } = types;
  const { server, principal } = call;
  const allowed = (tool: string) => principal.scopes.includes(scopeOfTool(server, tool));
  const face = new Server({ name: server.name ?? server.id, version: '1' }, { capabilities: { tools: {} } });
  face.setRequestHandler(ListToolsRequestSchema, async () => {
    try {
      const tools = await withUpstream(call, allTools);
      await rememberTools(call.ctx, server, tools);
      return { tools: tools.filter((t) => allowed(t.name)) };
    } catch (e) {
      const answer = toolError(e);
      throw answer ? new McpError(ErrorCode.InternalError, (answer.content[0] as { text: string }).text) : e;
    }
  });
  face.setRequestHandler(CallToolRequestSchema, async (req, extra): Promise<CallToolResult> => {
    const tool = req.params.name;
    if (!allowed(tool)) throw new McpError(ErrorCode.InvalidParams, `No tool "${tool}": tools/list names the tools this token may call.`);
    let title = tool;
    try {
      const known = await knownTool(call, tool); // a tools/list it needs first is a vault use of its own (vault.token_served)
      // The call itself is one event, its proxy.called, which names the account the server was reached with
      let actedWith: ServedCredential | undefined;
      const forward = (input: unknown, signal: AbortSignal) =>
        withUpstream({ ...call, signal, onServed: (served) => (actedWith = served) }, (client) =>
          client.callTool({ name: tool, arguments: input as Record<string, unknown> }),
        ) as Promise<CallToolResult>;
      const hosted = frontedAction(server, known, forward);
      title = hosted.action.title;
      return (await invokeAction(frontedHost(call, hosted), {
        plugin: frontedPluginId(server),
        action: tool,
        principal,
        input: req.params.arguments ?? {},
        signal: AbortSignal.any([call.signal, extra.signal]),
        ip: call.ip,
        via: 'mcp',
        actedWith: () => actedWith && { provider: actedWith.provider, account: actedWith.account },
      })) as CallToolResult;
    } catch (e) {
      // The server's own URL elicitation is not relayed: an elicitation URL of the gateway's is always its own
      if (e instanceof McpError && e.code === ErrorCode.UrlElicitationRequired)
        return {
          isError: true,
          content: [
            {
              type: 'text',
              text: `The MCP server ${server.id} asked to send the person to a page of its own, which the gateway does not relay.`,
            },
          ],
        };
      if (e instanceof McpError) throw e;
      const refused = { plugin: frontedPluginId(server), action: tool, title, provider: server.provider };
      const elicitation = await urlElicitationRequired(call.ctx, principal, refused, e);
      if (elicitation) throw elicitation;
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
 * The tool as the server's last tools/list named it (listed now when this process has not seen one, or not this
 * tool): its inputSchema validates the call. A tool the server does not list is not called.
 */
async function knownTool(call: FrontedCall, tool: string): Promise<KnownTool> {
  const { McpError, ErrorCode } = (await mcpSdk()).types;
  let known = knownTools(call.ctx, call.server)?.get(tool);
  if (!known) {
    await rememberTools(call.ctx, call.server, await withUpstream(call, allTools));
    known = knownTools(call.ctx, call.server)?.get(tool);
  }
  if (!known) throw new McpError(ErrorCode.InvalidParams, `No tool "${tool}": the MCP server ${call.server.id} does not list it.`);
  return known;
}

/**
 * Connects a client to the fronted server with the person's credential, runs `use`, closes it. When the server
 * answers 401 to the credential: one refresh through the vault and one retry, then the connection needs
 * re-authorization (424 with the connect URL), as for an action.
 */
async function withUpstream<T>(call: FrontedCall, use: (client: Client) => Promise<T>): Promise<T> {
  const { ctx, server } = call;
  const { Client, StreamableHTTPClientTransport, types } = await mcpSdk();
  const url = new URL(server.url);
  for (let attempt = 0; ; attempt++) {
    const { authorization, served } = await frontedAuthorization(ctx, server, call.principal, call.ip, call.onServed !== undefined);
    if (served) call.onServed?.(served);
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
      if (e instanceof AppError || e instanceof types.McpError) throw e;
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
