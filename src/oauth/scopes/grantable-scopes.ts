import type { AppContext } from '../../server/context.js';
import { InvalidScope } from '../../errors/index.js';
import type { OAuthClient } from '../clients/oauth-client.js';
import type { Resource } from '../resources/resource-registry.js';

/** Splits an RFC 6749 §3.3 scope string (space-delimited, no duplicates kept). */
export function parseScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))];
}

/**
 * The scopes a request may be granted: the requested ones if each is registered, valid per config and allowed
 * for the client; otherwise InvalidScope. With no scope requested: config default scopes, else the scopes of
 * the requested resources other than the gateway's own API (so a bare MCP request gets that server's scopes).
 */
export function grantableScopes(ctx: AppContext, o: { scope: string | undefined; client: OAuthClient; resources: Resource[] }): string[] {
  const requested = parseScope(o.scope);
  const valid = ctx.config.oauthValidScopes;
  const allowed = (s: string) => ctx.scopes.has(s) && (valid.length === 0 || valid.includes(s)) && (o.client.scope === null || o.client.scope.includes(s));
  if (requested.length === 0) {
    const defaults = ctx.config.oauthDefaultScopes.length
      ? ctx.config.oauthDefaultScopes
      : o.resources.filter((r) => r.source !== 'gateway').flatMap((r) => r.scopes);
    return [...new Set(defaults)].filter(allowed);
  }
  const refused = requested.filter((s) => !allowed(s));
  if (refused.length) throw new InvalidScope(`scope not allowed: ${refused.join(' ')}`);
  return requested;
}
