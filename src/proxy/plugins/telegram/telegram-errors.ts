import { defineErrorCodes } from '../../../errors/index.js';

/** The telegram plugin's own refusals. */
export const telegramErrors = defineErrorCodes({
  ERR_TELEGRAM_CHAT_NOT_ALLOWED: {
    status: 403,
    message: 'telegram.post may send only to the chats the grant allows (its chat_id allow-list), and this grant sets none.',
  },
});
