import { AppError } from '../errors/index.js';
import type { UpstreamRequest } from './plugin.js';
import { proxyErrors } from './proxy-errors.js';

/** Headers a handler may never set: the host injects the credential, and framing is undici's. */
const FORBIDDEN_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'te',
  'keep-alive',
]);
/** RFC 9110 §5.1 field-name (token). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** CR, LF or NUL: what would split or end a header. */
const HEADER_BREAK = /[\r\n\0]/;
/** RFC 9110 §5.5 field-value characters (HTAB, SP, VCHAR, obs-text): the HTTP client refuses any other. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The headers to send, or 400 naming the header when one is forbidden or would split the request. */
export function checkedHeaders(init: UpstreamRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name))
      throw new AppError(
        proxyErrors.ERR_PROXY_UPSTREAM_HEADER,
        'A header name of the upstream request is not a valid token; nothing was sent.',
      );
    if (FORBIDDEN_HEADERS.has(lower))
      throw new AppError(
        proxyErrors.ERR_PROXY_UPSTREAM_HEADER,
        `A plugin may not set the header ${lower}: the gateway sets it; nothing was sent.`,
        { header: lower },
      );
    if (typeof value !== 'string' || HEADER_BREAK.test(value))
      throw new AppError(
        proxyErrors.ERR_PROXY_UPSTREAM_HEADER,
        `The header ${lower} would contain a line break or NUL (from the input?); nothing was sent.`,
        { header: lower },
      );
    if (!HEADER_VALUE.test(value))
      throw new AppError(
        proxyErrors.ERR_PROXY_UPSTREAM_HEADER,
        `The header ${lower} would contain characters a header cannot carry (from the input?); nothing was sent.`,
        { header: lower },
      );
    out[lower] = value;
  }
  if (init.json !== undefined) out['content-type'] = 'application/json';
  return out;
}
