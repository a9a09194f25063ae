import * as oauth from 'oauth4webapi';

/** A `fetch` the client's requests go through (tests pass one to count or break requests). */
export type FetchLike = typeof fetch;

/**
 * True for a URL on this machine (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`): the only place plain http is
 * acceptable (RFC 8252 §8.3, a gateway in development). Every other URL must be https.
 */
export function isLoopbackUrl(url: string | URL): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1';
}

/**
 * oauth4webapi's request options for a request to `url`: our `fetch` if one is given, plain http allowed only on
 * loopback (see {@link isLoopbackUrl}), and a timeout.
 */
export function httpOptionsFor(
  url: string | URL,
  fetch?: FetchLike,
  timeoutMs = 15_000,
): { [oauth.customFetch]?: FetchLike; [oauth.allowInsecureRequests]?: boolean; signal: () => AbortSignal } {
  return {
    ...(fetch ? { [oauth.customFetch]: fetch } : {}),
    ...(isLoopbackUrl(url) ? { [oauth.allowInsecureRequests]: true } : {}),
    signal: () => AbortSignal.timeout(timeoutMs),
  };
}
