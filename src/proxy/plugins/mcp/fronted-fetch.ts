import { isIP } from 'node:net';
import { fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { addressAllowed, addressInRanges } from '../../../kernel/index.js';
import { AppError } from '../../../errors/index.js';
import { proxyErrors } from '../../proxy-errors.js';
import type { UpstreamDispatchers } from '../../upstream-client.js';

/**
 * The fetch the MCP client uses to reach a fronted server: only that server's origin (anything else, a redirect
 * included, is refused before sending), through the proxy's SSRF-guarded connection pools (public unicast addresses
 * over https; plain http only to OAUTH3_PROXY_ALLOW_RANGES), bounded by the proxy timeout, with the server's
 * `Authorization` (the person's credential) set here and nothing of the caller's request forwarded.
 */
export function frontedFetch(o: {
  origin: string;
  dispatchers: UpstreamDispatchers;
  authorization?: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** Told each answer's status (a 401 means the server refused the credential). */
  onStatus?(status: number): void;
}): FetchLike {
  return async (input, init) => {
    const url = new URL(String(input));
    if (url.origin !== o.origin)
      throw new AppError(
        proxyErrors.ERR_PROXY_UPSTREAM_HOST,
        `The MCP client asked for ${url.host}, which is not the fronted server; nothing was sent.`,
      );
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    const https = url.protocol === 'https:';
    if (
      isIP(literal) &&
      !(https ? addressAllowed(literal, o.dispatchers.allowRanges) : addressInRanges(literal, o.dispatchers.allowRanges))
    )
      throw new AppError(proxyErrors.ERR_PROXY_UPSTREAM_HOST, `${url.host} is an address the proxy may not reach; nothing was sent.`, {
        host: url.host,
      });
    const headers = new Headers(init?.headers);
    headers.delete('cookie');
    if (o.authorization) headers.set('authorization', o.authorization);
    else headers.delete('authorization');
    const sent: Record<string, string> = {};
    headers.forEach((value, name) => (sent[name] = value));
    const signal = AbortSignal.any([o.signal, AbortSignal.timeout(o.timeoutMs), ...(init?.signal ? [init.signal] : [])]);
    const res = await undiciFetch(url, {
      ...(init as UndiciRequestInit),
      headers: sent,
      redirect: 'error',
      signal,
      dispatcher: https ? o.dispatchers.https : o.dispatchers.http,
    });
    o.onStatus?.(res.status);
    return res as unknown as Response;
  };
}
