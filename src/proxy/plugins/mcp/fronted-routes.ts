import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../kernel/index.js';
import { proxyOf } from '../../proxy-of.js';
import { MAX_INPUT_BYTES } from '../../validate-input.js';
import { calledTool, MCP_PATH, mcpPrincipal, noSession, rememberInitialize, serveMcp, stepUp } from '../../mcp/index.js';
import { createFrontedServer } from './fronted-server.js';
import { scopeOfTool } from './mcp-servers-options.js';

/**
 * `POST /mcp/{id}` for every fronted server (stateless streamable HTTP, as /mcp): the bearer must be an access token
 * for `${publicUrl}/mcp/{id}` (401 with that resource's metadata otherwise); a `tools/call` of a tool beyond the
 * token's scopes is 403 insufficient_scope naming the scope, before anything reaches the server. An `initialize`
 * records what the client declares (URL elicitation), as at /mcp.
 */
export async function frontedRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  for (const server of ctx.config.mcpServers) {
    const path = `${MCP_PATH}/${server.id}`;
    app.post(path, { bodyLimit: MAX_INPUT_BYTES + 16 * 1024 }, async (request, reply) => {
      const principal = await mcpPrincipal(ctx, request, path);
      await rememberInitialize(ctx, principal, request.body);
      const tool = calledTool(request.body);
      if (tool !== undefined) {
        const scope = scopeOfTool(server, tool);
        if (!principal.scopes.includes(scope)) throw stepUp(ctx, principal, scope, tool, path);
      }
      const closed = new AbortController();
      reply.raw.once('close', () => closed.abort());
      const face = await createFrontedServer({
        ctx,
        server,
        principal,
        dispatchers: proxyOf(ctx).dispatchers,
        ip: request.ip,
        signal: closed.signal,
      });
      await serveMcp(request, reply, face);
    });
    app.get(path, noSession(ctx, path));
    app.delete(path, noSession(ctx, path));
  }
}
