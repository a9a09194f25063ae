import { AppError } from '../errors/index.js';
import type { ScopeRegistry } from '../oauth/index.js';
import type { Principal } from './principal.js';
import { scopesCallerMayGrant } from './scopes-caller-may-grant.js';

/**
 * Reads the scopes a person asks to hand on (an API token, an agent registration, a delegation): a JSON array
 * or a space/comma-separated string, at least one, each registered, each one the caller may grant (see
 * scopesCallerMayGrant). Refusals are 400 (malformed, unknown) or 403 (not the caller's to give), naming the scopes.
 */
export function requestedScopes(registry: ScopeRegistry, principal: Principal, value: unknown, field = 'scopes'): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : undefined;
  if (!raw || raw.some((s) => typeof s !== 'string')) throw new AppError('ERR_VALIDATION', `${field} must be an array of scope names`);
  const scopes = [...new Set((raw as string[]).map((s) => s.trim()).filter(Boolean))];
  if (scopes.length === 0) throw new AppError('ERR_VALIDATION', `${field} must name at least one scope`);
  const unknown = registry.unknown(scopes);
  if (unknown.length) throw new AppError('ERR_VALIDATION', `unknown scope: ${unknown.join(' ')}`);
  const grantable = scopesCallerMayGrant(registry, principal);
  const refused = scopes.filter((s) => !grantable.includes(s));
  if (refused.length) throw new AppError('ERR_FORBIDDEN', `you cannot grant scope: ${refused.join(' ')}`);
  return scopes;
}

/**
 * The person behind a request that hands rights on. Only the person themselves may do that: with their session
 * or a personal API token. An OAuth or delegated access token may not (an agent could otherwise mint itself a
 * longer-lived API token or delegation that escapes the revocation of the chain it came from).
 */
export function personalCaller(principal: Principal, what: string): string {
  if (!principal.userId || (principal.kind !== 'session' && principal.kind !== 'api_token')) {
    throw new AppError('ERR_FORBIDDEN', `to ${what}, use your session or a personal API token (not an OAuth or delegated token)`);
  }
  return principal.userId;
}
