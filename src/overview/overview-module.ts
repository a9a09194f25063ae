import type { GatewayModule } from '../kernel/index.js';
import { overviewRoutes } from './overview-routes.js';

/** The landing page and the account overview: pages only, no storage of their own. */
export const overviewModule: GatewayModule = {
  name: 'overview',
  routes: overviewRoutes,
};
