import { AppError, httpErrors } from '../errors/index.js';
import type { Principal, Registry, ScopeInfo } from '../kernel/index.js';
import { scopesCallerMayGrant } from './scopes-caller-may-grant.js';
import { scopesErrors } from './scopes-errors.js';

/**
 * Reads the scopes a person asks to hand on (an API token, an agent registration, a delegation): a JSON array
 * or a space/comma-separated string, at least one, each registered, each one the caller may grant (see
 * scopesCallerMayGrant). Refusals name the scopes: ERR_VALIDATION (malformed), ERR_SCOPES_UNKNOWN (not
 * registered), ERR_SCOPES_NOT_GRANTABLE (not the caller's to give).
 */
export function requestedScopes(registry: Registry<ScopeInfo>, principal: Principal, value: unknown, field = 'scopes'): string[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : undefined;
  if (!raw || raw.some((s) => typeof s !== 'string'))
    throw new AppError(httpErrors.ERR_VALIDATION, `${field} must be an array of scope names`);
  const scopes = [...new Set((raw as string[]).map((s) => s.trim()).filter(Boolean))];
  if (scopes.length === 0) throw new AppError(httpErrors.ERR_VALIDATION, `${field} must name at least one scope`);
  const unknown = registry.unknown(scopes);
  if (unknown.length) throw new AppError(scopesErrors.ERR_SCOPES_UNKNOWN, `unknown scope: ${unknown.join(' ')}`);
  const grantable = scopesCallerMayGrant(registry, principal);
  const refused = scopes.filter((s) => !grantable.includes(s));
  if (refused.length) throw new AppError(scopesErrors.ERR_SCOPES_NOT_GRANTABLE, `you cannot grant scope: ${refused.join(' ')}`);
  return scopes;
}
