import type { ActionCall, UpstreamResponse } from '../../plugin.js';
import { UpstreamRateLimited } from '../upstream-rate-limited.js';

/** The Bot API's error document: `{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}`. */
interface BotApiError {
  ok?: boolean;
  description?: string;
  parameters?: { retry_after?: number };
}

/**
 * Turns a refusal of the Bot API into the agent's answer: 429 with `Retry-After` from `parameters.retry_after`; 400
 * (chat not found, empty text…) and 403 (the bot was blocked or is not in the chat) → 422 with Telegram's description;
 * anything else → 502 naming the status. Never the URL: it holds the bot token. (401 is the host's: the token was
 * revoked, the connection needs re-authorization.)
 */
export function telegramFailure(res: UpstreamResponse, call: Pick<ActionCall, 'fail'>): never {
  let body: BotApiError = {};
  try {
    body = JSON.parse(res.text) as BotApiError;
  } catch {
    // not the Bot API's JSON: the status says enough
  }
  const description = (body.description ?? '').replace(/[\r\n\t]+/g, ' ').slice(0, 200);
  if (res.status === 429) throw new UpstreamRateLimited('Telegram', Number(body.parameters?.retry_after ?? 30));
  if (res.status === 400 || res.status === 403)
    return call.fail('refused', `Telegram refused the message (${res.status}${description ? `: ${description}` : ''}).`);
  return call.fail('failed', `Telegram answered ${res.status}${description ? ` (${description})` : ''}.`);
}
