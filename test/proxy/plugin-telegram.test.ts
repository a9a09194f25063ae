import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { botToken, startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';
import { apiTokenOf, callAction } from '../support/plugin-call.js';
import { createLogger } from '../../src/server/index.js';
import { vaultOf } from '../../src/vault/index.js';

describe('the telegram plugin against a Bot API stand-in', () => {
  let bots: TelegramBotApi;
  let app: TestApp;
  let user: TestUser;
  let bot: string;
  let token: string;
  const logs: string[] = [];

  const connectBot = (u: TestUser, bot_token: string) =>
    vaultOf(app.ctx).store({
      userId: u.userId,
      provider: 'telegram',
      account: '@alice_bot',
      scopes: '',
      secret: { kind: 'key', values: { bot_token } },
      expiresAt: null,
    });

  beforeAll(async () => {
    bots = await startTelegramBotApi();
    bot = bots.addBot('alice_bot');
    const stream = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    app = await startTestApp(
      'sqlite',
      { providers: [{ preset: 'telegram', api_base: bots.url }], proxyAllowRanges: ['127.0.0.0/8'] },
      [],
      createLogger('info', stream as never),
    );
    user = await createTestUser(app);
    await connectBot(user, bot);
    token = await apiTokenOf(app, user, ['telegram.post_any', 'telegram.post']);
  });
  afterAll(async () => {
    await app?.stop();
    await bots?.close();
  });

  it('post_any sends the message with the person’s bot; the Bot API never sees the agent’s token', async () => {
    const before = bots.calls.length;
    const res = await callAction(app, 'telegram/post_any', token, { chat_id: -1001234567890, text: 'hello from an agent' });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ message_id: expect.any(Number), chat_id: -1001234567890 });
    const sent = bots.calls.slice(before);
    expect(sent).toEqual([{ token: bot, method: 'sendMessage', params: { chat_id: -1001234567890, text: 'hello from an agent' } }]);
    expect(JSON.stringify(bots.calls)).not.toContain(token);
    expect((await callAction(app, 'telegram/post_any', token, { chat_id: '@alice_channel', text: 'to a channel' })).status).toBe(200);
  });

  it('post sends only to the chats the grant’s chat_id allow-list names (403 for others), and to none without one', async () => {
    const allowed = await apiTokenOf(app, user, ['telegram.post'], {
      actions: { 'telegram.post': { constraints: [{ kind: 'allow', field: 'chat_id', values: ['42', '@alice_channel'] }] } },
    });
    const before = bots.calls.length;
    expect((await callAction(app, 'telegram/post', allowed, { chat_id: 42, text: 'to an allowed chat' })).status).toBe(200);
    expect((await callAction(app, 'telegram/post', allowed, { chat_id: '@alice_channel', text: 'and a channel' })).status).toBe(200);
    expect(bots.calls.slice(before).map((c) => c.params.chat_id)).toEqual([42, '@alice_channel']);

    const other = await callAction(app, 'telegram/post', allowed, { chat_id: 43, text: 'elsewhere' });
    expect([other.status, other.body.error]).toEqual([403, 'ERR_PROXY_POLICY']);
    expect(other.body.message).toContain('chat_id');
    const none = await callAction(app, 'telegram/post', token, { chat_id: 42, text: 'a grant without a list' });
    expect([none.status, none.body.error]).toEqual([403, 'ERR_TELEGRAM_CHAT_NOT_ALLOWED']);
    expect(none.body.details).toEqual({ constraint: 'allow:chat_id' });
    expect(bots.calls.length).toBe(before + 2);
  });

  it('refuses a token without the action’s scope (post_any with only telegram.post; another plugin’s scope)', async () => {
    const before = bots.calls.length;
    const narrow = await apiTokenOf(app, user, ['telegram.post']);
    const res = await callAction(app, 'telegram/post_any', narrow, { chat_id: 1, text: 'x' });
    expect([res.status, res.body.error]).toEqual([403, 'insufficient_scope']);
    expect(res.body.error_description).toContain('telegram.post_any');
    const other = await callAction(app, 'telegram/post_any', await apiTokenOf(app, user, ['tweet.post']), { chat_id: 1, text: 'x' });
    expect([other.status, other.body.error]).toEqual([403, 'insufficient_scope']);
    expect(bots.calls.length).toBe(before);
  });

  it('refuses input outside the schema naming the field (a chat id that is a path, an empty or too long text)', async () => {
    const before = bots.calls.length;
    for (const input of [
      { chat_id: '../getMe', text: 'x' },
      { chat_id: '1/../../getUpdates', text: 'x' },
      { chat_id: 1, text: '' },
      { chat_id: 1, text: 'x'.repeat(4097) },
      { chat_id: 1, text: 'x', parse_mode: 'HTML' },
    ]) {
      const res = await callAction(app, 'telegram/post_any', token, input);
      expect([res.status, res.body.error]).toEqual([400, 'ERR_PROXY_INVALID_INPUT']);
    }
    expect(bots.calls.length).toBe(before);
  });

  it('maps the Bot API’s refusals: 429 with Retry-After, 403 as refused (422), an outage 502 naming the host only', async () => {
    bots.failWith(429);
    try {
      const limited = await callAction(app, 'telegram/post_any', token, { chat_id: 1, text: 'x' });
      expect([limited.status, limited.body.error, limited.headers.get('retry-after')]).toEqual([
        429,
        'ERR_PROXY_UPSTREAM_RATE_LIMITED',
        '30',
      ]);
      expect(limited.body).toEqual({
        error: 'ERR_PROXY_UPSTREAM_RATE_LIMITED',
        message: 'Telegram limits how often this may be done: retry in 30 s.',
        details: { upstream: 'Telegram', retry_after: 30 },
      });
    } finally {
      bots.failWith(undefined);
    }
    bots.failWith(403);
    try {
      const blocked = await callAction(app, 'telegram/post_any', token, { chat_id: 1, text: 'x' });
      expect([blocked.status, blocked.body.error]).toEqual([422, 'ERR_PROXY_UPSTREAM_REFUSED']);
      expect(blocked.body.message).toMatch(/^Telegram refused the message \(403/);
    } finally {
      bots.failWith(undefined);
    }
    bots.failWith(502);
    try {
      const down = await callAction(app, 'telegram/post_any', token, { chat_id: 1, text: 'x' });
      expect([down.status, down.body.error]).toEqual([502, 'ERR_PROXY_UPSTREAM_FAILED']);
      expect(JSON.stringify(down.body)).not.toContain(bot);
    } finally {
      bots.failWith(undefined);
    }
  });

  it('a bot token Telegram no longer knows: 424 needs re-authorization, the token in no answer and no log line', async () => {
    const other = await createTestUser(app);
    const revoked = botToken();
    await connectBot(other, revoked);
    const res = await callAction(app, 'telegram/post_any', await apiTokenOf(app, other, ['telegram.post_any']), { chat_id: 1, text: 'x' });
    expect([res.status, res.body.error]).toEqual([424, 'ERR_PROXY_NEEDS_REAUTH']);
    expect(res.body.message).toContain(new URL(bots.url).host);
    expect(JSON.stringify(res.body)).not.toContain(revoked);
    expect(bots.calls.some((c) => c.token === revoked)).toBe(true);

    await app.ctx.audit.flush();
    const events = JSON.stringify(await app.ctx.db.selectFrom('audit_events').selectAll().execute());
    expect(logs.join('')).not.toContain(revoked.split(':')[1]);
    expect(logs.join('')).not.toContain(bot.split(':')[1]);
    expect(events).not.toContain(revoked.split(':')[1]);
    expect(events).not.toContain(bot.split(':')[1]);
  });

  it('a Bot API that is not reachable: 502 naming the host, never the URL with the token', async () => {
    await bots.close();
    const res = await callAction(app, 'telegram/post_any', token, { chat_id: 1, text: 'x' });
    expect([res.status, res.body.error]).toEqual([502, 'ERR_PROXY_UPSTREAM_FAILED']);
    expect(res.body.message).toContain(new URL(bots.url).host);
    expect(JSON.stringify(res.body)).not.toContain(bot.split(':')[1]);
    expect(logs.join('')).not.toContain(bot.split(':')[1]);
  });
});
