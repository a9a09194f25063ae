import { InvalidTarget } from '../errors/index.js';

/**
 * The canonical form of a resource indicator (RFC 8707 §2, MCP "canonical server URI"): an absolute http(s)
 * URI without fragment, scheme and host lower-cased, default port dropped, no trailing slash.
 * Throws InvalidTarget for anything else.
 */
export function canonicalResource(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidTarget('resource must be an absolute URI');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new InvalidTarget('resource must be an http(s) URI');
  if (value.includes('#')) throw new InvalidTarget('resource must not contain a fragment');
  if (u.username || u.password) throw new InvalidTarget('resource must not contain credentials');
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '');
  return `${u.origin}${path}${u.search}`;
}
