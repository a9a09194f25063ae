import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/server/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { vaultOf } from '../../src/vault/index.js';
import { connectSessionStatus, createConnectSession } from '../../src/vault/connect/connect-sessions.js';
import { dialects } from '../support/databases.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { newApiKey } from './server-api-helpers.js';
import {
  anotherSession,
  browse,
  consentUpstream,
  eventsOf,
  startConnectRig,
  type ConnectRig,
  pageText as text,
} from './connect-helpers.js';

describe.each(dialects)('connecting an account through the real upstream (%s)', (dialect) => {
  let rig: ConnectRig;
  let alice: TestUser;
  let bob: TestUser;
  let server: { id: string; key: string; server: string };
  beforeAll(async () => {
    rig = await startConnectRig(dialect);
    [alice, bob] = [await createTestUser(rig.app), await createTestUser(rig.app)];
    server = await newApiKey(rig.app, 'Calendar MCP');
  });
  afterAll(() => rig?.stop());

  const startFor = (user: TestUser, o: { apiKeyId?: string | null; scopes?: string[] } = {}) =>
    createConnectSession(rig.app.ctx, {
      userId: user.userId,
      provider: 'upstream',
      scopes: o.scopes ?? [],
      apiKeyId: o.apiKeyId ?? server.id,
    });
  const row = (id: string) =>
    rig.app.ctx.db.selectFrom('vault_connect_sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const connectionOf = (user: TestUser) => vaultOf(rig.app.ctx).connection(user.userId, 'upstream');
  /** Approves on the gateway's page, consents at the upstream, and returns the callback URL (not yet visited). */
  const toCallback = async (user: Pick<TestUser, 'cookie' | 'csrf'>, id: string, o: { abort?: boolean } = {}) => {
    const approved = await browse(rig.app, user, `/auth/connect/${id}`, { decision: 'approve' });
    expect(approved.status).toBe(303);
    return consentUpstream(rig.upstream, approved.location!, o);
  };

  it('a server-started session: sign-in first, then "Calendar MCP asks to use your Upstream account", approve, upstream, back: connected and allowed', async () => {
    const s = await startFor(alice, { scopes: ['email', 'offline_access'] });
    const anonymous = await browse(rig.app, undefined, `/auth/connect/${s.id}`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.location).toBe(`/login?return_to=${encodeURIComponent(`/auth/connect/${s.id}`)}`);

    const page = await browse(rig.app, alice, `/auth/connect/${s.id}`);
    expect(page.status).toBe(200);
    expect(text(page.html)).toContain('Calendar MCP asks to use your Upstream account');
    expect(text(page.html)).toContain('See your email address email');
    expect(text(page.html)).toContain('Know who you are there openid'); // an OIDC provider always gets openid
    expect(text(page.html)).toContain('Signed in to your account (it has no username yet) · Not you?'); // never the id
    expect(page.html).not.toContain(alice.userId);

    const approved = await browse(rig.app, alice, `/auth/connect/${s.id}`, { decision: 'approve' });
    expect(approved.status).toBe(303);
    const authorize = new URL(approved.location!);
    expect(authorize.origin).toBe(rig.upstream.issuer);
    const q = authorize.searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(q.get('prompt')).toBe('consent'); // the provider's extra authorize parameter
    expect(q.get('redirect_uri')).toBe(`${rig.app.url}/auth/callback/upstream`);
    expect(q.get('scope')).toBe('openid email offline_access');
    const state = q.get('state')!;
    const stored = await row(s.id);
    expect(stored.state_hash).toBe(sha256(state));
    expect(stored.browser_session_id).toBe(alice.sessionId);
    expect(stored.secret_sealed).not.toContain(q.get('nonce')!); // sealed, not stored as it is
    expect((await connectSessionStatus(rig.app.ctx, s.id))!.status).toBe('pending');

    const callback = await consentUpstream(rig.upstream, approved.location!);
    expect(new URL(callback).searchParams.get('iss')).toBe(rig.upstream.issuer); // RFC 9207, checked by the gateway
    const back = await browse(rig.app, alice, callback);
    expect(back.status).toBe(303);
    expect(back.location).toBe('/account/connections');
    const list = await browse(rig.app, alice, back.location!, undefined, back.cookies);
    expect(text(list.html)).toContain('Connected Upstream as alice@upstream.test. Calendar MCP may use it now.');
    expect(list.html).toContain('data-testid="allowed-server"');
    expect(text(list.html)).toContain('Calendar MCP');

    expect(await connectSessionStatus(rig.app.ctx, s.id)).toMatchObject({
      status: 'complete',
      account: 'alice@upstream.test',
      userId: alice.userId,
    });
    expect((await row(s.id)).secret_sealed).toBeNull(); // the verifier and nonce are gone once used
    const vault = vaultOf(rig.app.ctx);
    expect(await vault.isAllowed(alice.userId, 'upstream', server.server)).toBe(true);
    const conn = (await connectionOf(alice))!;
    expect(conn).toMatchObject({ account: 'alice@upstream.test', status: 'active' });
    expect(conn.secret_sealed).not.toContain('access_token');
    const served = await vault.credentialFor(alice.userId, 'upstream', { server: server.server });
    const me = await fetch(`${rig.upstream.issuer}/me`, { headers: { authorization: `Bearer ${served.accessToken}` } });
    expect(await me.json()).toMatchObject({ sub: 'alice', email: 'alice@upstream.test' });
    expect(await eventsOf(rig.app, alice.userId, 'vault.connected')).toHaveLength(1);

    // single use: the same callback again, and the link again
    const again = await browse(rig.app, alice, callback);
    expect(again.status).toBe(409);
    expect(text(again.html)).toContain('This connect link was already used');
    expect((await browse(rig.app, alice, `/auth/connect/${s.id}`)).status).toBe(409);
    expect(rig.upstream.tokenRequests('authorization_code')).toBe(1);
  });

  it("person B opening person A's auth_url is refused (403, audited in A's log), and nothing is connected", async () => {
    const s = await startFor(alice);
    const seen = await browse(rig.app, bob, `/auth/connect/${s.id}`);
    expect(seen.status).toBe(403);
    expect(text(seen.html)).toContain('This link is for another person');
    expect(text(seen.html)).toContain('Nothing was connected');
    expect(seen.html).toContain('ERR_VAULT_WRONG_PERSON');
    const posted = await browse(rig.app, bob, `/auth/connect/${s.id}`, { decision: 'approve' });
    expect(posted.status).toBe(403);
    expect(posted.location).toBeNull();
    expect(await row(s.id)).toMatchObject({ status: 'pending', browser_session_id: null, state_hash: null });
    expect(await connectionOf(bob)).toBeUndefined();
    const refused = await eventsOf(rig.app, alice.userId, 'vault.connect_refused');
    expect(refused.filter((e) => e.actor_id === bob.userId && e.detail.reason === 'opened by another person')).toHaveLength(2);
  });

  it('an expired link is a 410 page; an unknown one 404; the status API says expired', async () => {
    const s = await startFor(alice);
    await rig.app.ctx.db
      .updateTable('vault_connect_sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', s.id)
      .execute();
    const page = await browse(rig.app, alice, `/auth/connect/${s.id}`);
    expect(page.status).toBe(410);
    expect(text(page.html)).toContain('This connect link has expired');
    expect((await browse(rig.app, alice, `/auth/connect/${s.id}`, { decision: 'approve' })).status).toBe(410);
    expect((await connectSessionStatus(rig.app.ctx, s.id))!.status).toBe('expired');
    expect((await browse(rig.app, alice, '/auth/connect/cs_nope')).status).toBe(404);
  });

  it('sessions expired for more than a day are deleted when a new one is made', async () => {
    const old = await startFor(alice);
    await rig.app.ctx.db
      .updateTable('vault_connect_sessions')
      .set({ expires_at: Date.now() - 25 * 3600_000 })
      .where('id', '=', old.id)
      .execute();
    const recent = await startFor(alice);
    await rig.app.ctx.db
      .updateTable('vault_connect_sessions')
      .set({ expires_at: Date.now() - 3600_000 })
      .where('id', '=', recent.id)
      .execute();
    await startFor(alice);
    expect(await connectSessionStatus(rig.app.ctx, old.id)).toBeUndefined();
    expect((await connectSessionStatus(rig.app.ctx, recent.id))!.status).toBe('expired');
  });

  it('a link that expires while the person is upstream: the callback is refused (410) and nothing is stored', async () => {
    const before = await connectionOf(alice);
    const s = await startFor(alice);
    const callback = await toCallback(alice, s.id);
    await rig.app.ctx.db
      .updateTable('vault_connect_sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', s.id)
      .execute();
    expect((await browse(rig.app, alice, callback)).status).toBe(410);
    expect((await connectionOf(alice))?.updated_at).toBe(before?.updated_at);
  });

  it('state mismatch: an unknown state, a callback of another provider, another browser session or none: refused (400), and the right one still works', async () => {
    const s = await startFor(alice);
    const callback = new URL(await toCallback(alice, s.id));
    const forged = new URL(callback);
    forged.searchParams.set('state', 'not-the-state');
    const unknown = await browse(rig.app, alice, forged.pathname + forged.search);
    expect(unknown.status).toBe(400);
    expect(text(unknown.html)).toContain('This answer does not belong to this browser');
    expect(unknown.html).toContain('ERR_VAULT_STATE_MISMATCH');

    const otherProvider = `/auth/callback/github${callback.search}`;
    expect((await browse(rig.app, alice, otherProvider)).status).toBe(400);
    const secondDevice = await anotherSession(rig.app, alice.userId);
    expect((await browse(rig.app, secondDevice, callback.pathname + callback.search)).status).toBe(400);
    expect((await browse(rig.app, bob, callback.pathname + callback.search)).status).toBe(400);
    const signedOut = await browse(rig.app, undefined, callback.pathname + callback.search);
    expect(signedOut.status).toBe(400);
    expect(text(signedOut.html)).toContain('This browser is not signed in any more');
    expect((await row(s.id)).status).toBe('upstream');
    const reasons = (await eventsOf(rig.app, alice.userId, 'vault.connect_refused')).map((e) => e.detail.reason);
    expect(reasons.filter((r) => r === 'another browser session')).toHaveLength(3);
    expect(reasons).toContain('callback of another provider');

    const ok = await browse(rig.app, alice, callback.pathname + callback.search);
    expect(ok.status).toBe(303);
    expect((await row(s.id)).status).toBe('complete');
  });

  it('the person cancels at the upstream (error=access_denied): the session ends in error with that code, nothing is connected', async () => {
    const carol = await createTestUser(rig.app);
    const s = await startFor(carol);
    const callback = await toCallback(carol, s.id, { abort: true });
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const back = await browse(rig.app, carol, callback);
    expect(back.status).toBe(303);
    const list = await browse(rig.app, carol, back.location!, undefined, back.cookies);
    expect(text(list.html)).toContain('Upstream was not connected: access was denied there.');
    expect(await connectSessionStatus(rig.app.ctx, s.id)).toMatchObject({ status: 'error', error: 'access_denied' });
    expect(await connectionOf(carol)).toBeUndefined();
    expect(await vaultOf(rig.app.ctx).isAllowed(carol.userId, 'upstream', server.server)).toBe(false);
    expect((await browse(rig.app, carol, callback)).status).toBe(409); // and it stays used
  });

  it('an answer naming another issuer (RFC 9207 mix-up) ends the session in error, and the code is never exchanged', async () => {
    const frank = await createTestUser(rig.app);
    const s = await startFor(frank);
    const callback = new URL(await toCallback(frank, s.id));
    callback.searchParams.set('iss', 'https://attacker.example');
    const codes = rig.upstream.tokenRequests('authorization_code');
    const back = await browse(rig.app, frank, callback.pathname + callback.search);
    expect(back.status).toBe(303);
    const list = await browse(rig.app, frank, back.location!, undefined, back.cookies);
    expect(text(list.html)).toContain('Upstream was not connected: the answer did not come from it (RFC 9207 issuer mismatch).');
    expect(await connectSessionStatus(rig.app.ctx, s.id)).toMatchObject({ status: 'error', error: 'iss_mismatch' });
    expect(rig.upstream.tokenRequests('authorization_code')).toBe(codes);
    expect(await connectionOf(frank)).toBeUndefined();
  });

  it('Deny on the gateway page ends the session (error access_denied) without going upstream', async () => {
    const dave = await createTestUser(rig.app);
    const s = await startFor(dave);
    const denied = await browse(rig.app, dave, `/auth/connect/${s.id}`, { decision: 'deny' });
    expect(denied.status).toBe(303);
    const list = await browse(rig.app, dave, denied.location!, undefined, denied.cookies);
    expect(text(list.html)).toContain('You denied the use of your Upstream account: nothing was connected.');
    expect(await connectSessionStatus(rig.app.ctx, s.id)).toMatchObject({ status: 'error', error: 'access_denied' });
    expect((await browse(rig.app, dave, `/auth/connect/${s.id}`)).status).toBe(409);
    const noCsrf = await browse(rig.app, { cookie: dave.cookie, csrf: 'wrong' }, `/auth/connect/${(await startFor(dave)).id}`, {
      decision: 'approve',
    });
    expect(noCsrf.status).toBe(403);
  });

  it('an approval from a second device replaces the first one: the first device’s upstream answer is refused', async () => {
    const erin = await createTestUser(rig.app);
    const s = await startFor(erin);
    const first = await toCallback(erin, s.id);
    // the same browser may approve again (it came back without finishing); another device may not take it over
    const device = await anotherSession(rig.app, erin.userId);
    expect((await browse(rig.app, device, `/auth/connect/${s.id}`)).status).toBe(409);
    const second = await toCallback(erin, s.id);
    expect((await browse(rig.app, erin, first)).status).toBe(400);
    expect((await browse(rig.app, erin, second)).status).toBe(303);
  });
});

describe('connecting under a public URL with a path (/gw)', () => {
  let rig: ConnectRig;
  beforeAll(async () => {
    rig = await startConnectRig('sqlite', [], '/gw');
  });
  afterAll(() => rig?.stop());

  it('the link, its form, the redirect URI and the way back all stay under /gw', async () => {
    const user = await createTestUser(rig.app);
    const s = await createConnectSession(rig.app.ctx, { userId: user.userId, provider: 'upstream', scopes: [], apiKeyId: null });
    const origin = new URL(rig.app.url).origin;
    const page = await browse({ url: origin }, user, `/gw/auth/connect/${s.id}`);
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]+)" data-testid="connect-form"/.exec(page.html)![1];
    const posted = new URL(action, `${origin}/gw/auth/connect/${s.id}`);
    expect(posted.pathname).toBe(`/gw/auth/connect/${s.id}`);
    const approved = await browse({ url: origin }, user, posted.pathname, { decision: 'approve' });
    expect(approved.status).toBe(303);
    expect(new URL(approved.location!).searchParams.get('redirect_uri')).toBe(`${origin}/gw/auth/callback/upstream`);
    const back = await browse({ url: origin }, user, await consentUpstream(rig.upstream, approved.location!));
    expect(back.status).toBe(303);
    expect(back.location).toBe('/gw/account/connections');
    const list = await browse({ url: origin }, user, back.location!, undefined, back.cookies);
    expect(text(list.html)).toContain('Connected Upstream as alice@upstream.test.');
    expect((await connectSessionStatus(rig.app.ctx, s.id))!.status).toBe('complete');
  });
});

