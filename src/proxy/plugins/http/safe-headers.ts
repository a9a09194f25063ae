import { AppError } from '../../../errors/index.js';
import { proxyErrors } from '../../proxy-errors.js';

/** The request headers an agent may set: content negotiation, conditional requests, idempotency. Nothing else passes. */
export const ALLOWED_HEADERS: readonly string[] = [
  'accept',
  'accept-language',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'idempotency-key',
  'x-request-id',
];

const refuse = (message: string, header: string): never => {
  throw new AppError(proxyErrors.ERR_PROXY_INVALID_INPUT, `${message}; nothing was sent.`, { field: 'headers', header });
};

/**
 * The agent's headers, lower-cased, or a refusal (400) before anything is sent: a name outside ALLOWED_HEADERS (so
 * Host, Authorization, Cookie and hop-by-hop headers never pass), or a value with CR, LF, NUL or another control.
 */
export function checkHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    const shown = /^[a-z0-9-]{1,64}$/.test(lower) ? lower : 'with unusual characters';
    if (!ALLOWED_HEADERS.includes(lower)) refuse(`the header ${shown} may not be sent (allowed: ${ALLOWED_HEADERS.join(', ')})`, shown);
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) refuse(`the header ${lower} holds a line break or control character`, lower);
    out[lower] = value;
  }
  return out;
}
