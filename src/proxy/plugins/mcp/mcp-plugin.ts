import type { AppContext } from '../../../kernel/index.js';
import { definePlugin } from '../../plugin.js';
import { mcpResourceUrl, MCP_PATH } from '../../mcp/index.js';
import { frontedRoutes } from './fronted-routes.js';
import { mcpServersOptions, scopesOfServer } from './mcp-servers-options.js';
import { frontedMigrations } from './migrations/index.js';
import { FRONTED_TOOLS_POLL_MS, loadKnownTools } from './fronted-tools.js';

/** Every fronted server as a protected resource: `${publicUrl}/mcp/{id}`, with the scopes of its tools. */
function frontedResources(ctx: AppContext) {
  return ctx.config.mcpServers.map((s) => ({
    url: mcpResourceUrl(ctx.config.publicUrl, `${MCP_PATH}/${s.id}`),
    name: s.name ?? s.id,
    scopes: scopesOfServer(s).map((scope) => ({ name: scope, description: `${s.name ?? s.id}: ${scope}` })),
  }));
}

/**
 * The `mcp` plugin: MCP servers elsewhere (OAUTH3_MCP_SERVERS) fronted by the gateway at `/mcp/{id}`. The gateway is
 * the resource the client sees (its own RFC 9728 metadata, the gateway's tokens with that audience); calls reach the
 * server through the proxy's SSRF policy with the person's credential of the server's provider, never the client's
 * token; a token sees and calls only the tools its scopes allow. Its tools are the server's, not actions of the host.
 */
export const mcpPlugin = definePlugin({
  name: 'mcp',
  options: mcpServersOptions,
  migrations: frontedMigrations,
  resources: frontedResources,
  routes: frontedRoutes,
  // The tools the servers last listed through any instance: known at start, and read again every 30 s
  async start(ctx) {
    if (!ctx.config.mcpServers.length) return;
    await loadKnownTools(ctx);
    const timer = setInterval(
      () =>
        void loadKnownTools(ctx).catch((e: unknown) =>
          ctx.log.debug({ err: e instanceof Error ? e.message : String(e) }, 'reading the fronted servers’ tools failed'),
        ),
      FRONTED_TOOLS_POLL_MS,
    );
    timer.unref();
    ctx.onClose.push(() => clearInterval(timer));
  },
  plugin: {
    id: 'mcp',
    name: 'MCP servers',
    upstreamHosts: ({ config }) => (config.mcpServers as Array<{ url: string }>).map((s) => new URL(s.url).host),
    actions: [],
  },
});
