import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultOf } from '../../src/vault/index.js';
import { connectSessionStatus, createConnectSession } from '../../src/vault/connect/connect-sessions.js';
import { dialects } from '../support/databases.js';
import { botToken, startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { newApiKey } from './server-api-helpers.js';
import { browse, pageText as text } from './connect-helpers.js';

describe.each(dialects)('a server asks for a key provider: the connect link holds its form (%s)', (dialect) => {
  let telegram: TelegramBotApi;
  let app: TestApp;
  let alice: TestUser;
  let server: { id: string; server: string };
  beforeAll(async () => {
    telegram = await startTelegramBotApi();
    app = await startTestApp(dialect, { providers: [{ preset: 'telegram', api_base: telegram.url }] });
    alice = await createTestUser(app);
    server = await newApiKey(app, 'Bot MCP');
  });
  afterAll(async () => {
    await app?.stop();
    await telegram?.close();
  });
  const start = () => createConnectSession(app.ctx, { userId: alice.userId, provider: 'telegram', scopes: [], apiKeyId: server.id });

  it('shows the fields; a refused token keeps the session open; a good one connects, allows the server and completes it once', async () => {
    const s = await start();
    const page = await browse(app, alice, `/auth/connect/${s.id}`);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain('Bot MCP asks to use your Telegram bot account.');
    expect(page.html).toMatch(/<input type="password" name="bot_token"/);
    expect(page.html).toMatch(/<button type="submit" name="decision" value="deny" class="secondary" formnovalidate/);

    const wrong = botToken();
    const refused = await browse(app, alice, `/auth/connect/${s.id}`, { decision: 'approve', bot_token: wrong });
    expect(refused.status).toBe(400);
    expect(text(refused.html)).toContain('Telegram bot refused the bot token (HTTP 401).');
    expect(refused.html).not.toContain(wrong.split(':')[1]);
    expect((await connectSessionStatus(app.ctx, s.id))!.status).toBe('pending');

    const token = telegram.addBot('news_bot');
    const done = await browse(app, alice, `/auth/connect/${s.id}`, { decision: 'approve', bot_token: token });
    expect(done.status).toBe(303);
    const list = await browse(app, alice, done.location!, undefined, done.cookies);
    expect(text(list.html)).toContain('Connected Telegram bot as @news_bot. Bot MCP may use it now.');
    expect(list.html).not.toContain(token.split(':')[1]);
    expect(await connectSessionStatus(app.ctx, s.id)).toMatchObject({ status: 'complete', account: '@news_bot' });
    expect(await vaultOf(app.ctx).isAllowed(alice.userId, 'telegram', server.server)).toBe(true);

    const other = telegram.addBot('other_bot');
    const again = await browse(app, alice, `/auth/connect/${s.id}`, { decision: 'approve', bot_token: other });
    expect(again.status).toBe(409);
    expect((await vaultOf(app.ctx).connection(alice.userId, 'telegram'))!.account).toBe('@news_bot'); // not replaced by a used link
  });

  it('two approvals of one link at once (no connection yet): one connects, the other is refused as used and stores nothing', async () => {
    await vaultOf(app.ctx).disconnect(alice.userId, 'telegram', { type: 'user', id: alice.userId });
    const s = await start();
    const [a, b] = [telegram.addBot('first_bot'), telegram.addBot('second_bot')];
    const answers = await Promise.all(
      [a, b].map((t) => browse(app, alice, `/auth/connect/${s.id}`, { decision: 'approve', bot_token: t })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409]);
    const won = answers[0].status === 303 ? '@first_bot' : '@second_bot';
    expect((await vaultOf(app.ctx).connection(alice.userId, 'telegram'))!.account).toBe(won);
    expect((await connectSessionStatus(app.ctx, s.id))!.account).toBe(won);
  });
});
