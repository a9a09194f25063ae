import { AppError } from '../../../errors/index.js';
import type { ActionDescriptor } from '../../plugin.js';
import { sendMessage, sendMessageInput, type SendMessageInput } from './send-message.js';
import { telegramErrors } from './telegram-errors.js';

/**
 * `telegram.post`: sends a message, but only to the chats the grant allows: a `chat_id` allow-list set per grant,
 * which the proxy's policy enforces before the handler runs (403 ERR_PROXY_POLICY for another chat). A grant without
 * that list allows no chat: 403 ERR_TELEGRAM_CHAT_NOT_ALLOWED, nothing sent.
 */
export const postMessage: ActionDescriptor<SendMessageInput> = {
  name: 'post',
  title: 'Send a Telegram message to an allowed chat',
  description:
    'Sends a text message with the person’s Telegram bot to one of the chats their grant allows (chat_id allow-list; none by default).',
  scope: 'telegram.post',
  input: sendMessageInput,
  policy: { constraints: [{ kind: 'allow', field: 'chat_id' }] },
  async handler(call) {
    // The policy checked the chat against the grant's allow-list before the handler runs; without one, none is allowed.
    if (!call.constraints.includes('allow:chat_id'))
      throw new AppError(
        telegramErrors.ERR_TELEGRAM_CHAT_NOT_ALLOWED,
        'telegram.post: this grant sets no chat_id allow-list, so it allows no chat; nothing was sent. The person sets the chats when granting (or on the Apps or Agents page).',
        { constraint: 'allow:chat_id' },
      );
    return sendMessage(call);
  },
};

/** `telegram.post_any`: sends a message to any chat the bot can reach. */
export const postAnyMessage: ActionDescriptor<SendMessageInput> = {
  name: 'post_any',
  title: 'Send a Telegram message to any chat',
  description: 'Sends a text message with the person’s Telegram bot to any chat the bot can reach.',
  scope: 'telegram.post_any',
  input: sendMessageInput,
  handler: sendMessage,
};
