import { AppError } from '../../../errors/index.js';
import type { ActionDescriptor } from '../../plugin.js';
import { sendMessage, sendMessageInput, type SendMessageInput } from './send-message.js';
import { telegramErrors } from './telegram-errors.js';

/**
 * `telegram.post`: sends a message, but only to the chats the grant allows (a `chat_id` allow-list, set per grant).
 * Until the proxy's per-grant policy supplies that list the default holds: no chat is allowed, and every call is
 * refused (403) before anything is sent.
 */
export const postMessage: ActionDescriptor<SendMessageInput> = {
  name: 'post',
  title: 'Send a Telegram message to an allowed chat',
  description:
    'Sends a text message with the person’s Telegram bot to one of the chats their grant allows (chat_id allow-list; none by default).',
  scope: 'telegram.post',
  input: sendMessageInput,
  async handler(call) {
    const allowed: ReadonlyArray<string> = []; // the grant's chat_id allow-list: none until a policy sets one
    if (!allowed.includes(String(call.input.chat_id)))
      throw new AppError(
        telegramErrors.ERR_TELEGRAM_CHAT_NOT_ALLOWED,
        `telegram.post: the chat ${String(call.input.chat_id)} is not in this grant’s chat_id allow-list (it allows none); nothing was sent.`,
        { constraint: 'chat_id' },
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
