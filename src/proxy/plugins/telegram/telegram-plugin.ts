import { definePlugin } from '../../plugin.js';
import { postAnyMessage, postMessage } from './post-message.js';
import { telegramErrors } from './telegram-errors.js';

/** The Bot API's host when the provider sets no `api_base`. */
const BOT_API = 'https://api.telegram.org';

/**
 * The `telegram` plugin: send messages with the person's bot through the Bot API (`/bot<token>/sendMessage`), with
 * the bot token of the vault key provider `telegram` (its `api_base` is the one upstream host).
 */
export const telegramPlugin = definePlugin({
  name: 'telegram',
  scopes: [
    { name: 'telegram.post_any', description: 'Send Telegram messages with your bot to any chat it can reach', group: 'act' },
    { name: 'telegram.post', description: 'Send Telegram messages with your bot to the chats you allow', group: 'act' },
  ],
  errorCodes: Object.values(telegramErrors),
  plugin: {
    id: 'telegram',
    name: 'Telegram',
    provider: 'telegram',
    upstreamHosts: ({ apiBase }) => [new URL(apiBase ?? BOT_API).host],
    actions: [postAnyMessage, postMessage],
  },
});
