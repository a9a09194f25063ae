import type { GatewayModule } from '../kernel/index.js';
import { agentsRoutes } from './agents-routes.js';
import { agentsErrors } from './agents-errors.js';
import { agentsEvents } from './agents-events.js';
import { agentsOptions } from './agents-options.js';
import { migrations } from './migrations/index.js';

/** Agents and delegation: the seed's agent API (made safe), /api/v1/me/agents and the Agents page. */
export const agentsModule: GatewayModule = {
  name: 'agents',
  options: agentsOptions,
  migrations,
  scopes: [
    { name: 'agents.manage', description: 'Register and manage AI agents on your behalf', group: 'manage' },
    { name: 'delegate', description: 'Delegate your rights to agents (yours, or ones their owners made available)', group: 'manage' },
  ],
  eventTypes: agentsEvents,
  errorCodes: Object.values(agentsErrors),
  routes: agentsRoutes,
};
