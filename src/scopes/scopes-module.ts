import type { GatewayModule } from '../kernel/index.js';
import { scopesErrors } from './scopes-errors.js';

/** Scopes: parsing, resolution and what a caller may grant, used by oauth, tokens, agents and the proxy. */
export const scopesModule: GatewayModule = {
  name: 'scopes',
  errorCodes: Object.values(scopesErrors),
};
