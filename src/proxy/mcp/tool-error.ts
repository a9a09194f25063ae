import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError, OAuthError } from '../../errors/index.js';

/**
 * A refused or failed call as a tool result the model can act on (`isError: true`): the error code, its message
 * (which names what to do: the connect URL, the limit, the field), its details and, for a rate limit, when to try
 * again. Undefined for an error that is not an answer of the gateway (a bug: the transport reports it as an
 * internal error).
 */
export function toolError(e: unknown): CallToolResult | undefined {
  let text: string;
  if (e instanceof AppError) {
    text = `${e.code}: ${e.message}`;
    if (e.details && Object.keys(e.details).length) text += `\n${JSON.stringify(e.details)}`;
  } else if (e instanceof OAuthError) {
    text = `${e.error}: ${e.message}`;
  } else return undefined;
  const retryAfter = (e as { retryAfter?: unknown }).retryAfter;
  if (typeof retryAfter === 'number') text += `\nRetry after ${retryAfter} s.`;
  return { isError: true, content: [{ type: 'text', text }] };
}
