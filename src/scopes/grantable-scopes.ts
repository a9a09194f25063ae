import { InvalidScope } from '../errors/index.js';
import type { Registry, Resource, ScopeInfo } from '../kernel/index.js';
import { parseScope } from './parse-scope.js';

/** What decides the scopes an OAuth request may get. */
export interface GrantableScopesInput {
  /** The `scope` parameter as sent. */
  scope: string | undefined;
  /** The scopes the client registered for; null: any. */
  clientScopes: readonly string[] | null;
  /** The resources the request resolved to. */
  resources: readonly Resource[];
  /** Scopes clients may request at all (config); empty: every registered scope. */
  validScopes: readonly string[];
  /** Scopes granted when none is requested (config); empty: the resources' scopes. */
  defaultScopes: readonly string[];
}

/**
 * The scopes a request may be granted (requested-scope resolution): the requested ones if each is registered,
 * valid per config and allowed for the client; otherwise InvalidScope. With no scope requested: the default
 * scopes, else the scopes of the requested resources other than the gateway's own API (so a bare MCP request gets
 * that server's scopes).
 */
export function grantableScopes(registry: Registry<ScopeInfo>, o: GrantableScopesInput): string[] {
  const requested = parseScope(o.scope);
  const allowed = (s: string) =>
    registry.has(s) && (o.validScopes.length === 0 || o.validScopes.includes(s)) && (o.clientScopes === null || o.clientScopes.includes(s));
  if (requested.length === 0) {
    const defaults = o.defaultScopes.length ? o.defaultScopes : o.resources.filter((r) => r.source !== 'gateway').flatMap((r) => r.scopes);
    return [...new Set(defaults)].filter(allowed);
  }
  const refused = requested.filter((s) => !allowed(s));
  if (refused.length) throw new InvalidScope(`scope not allowed: ${refused.join(' ')}`);
  return requested;
}
