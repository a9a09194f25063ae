import { httpErrors } from '../errors/index.js';
import type { GatewayModule } from '../kernel/index.js';
import { WindowCounter } from '../store/index.js';
import { gatewayEvents } from './gateway-events.js';
import { floodOptions } from './flood-options.js';
import { migrations } from './migrations/index.js';
import { opsRoutes } from './ops-routes.js';

/**
 * The gateway itself: /health, /metrics, /jwks.json; its start and key events; the generic HTTP error codes; the
 * shared rate-limit counters (their table, pruned of ended windows) and the per-address flood limits' options.
 */
export const gatewayModule: GatewayModule = {
  name: 'gateway',
  options: floodOptions,
  migrations,
  eventTypes: gatewayEvents,
  errorCodes: Object.values(httpErrors),
  routes: opsRoutes,
  prune: (ctx, now) => WindowCounter.prune(ctx.db, now),
};
