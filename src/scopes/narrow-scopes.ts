import { InvalidScope } from '../errors/index.js';
import { parseScope } from './parse-scope.js';

/**
 * Narrowing (OAuth 2.1 §4.3.1, RFC 8693 §2.1): the scopes asked for, or all `granted` when none is asked; never
 * wider. Throws InvalidScope naming what would widen.
 */
export function narrowScopes(granted: readonly string[], requested: string | undefined, what = 'scope wider than granted'): string[] {
  const scopes = requested !== undefined ? parseScope(requested) : [...granted];
  const wider = scopes.filter((s) => !granted.includes(s));
  if (wider.length) throw new InvalidScope(`${what}: ${wider.join(' ')}`);
  return scopes;
}
