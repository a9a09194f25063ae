import type { GatewayModule } from '../kernel/index.js';
import { apiTokensRoutes } from './api-tokens-routes.js';
import { tokensErrors } from './tokens-errors.js';
import { tokensEvents } from './tokens-events.js';
import { tokensOptions } from './tokens-options.js';
import { migrations } from './migrations/index.js';
import { pruneAccessTokens } from './prune-access-tokens.js';

/**
 * Tokens: signing keys, access-token and revocation tables, personal API tokens (routes and page). The
 * TokenService itself (the one verifier and issuance path) is built by createContext, before any module starts.
 */
export const tokensModule: GatewayModule = {
  name: 'tokens',
  options: tokensOptions,
  migrations,
  scopes: [{ name: 'tokens.manage', description: 'Create, list and revoke your personal API tokens', group: 'manage' }],
  eventTypes: tokensEvents,
  errorCodes: Object.values(tokensErrors),
  routes: apiTokensRoutes,
  // The gateway's periodic prune: access-token rows a week past their expiry
  prune: pruneAccessTokens,
};
