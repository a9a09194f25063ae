import type { Principal, Registry, ScopeInfo } from '../kernel/index.js';

/**
 * The scopes a caller may hand on (to an API token, an agent, a delegation): a person signed in with a session
 * may grant every registered scope; a bearer (API token, access token) only the scopes it carries itself, so
 * no token can mint a wider one.
 */
export function scopesCallerMayGrant(scopes: Registry<ScopeInfo>, principal: Principal): string[] {
  if (principal.kind === 'session') return scopes.names();
  return principal.scopes.filter((s) => scopes.has(s));
}
