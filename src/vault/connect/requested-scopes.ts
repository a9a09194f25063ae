import type { Provider } from '../providers/index.js';

/**
 * The scopes a connect session asks the upstream for: those the session names (a server's `/auth/init`, or the
 * connection being renewed), else the provider's defaults; an OpenID Connect provider always gets `openid` (its
 * ID token names the account and carries the nonce).
 */
export function requestedScopes(sessionScopes: string, provider: Provider): string[] {
  if (provider.kind === 'api_key') return [];
  const named = sessionScopes.split(/[\s,]+/).filter(Boolean);
  const scopes = named.length ? named : [...provider.scopes];
  if (provider.kind === 'oidc' && !scopes.includes('openid')) scopes.unshift('openid');
  return [...new Set(scopes)];
}
