/** The `telegram` plugin: `post_any` and `post` (allowed chats only) with the person's bot. */
export { telegramPlugin } from './telegram-plugin.js';
