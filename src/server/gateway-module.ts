import { httpErrors } from '../errors/index.js';
import type { GatewayModule } from '../kernel/index.js';
import { gatewayEvents } from './gateway-events.js';
import { opsRoutes } from './ops-routes.js';

/** The gateway itself: /health, /metrics, /jwks.json; its start and key events; the generic HTTP error codes. */
export const gatewayModule: GatewayModule = {
  name: 'gateway',
  eventTypes: gatewayEvents,
  errorCodes: Object.values(httpErrors),
  routes: opsRoutes,
};
