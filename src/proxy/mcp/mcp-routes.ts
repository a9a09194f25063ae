import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { AppContext, Principal } from '../../kernel/index.js';
import { InsufficientScope } from '../../errors/index.js';
import { proxyOf } from '../proxy-of.js';
import { MAX_INPUT_BYTES } from '../validate-input.js';
import { mcpChallenge, mcpPrincipal } from './mcp-bearer.js';
import { rememberInitialize } from './client-capabilities.js';
import { createMcpServer } from './mcp-server.js';
import { findTool } from './mcp-tools.js';
import { MCP_PATH } from './mcp-resource.js';
import { mcpSdk } from './mcp-sdk.js';

/** A JSON-RPC body's bound: an action's input plus the envelope. */
const MCP_BODY_LIMIT = MAX_INPUT_BYTES + 16 * 1024;

/**
 * The gateway's MCP server, `POST /mcp` (streamable HTTP, stateless: every request is answered on its own, in JSON;
 * no session, so GET and DELETE are 405). The bearer must be an access token for `${publicUrl}/mcp` (401 with the
 * `resource_metadata` challenge otherwise). A `tools/call` of a tool beyond the token's scopes is answered before
 * MCP with 403 insufficient_scope naming the scope (the MCP step-up challenge). An `initialize` records the
 * capabilities the client declares for its caller (a stateless server sees them nowhere else), so that a later
 * `tools/call` knows whether it may answer with a URL elicitation.
 */
export async function mcpRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post(MCP_PATH, { bodyLimit: MCP_BODY_LIMIT }, async (request, reply) => {
    const principal = await mcpPrincipal(ctx, request);
    const host = proxyOf(ctx);
    await rememberInitialize(ctx, principal, request.body);
    const tool = calledTool(request.body);
    if (tool !== undefined) {
      const hosted = findTool(host.actions(), tool);
      if (hosted && !principal.scopes.includes(hosted.action.scope)) throw stepUp(ctx, principal, hosted.action.scope, tool, MCP_PATH);
    }
    await serveMcp(request, reply, await createMcpServer({ host, principal, ip: request.ip }));
  });
  app.get(MCP_PATH, noSession(ctx, MCP_PATH));
  app.delete(MCP_PATH, noSession(ctx, MCP_PATH));
}

/** GET and DELETE of a stateless MCP server: 405 (after the bearer check, so a client still learns where to authorize). */
export function noSession(ctx: AppContext, path: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    await mcpPrincipal(ctx, request, path);
    reply.code(405).header('allow', 'POST');
    return { jsonrpc: '2.0', error: { code: -32000, message: 'This MCP server is stateless: send every message with POST.' }, id: null };
  };
}

/**
 * Hands one request to a fresh stateless transport connected to `server` (Fastify parsed the body; the transport
 * writes the answer on the raw response), and closes both when the response closes.
 */
export async function serveMcp(request: FastifyRequest, reply: FastifyReply, server: Server): Promise<void> {
  const { StreamableHTTPServerTransport } = await mcpSdk();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  reply.hijack();
  reply.raw.setHeader('cache-control', 'no-store');
  reply.raw.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request.raw, reply.raw, request.body);
}

/** The tool a JSON-RPC `tools/call` names (a single message; batches are not part of streamable HTTP since 2025-06-18). */
export function calledTool(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const m = body as { method?: unknown; params?: { name?: unknown } };
  return m.method === 'tools/call' && typeof m.params?.name === 'string' ? m.params.name : undefined;
}

/** 403 insufficient_scope for a tool beyond the token's scopes: `scope` names what to ask for (the needed one, then those held). */
export function stepUp(ctx: AppContext, principal: Principal, scope: string, tool: string, path: string): InsufficientScope {
  const wanted = [scope, ...principal.scopes.filter((s) => s !== scope)].join(' ');
  return mcpChallenge(ctx, new InsufficientScope(`the tool ${tool} needs the scope ${scope}`), wanted, path);
}
