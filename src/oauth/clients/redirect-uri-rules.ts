const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for http(s) URLs on a loopback host (RFC 8252 §7.3 native-app redirects). */
export function isLoopbackUrl(u: URL): boolean {
  return LOOPBACK.has(u.hostname);
}

/**
 * Why a redirect URI may not be registered, or undefined when it may: it must be an absolute https URI, or http
 * on a loopback host; no fragment (RFC 6749 §3.1.2), no wildcard, no credentials; `javascript:`, `data:` and
 * every other scheme are refused.
 */
export function redirectUriProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return 'a redirect URI must be a non-empty string';
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return `${value} is not an absolute URI`;
  }
  if (value.includes('#')) return 'a redirect URI must not contain a fragment';
  if (value.includes('*')) return 'wildcards are not allowed in redirect URIs';
  if (u.username || u.password) return 'a redirect URI must not contain credentials';
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackUrl(u)) return undefined;
  return `${u.protocol}${u.protocol === 'http:' ? ' (not loopback)' : ''} redirect URIs are not allowed: use https, or http on 127.0.0.1, [::1] or localhost`;
}

/**
 * Exact redirect URI matching (OAuth 2.1 §2.3.1): byte-for-byte, so a trailing slash, a port, a path suffix or
 * a case difference all fail. The one exception (RFC 8252 §7.3): for http on a loopback IP literal, the port may vary.
 */
export function redirectUriMatches(registered: string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  let req: URL;
  try {
    req = new URL(requested);
  } catch {
    return false;
  }
  if (req.href !== requested || req.protocol !== 'http:' || (req.hostname !== '127.0.0.1' && req.hostname !== '[::1]')) return false;
  const withoutPort = (u: URL) => {
    const c = new URL(u.href);
    c.port = '';
    return c.href;
  };
  return registered.some((r) => {
    const u = URL.canParse(r) ? new URL(r) : undefined;
    return !!u && u.href === r && u.protocol === 'http:' && u.hostname === req.hostname && withoutPort(u) === withoutPort(req);
  });
}
