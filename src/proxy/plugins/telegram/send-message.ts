import type { ActionCall } from '../../plugin.js';
import type { JsonSchema } from '../../plugin.js';
import { telegramFailure } from './telegram-failure.js';

/** The input of both Telegram actions. */
export interface SendMessageInput {
  chat_id: number | string;
  text: string;
  disable_notification?: boolean;
}

/** A chat id (`-1001234567890`) or a public channel's username (`@channel`), as the Bot API takes it. */
export const sendMessageInput: JsonSchema = {
  type: 'object',
  properties: {
    chat_id: {
      type: ['integer', 'string'],
      pattern: '^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$',
      description: 'The chat: its numeric id, or @username of a public channel or group.',
    },
    text: { type: 'string', minLength: 1, maxLength: 4096, description: 'The message (plain text, at most 4096 characters).' },
    disable_notification: { type: 'boolean', description: 'Send silently.' },
  },
  required: ['chat_id', 'text'],
  additionalProperties: false,
};

/** What a bot token looks like (the vault's `telegram` preset checks it on entry): it is a path segment here. */
const BOT_TOKEN = /^[0-9]+:[A-Za-z0-9_-]+$/;

/**
 * Sends the message with the person's bot (`POST {api_base}/bot<token>/sendMessage`). The token is in the URL path,
 * so it comes from `upstream.credential()`; the upstream client's errors name the host only, never the URL.
 */
export async function sendMessage(
  call: ActionCall<SendMessageInput>,
): Promise<{ message_id: number; chat_id: number | string; date?: number }> {
  const { input, upstream } = call;
  const credential = upstream.credential();
  const token = credential.values?.bot_token ?? '';
  if (!BOT_TOKEN.test(token)) return call.fail('failed', 'The stored Telegram credential is not a bot token: connect the bot again.');
  const base = (credential.apiBase ?? 'https://api.telegram.org').replace(/\/+$/, '');
  const res = await upstream.fetch(`${base}/bot${token}/sendMessage`, {
    method: 'POST',
    json: { chat_id: input.chat_id, text: input.text, ...(input.disable_notification ? { disable_notification: true } : {}) },
  });
  if (res.status !== 200) telegramFailure(res, call);
  const body = res.json<{ ok?: boolean; result?: { message_id?: unknown; date?: unknown; chat?: { id?: unknown } } }>();
  if (body.ok !== true || typeof body.result?.message_id !== 'number') telegramFailure(res, call);
  const chat = body.result.chat?.id;
  return {
    message_id: body.result.message_id,
    chat_id: typeof chat === 'number' || typeof chat === 'string' ? chat : input.chat_id,
    ...(typeof body.result.date === 'number' ? { date: body.result.date } : {}),
  };
}
