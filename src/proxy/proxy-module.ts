import type { AppContext, GatewayModule } from '../kernel/index.js';
import { PluginHost } from './plugin-host.js';
import { policyFormPart } from './policy-form-part.js';
import { proxyOf, setPluginHost } from './proxy-of.js';
import { proxyErrors } from './proxy-errors.js';
import { proxyEvents } from './proxy-events.js';
import { proxyOptions } from './proxy-options.js';
import { proxyPrincipal, proxyRoutes } from './proxy-routes.js';
import { mcpMigrations, mcpResources, mcpRoutes, pruneMcpClients } from './mcp/index.js';
import { frontedToolTitle } from './plugins/mcp/index.js';
import { policyErrors, policyMigrations, pruneRateCounts } from './policy/index.js';
import {
  approvalErrors,
  approvalEvents,
  approvalMigrations,
  approvalOptions,
  approvalRoutes,
  approvalsPageRoutes,
  pruneApprovals,
} from './approvals/index.js';

/**
 * Builds the plugin host from the app's modules (those with a `plugin`: the built-ins and OAUTH3_PLUGINS'), checking
 * every manifest: a bad plugin stops the start, naming it and what is wrong.
 */
function start(ctx: AppContext, modules: readonly GatewayModule[]): void {
  const host = new PluginHost(ctx, modules);
  setPluginHost(ctx, host);
  ctx.registries.grantFormParts.declare(policyFormPart(ctx, host), 'proxy');
  ctx.log.debug({ plugins: host.plugins().map((p) => p.plugin.id) }, 'proxy plugins loaded');
}

/**
 * The proxy (issue 16): plugins' actions called by agents with their token, `POST /proxy/{plugin}/{action}` (and,
 * through the MCP module, as tools of /mcp), the person's upstream credential injected from the vault.
 */
export const proxyModule: GatewayModule = {
  name: 'proxy',
  options: { ...proxyOptions, ...approvalOptions },
  eventTypes: [...proxyEvents, ...approvalEvents],
  errorCodes: [...Object.values(proxyErrors), ...Object.values(policyErrors), ...Object.values(approvalErrors)],
  migrations: { ...policyMigrations, ...approvalMigrations, ...mcpMigrations },
  resources: mcpResources,
  start,
  // The gateway's periodic prune: ended rate windows, approvals a day past their expiry, what /mcp callers declared long ago
  prune: async (ctx, now) => (await pruneRateCounts(ctx, now)) + (await pruneApprovals(ctx, now)) + (await pruneMcpClients(ctx, now)),
  routes: async (app, ctx) => {
    await proxyRoutes(app, ctx);
    await approvalRoutes(app, ctx, proxyPrincipal);
    await approvalsPageRoutes(app, ctx, (plugin, action) => {
      const hosted = proxyOf(ctx)
        .actions()
        .find((h) => h.plugin.plugin.id === plugin && h.action.name === action);
      return hosted?.action.title ?? frontedToolTitle(ctx, plugin, action);
    });
    await mcpRoutes(app, ctx);
  },
  stop: (ctx) => proxyOf(ctx).close(),
};