describe('providers that differ: plain OAuth 2.0 named by userinfo, no PKCE', () => {
  let rig: ConnectRig;
  beforeAll(async () => {
    rig = await startConnectRig('sqlite', [], '', [
      {
        id: 'plain',
        name: 'Plain',
        kind: 'oauth2',
        scopes: ['openid', 'email'],
        account: { userinfo_fields: ['email'] },
        authorize_params: {},
      },
      { id: 'nopkce', name: 'No PKCE', pkce: false },
    ]);
  });
  afterAll(() => rig?.stop());
  const connect = async (provider: string) => {
    const user = await createTestUser(rig.app);
    const s = await createConnectSession(rig.app.ctx, { userId: user.userId, provider, scopes: [], apiKeyId: null });
    const approved = await browse(rig.app, user, `/auth/connect/${s.id}`, { decision: 'approve' });
    const authorize = new URL(approved.location!);
    const back = await browse(rig.app, user, await consentUpstream(rig.upstream, authorize.href));
    expect(back.status).toBe(303);
    return {
      authorize,
      session: (await connectSessionStatus(rig.app.ctx, s.id))!,
      connection: await vaultOf(rig.app.ctx).connection(user.userId, provider),
    };
  };

  it('a plain OAuth 2.0 provider gets no nonce and its account is named from userinfo', async () => {
    const before = rig.upstream.counts.userinfo;
    const { authorize, session, connection } = await connect('plain');
    expect(authorize.searchParams.has('nonce')).toBe(false);
    expect(authorize.searchParams.has('prompt')).toBe(false);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(session).toMatchObject({ status: 'complete', account: 'alice@upstream.test' });
    expect(connection!.account).toBe('alice@upstream.test');
    expect(rig.upstream.counts.userinfo).toBe(before + 1);
  });

  it('a provider with pkce: false gets no code challenge and still connects', async () => {
    const { authorize, session } = await connect('nopkce');
    expect(authorize.searchParams.has('code_challenge')).toBe(false);
    expect(authorize.searchParams.has('nonce')).toBe(true);
    expect(session.status).toBe('complete');
  });
});

