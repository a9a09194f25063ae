import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultOf } from '../../src/vault/index.js';
import { connectSessionStatus, createConnectSession } from '../../src/vault/connect/connect-sessions.js';
import { dialects } from '../support/databases.js';
import { botToken, startTelegramBotApi, type TelegramBotApi } from '../support/telegram-bot-api.js';
import { startTestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { newApiKey } from './server-api-helpers.js';
import { browse, consentUpstream, startConnectRig, type ConnectRig, pageText as text } from './connect-helpers.js';

describe('the Connections page without providers', () => {
  it('says how an operator configures them', async () => {
    const app = await startTestApp('sqlite');
    try {
      const user = await createTestUser(app);
      const page = await browse(app, user, '/account/connections');
      expect(page.status).toBe(200);
      expect(text(page.html)).toContain('You have not connected any account yet.');
      expect(text(page.html)).toContain('No providers are configured on this gateway yet');
      expect(page.html).toContain('<code>OAUTH3_PROVIDERS</code>');
      expect(page.html).toContain('href="/account/connections" aria-current="page"'); // in the account navigation
      expect((await browse(app, undefined, '/account/connections')).location).toBe('/login?return_to=%2Faccount%2Fconnections');
    } finally {
      await app.stop();
    }
  });
});

describe.each(dialects)('the Connections page (%s)', (dialect) => {
  let rig: ConnectRig;
  let telegram: TelegramBotApi;
  let alice: TestUser;
  let bob: TestUser;
  let server: { id: string; key: string; server: string };
  beforeAll(async () => {
    telegram = await startTelegramBotApi();
    const down = {
      id: 'down',
      name: 'Down',
      kind: 'oidc',
      issuer: 'http://127.0.0.1:9',
      client_id: 'x',
      client_secret: 'y',
      scopes: ['openid'],
    };
    rig = await startConnectRig(dialect, [
      { preset: 'telegram', api_base: telegram.url },
      { ...down, account: { claims: ['email'] } },
    ]);
    [alice, bob] = [await createTestUser(rig.app), await createTestUser(rig.app)];
    server = await newApiKey(rig.app, 'Calendar MCP');
  });
  afterAll(async () => {
    await rig?.stop();
    await telegram?.close();
  });
  const vault = () => vaultOf(rig.app.ctx);
  const list = async (user: TestUser, cookies: string[] = []) => browse(rig.app, user, '/account/connections', undefined, cookies);
  /** Posts a page form and shows the page it redirected to (with the flash), as a browser would. */
  const submit = async (user: TestUser, path: string, form: Record<string, string> = {}) => {
    const res = await browse(rig.app, user, path, form);
    if (res.status !== 303) return { ...res, page: res };
    return { ...res, page: await browse(rig.app, user, res.location!, undefined, res.cookies) };
  };

  it('connects an OAuth provider from its button: a session of the person, straight upstream, back with a flash', async () => {
    const before = await list(alice);
    expect(before.html).toMatch(/<form method="post" action="\/account\/connections\/upstream\/connect"/);
    expect(before.html).toContain('href="/account/connections/telegram/connect"');
    const started = await browse(rig.app, alice, '/account/connections/upstream/connect', {});
    expect(started.status).toBe(303);
    expect(new URL(started.location!).origin).toBe(rig.upstream.issuer);
    const back = await browse(rig.app, alice, await consentUpstream(rig.upstream, started.location!));
    expect(back.location).toBe('/account/connections');
    const page = await list(alice, back.cookies);
    expect(text(page.html)).toContain('Connected Upstream as alice@upstream.test.');
    expect(text(page.html)).toContain('Upstream · alice@upstream.test active');
    expect(text(page.html)).toContain('None yet. A server you approve');
    expect(page.html).not.toContain('data-provider="upstream">Connect Upstream'); // connected: no second button
    expect(await vault().allowances(alice.userId)).toEqual([]); // the person started it: no server allowed
  });

  it('shows the servers allowed by name, last use by name, and takes an allowance back after a confirmation', async () => {
    await vault().allow(alice.userId, 'upstream', server.server);
    await vault().credentialFor(alice.userId, 'upstream', { server: server.server });
    await expect.poll(async () => (await vault().connection(alice.userId, 'upstream'))!.last_used_by).toBe(server.server);
    const page = await list(alice);
    expect(page.html).toContain(`data-server="${server.server}"`);
    expect(text(page.html)).toMatch(/last used \d{4}-\d\d-\d\d [\d:]+ UTC by Calendar MCP/);
    expect(text(page.html)).not.toContain(server.id); // names, not ids (only the revoke link and a data attribute carry it)

    const path = `/account/connections/upstream/servers/${encodeURIComponent(server.server)}/revoke`;
    const confirm = await browse(rig.app, alice, path);
    expect(confirm.status).toBe(200);
    expect(text(confirm.html)).toContain('Stop Calendar MCP using your Upstream account?');
    expect(text(confirm.html)).toContain('Calendar MCP can no longer get tokens of your Upstream account (alice@upstream.test).');
    expect(await vault().isAllowed(alice.userId, 'upstream', server.server)).toBe(true); // a GET changes nothing

    expect((await browse(rig.app, bob, path)).status).toBe(404); // bob has no such connection
    const done = await submit(alice, path);
    expect(done.status).toBe(303);
    expect(text(done.page.html)).toContain('Calendar MCP can no longer use your Upstream account.');
    expect(await vault().isAllowed(alice.userId, 'upstream', server.server)).toBe(false);
    expect((await browse(rig.app, alice, path)).status).toBe(403); // no longer allowed: nothing to revoke
  });

  it('a connection the upstream revoked shows "needs re-authorization" with Connect again (asking for its scopes)', async () => {
    await rig.upstream.revokeGrants('alice');
    await rig.app.ctx.db.updateTable('vault_connections').set({ expires_at: Date.now() }).where('user_id', '=', alice.userId).execute();
    await expect(vault().credentialFor(alice.userId, 'upstream', { server: server.server })).rejects.toMatchObject({
      code: 'ERR_VAULT_NEEDS_REAUTH',
    });
    const page = await list(alice);
    expect(page.html).toContain('data-status="needs_reauth"');
    expect(text(page.html)).toContain('Upstream refused the stored authorization (invalid_grant (HTTP 400))');
    expect(page.html).toContain('data-testid="connect-again"');
    const again = await browse(rig.app, alice, '/account/connections/upstream/connect', {});
    expect(new URL(again.location!).searchParams.get('scope')).toBe('openid email offline_access');
    const back = await browse(rig.app, alice, await consentUpstream(rig.upstream, again.location!));
    expect(back.status).toBe(303);
    const after = await list(alice, back.cookies);
    expect(after.html).toContain('data-status="active"');
    expect(after.html).not.toContain('data-testid="connect-again"');
  });

  it('an upstream that is not answering is said so, with when the gateway tries again', async () => {
    await rig.app.ctx.db
      .updateTable('vault_connections')
      .set({ status: 'unavailable', last_error: 'HTTP 503', retry_after: Date.now() + 30_000 })
      .where('user_id', '=', alice.userId)
      .execute();
    const page = await list(alice);
    expect(page.html).toContain('data-status="unavailable"');
    expect(text(page.html)).toMatch(
      /The last refresh failed \(HTTP 503\); the gateway tries again after .+ UTC ?\. Nothing to do on your side\./,
    );
    await rig.app.ctx.db
      .updateTable('vault_connections')
      .set({ status: 'active', retry_after: null })
      .where('user_id', '=', alice.userId)
      .execute();
  });

  it('Disconnect asks first (naming the servers that will stop working), then revokes at the upstream (RFC 7009) and forgets it', async () => {
    await vault().allow(alice.userId, 'upstream', server.server);
    const confirm = await browse(rig.app, alice, '/account/connections/upstream/disconnect');
    expect(text(confirm.html)).toContain('Disconnect Upstream?');
    expect(text(confirm.html)).toContain('forgets the stored credential of alice@upstream.test.');
    expect(text(confirm.html)).toContain('Calendar MCP can no longer get tokens of this account');
    expect(await vault().connection(alice.userId, 'upstream')).toBeDefined();
    const revocations = rig.upstream.counts.revocation;
    const done = await submit(alice, '/account/connections/upstream/disconnect');
    expect(done.status).toBe(303);
    expect(text(done.page.html)).toContain(
      'Disconnected Upstream (alice@upstream.test). No server can get its tokens now. Upstream has revoked the access too.',
    );
    expect(rig.upstream.counts.revocation).toBe(revocations + 1);
    expect(await vault().connection(alice.userId, 'upstream')).toBeUndefined();
    expect(await vault().allowances(alice.userId)).toEqual([]);
    expect((await rig.upstream.refreshTokens()).filter((t) => t.accountId === 'alice' && !t.consumed)).toEqual([]);
    expect((await browse(rig.app, alice, '/account/connections/upstream/disconnect')).status).toBe(404);
  });

  it('a Telegram bot: the form has a password input; a malformed or unknown token is refused with a message; a good one is verified and never shown again', async () => {
    const form = await browse(rig.app, bob, '/account/connections/telegram/connect');
    expect(form.status).toBe(200);
    expect(form.html).toMatch(/<input type="password" name="bot_token"/);

    const calls = telegram.calls.length;
    const malformed = await browse(rig.app, bob, '/account/connections/telegram/connect', { bot_token: '123:short' });
    expect(malformed.status).toBe(400);
    expect(text(malformed.html)).toContain('Bot token is not in the expected form.');
    expect(telegram.calls.length).toBe(calls); // checked before any call

    const unknown = botToken();
    const refused = await browse(rig.app, bob, '/account/connections/telegram/connect', { bot_token: unknown });
    expect(refused.status).toBe(400);
    expect(text(refused.html)).toContain('Telegram bot refused the bot token (HTTP 401).');
    expect(refused.html).not.toContain(unknown.split(':')[1]);
    expect(await vault().connection(bob.userId, 'telegram')).toBeUndefined();

    const token = telegram.addBot('weather_bot');
    const done = await submit(bob, '/account/connections/telegram/connect', { bot_token: token });
    expect(done.status).toBe(303);
    expect(text(done.page.html)).toContain('Connected Telegram bot as @weather_bot. The key is sealed and will not be shown again.');
    expect(done.page.html).not.toContain(token.split(':')[1]);
    expect((await browse(rig.app, bob, '/account/connections/telegram/connect')).html).not.toContain(token.split(':')[1]);
    const row = (await vault().connection(bob.userId, 'telegram'))!;
    expect(row).toMatchObject({ account: '@weather_bot', expires_at: null });
    expect(row.secret_sealed).not.toContain(token.split(':')[1]);
    expect((await vault().credentialFor(bob.userId, 'telegram', { server: server.server })).values).toEqual({ bot_token: token });

    telegram.failWith(502);
    try {
      const down = await browse(rig.app, bob, '/account/connections/telegram/connect', { bot_token: telegram.addBot('other_bot') });
      expect(down.status).toBe(503);
      expect(text(down.html)).toMatch(/Telegram bot \(127\.0\.0\.1:\d+\) answered HTTP 502; try again later\./);
    } finally {
      telegram.failWith(undefined);
    }
    expect((await vault().connection(bob.userId, 'telegram'))!.account).toBe('@weather_bot'); // the good key stays
  });

  it('a provider that cannot be reached: the page says so (a flash), a server’s link says so (503 page); nothing is stored', async () => {
    const started = await submit(bob, '/account/connections/down/connect');
    expect(started.location).toBe('/account/connections');
    expect(text(started.page.html)).toContain('Down could not be reached; try again in a moment.');
    const s = await createConnectSession(rig.app.ctx, { userId: bob.userId, provider: 'down', scopes: [], apiKeyId: server.id });
    const approved = await browse(rig.app, bob, `/auth/connect/${s.id}`, { decision: 'approve' });
    expect(approved.status).toBe(503);
    expect(text(approved.html)).toContain('The provider is not answering');
    expect(await vault().connection(bob.userId, 'down')).toBeUndefined();
    expect((await connectSessionStatus(rig.app.ctx, s.id))!.status).toBe('pending'); // it may be approved again later
  });

  it('a connection whose provider is no longer configured is shown as such and can still be disconnected', async () => {
    const carol = await createTestUser(rig.app);
    await vault().store({
      userId: carol.userId,
      provider: 'retired',
      account: 'carol@old',
      scopes: 'a b',
      secret: { kind: 'key', values: { k: 'v' } },
      expiresAt: null,
    });
    const page = await list(carol);
    expect(page.html).toContain('data-status="gone"');
    expect(text(page.html)).toContain('retired · carol@old provider no longer configured');
    const done = await submit(carol, '/account/connections/retired/disconnect');
    expect(text(done.page.html)).toContain('Disconnected retired (carol@old).');
    expect(await vault().connection(carol.userId, 'retired')).toBeUndefined();
  });

  it('a form without its CSRF token, or an unknown provider, is refused', async () => {
    expect((await browse(rig.app, { cookie: bob.cookie, csrf: 'nope' }, '/account/connections/upstream/connect', {})).status).toBe(403);
    expect((await browse(rig.app, bob, '/account/connections/nope/connect')).status).toBe(404);
    expect((await browse(rig.app, bob, '/account/connections/nope/connect', {})).status).toBe(404);
  });
});