describe('what the connect flow logs', () => {
  it('at debug level: no code, state, nonce, verifier or token of the flow in any line', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const rig = await startConnectRig('sqlite', [], '', [], createLogger('debug', sink));
    try {
      const user = await createTestUser(rig.app);
      const s = await createConnectSession(rig.app.ctx, { userId: user.userId, provider: 'upstream', scopes: [], apiKeyId: null });
      const approved = await browse(rig.app, user, `/auth/connect/${s.id}`, { decision: 'approve' });
      const authorize = new URL(approved.location!);
      const callback = new URL(await consentUpstream(rig.upstream, authorize.href));
      expect((await browse(rig.app, user, callback.pathname + callback.search)).status).toBe(303);
      expect((await browse(rig.app, user, callback.pathname + callback.search)).status).toBe(409); // a refusal logs too
      const served = await vaultOf(rig.app.ctx).credentialFor(user.userId, 'upstream', { server: 'apikey:x' });
      const secrets = [
        callback.searchParams.get('code')!,
        authorize.searchParams.get('state')!,
        authorize.searchParams.get('nonce')!,
        authorize.searchParams.get('code_challenge')!,
        served.accessToken!,
      ];
      expect(lines.some((l) => l.includes('/auth/callback/upstream'))).toBe(true); // the callback's request was logged
      for (const secret of secrets) expect(lines.filter((l) => l.includes(secret))).toEqual([]);
    } finally {
      await rig.stop();
    }
  });
});
