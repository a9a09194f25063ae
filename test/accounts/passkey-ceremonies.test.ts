import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { CeremonyClient } from './ceremony-client.js';
import { SoftAuthenticator } from './soft-authenticator.js';
import { createTestUser } from '../support/test-user.js';
import { codeFor, exchange, publicClient } from '../oauth/support/oauth-helpers.js';

describe.each(dialects)('passkey ceremonies on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  /** Audit rows of an action (after flushing the batched ones). */
  async function audited(action: string, userId?: string | null) {
    await app.ctx.audit.flush();
    let q = app.ctx.db.selectFrom('audit_events').selectAll().where('action', '=', action);
    if (userId !== undefined) q = userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
    return q.orderBy('id').execute();
  }

  it('signs up without a username and signs in with the discoverable passkey', async () => {
    const c = new CeremonyClient(app.url);
    const { authenticator, userId } = await c.signUp();
    expect(c.cookies.get('oauth3_session')).toBeTruthy();
    const me = await c.send('GET', '/api/v1/me');
    expect(me.json).toMatchObject({ id: userId, username: null });
    const passkeys = (await c.send('GET', '/api/v1/me/passkeys')).json;
    expect(passkeys).toHaveLength(1);
    expect(passkeys[0]).toMatchObject({
      id: authenticator.id,
      name: 'Passkey',
      transports: ['internal'],
      backedUp: false,
      deviceType: 'singleDevice',
      lastUsedAt: null,
    });

    const c2 = new CeremonyClient(app.url);
    const r = await c2.signIn(authenticator);
    expect(r.status).toBe(200);
    expect(r.json.userId).toBe(userId);
    expect((await c2.send('GET', '/api/v1/me/passkeys')).json[0].lastUsedAt).toBeGreaterThan(0);
    expect(await audited('account.signed_up', userId)).toHaveLength(1);
    expect((await audited('account.signed_in', userId)).map((e) => e.result)).toEqual(['success']);
  });

  it('refuses a replayed registration and a replayed sign-in (challenges are single-use), and audits both', async () => {
    const c = new CeremonyClient(app.url);
    await c.page('/signup');
    const authenticator = new SoftAuthenticator(app.url);
    const options = (await c.send('POST', '/api/v1/signup/options', {})).json;
    const response = authenticator.create(options);
    expect((await c.send('POST', '/api/v1/signup', { response })).status).toBe(200);
    const attacker = new CeremonyClient(app.url);
    await attacker.page('/signup');
    const replay = await attacker.send('POST', '/api/v1/signup', { response });
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe('ERR_ACCOUNTS_WEBAUTHN_CHALLENGE');
    expect(
      (await audited('account.signed_up', null)).some((e) => e.result === 'failure' && e.detail.includes('expired or was already used')),
    ).toBe(true);

    const s = new CeremonyClient(app.url);
    await s.page('/login');
    const signinOptions = (await s.send('POST', '/api/v1/signin/options', {})).json;
    const assertion = authenticator.get(signinOptions);
    expect((await s.send('POST', '/api/v1/signin', { response: assertion })).status).toBe(200);
    const replayer = new CeremonyClient(app.url);
    await replayer.page('/login');
    const again = await replayer.send('POST', '/api/v1/signin', { response: assertion });
    expect(again.status).toBe(400);
    expect(again.json).toEqual({
      error: 'ERR_ACCOUNTS_WEBAUTHN_CHALLENGE',
      message: 'The passkey challenge expired or was already used; start again.',
    });
    const userId = (await app.ctx.db.selectFrom('passkeys').select('user_id').where('id', '=', authenticator.id).executeTakeFirstOrThrow())
      .user_id;
    expect((await audited('account.signed_in', userId)).filter((e) => e.result === 'failure')).toHaveLength(1);
  });

  it('refuses an expired challenge (5 minutes), audited in the account log', async () => {
    const { authenticator, userId } = await new CeremonyClient(app.url).signUp();
    const c = new CeremonyClient(app.url);
    await c.page('/login');
    const options = (await c.send('POST', '/api/v1/signin/options', {})).json;
    await app.ctx.db
      .updateTable('webauthn_challenges')
      .set({ expires_at: Date.now() - 1 })
      .where('challenge', '=', options.challenge)
      .execute();
    const r = await c.send('POST', '/api/v1/signin', { response: authenticator.get(options) });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('ERR_ACCOUNTS_WEBAUTHN_CHALLENGE');
    expect(c.cookies.has('oauth3_session')).toBe(false);
    const stored = await app.ctx.db.selectFrom('webauthn_challenges').selectAll().where('challenge', '=', options.challenge).execute();
    expect(stored).toHaveLength(0);
    const failures = (await audited('account.signed_in', userId)).filter((e) => e.result === 'failure');
    expect(failures.map((e) => JSON.parse(e.detail))).toEqual([
      { reason: 'The passkey challenge expired or was already used; start again.', error: 'ERR_ACCOUNTS_WEBAUTHN_CHALLENGE' },
    ]);
  });

  it('refuses an assertion for an unknown credential, audited without an account', async () => {
    const stranger = new SoftAuthenticator(app.url);
    stranger.rpId = 'localhost';
    stranger.userHandle = 'nobody';
    const before = (await audited('account.signed_in', null)).length;
    const r = await new CeremonyClient(app.url).signIn(stranger);
    expect(r.status).toBe(401);
    expect(r.json.error).toBe('ERR_ACCOUNTS_PASSKEY_UNKNOWN');
    const after = await audited('account.signed_in', null);
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)!.result).toBe('failure');
  });

  it('refuses a wrong origin and a wrong RP ID, in sign-in and sign-up, audited in the account log', async () => {
    const { authenticator, userId } = await new CeremonyClient(app.url).signUp();
    const evilOrigin = await new CeremonyClient(app.url).signIn(authenticator, { origin: 'https://evil.example' });
    expect(evilOrigin.status).toBe(401);
    expect(evilOrigin.json.error).toBe('ERR_ACCOUNTS_WEBAUTHN_FAILED');
    expect(evilOrigin.json.message).toMatch(/origin/i);
    const evilRp = await new CeremonyClient(app.url).signIn(authenticator, { rpId: 'evil.example' });
    expect(evilRp.status).toBe(401);
    expect(evilRp.json.message).toMatch(/RP ID/i);
    const failures = (await audited('account.signed_in', userId)).filter((e) => e.result === 'failure');
    expect(failures).toHaveLength(2);

    const c = new CeremonyClient(app.url);
    await c.page('/signup');
    const options = (await c.send('POST', '/api/v1/signup/options', {})).json;
    const r = await c.send('POST', '/api/v1/signup', {
      response: new SoftAuthenticator(app.url).create(options, { origin: 'http://localhost:1' }),
    });
    expect(r.status).toBe(401);
    expect(r.json.error).toBe('ERR_ACCOUNTS_WEBAUTHN_FAILED');
    await c.page('/signup');
    const options2 = (await c.send('POST', '/api/v1/signup/options', {})).json;
    const wrongRp = await c.send('POST', '/api/v1/signup', {
      response: new SoftAuthenticator(app.url).create(options2, { rpId: 'evil.example' }),
    });
    expect(wrongRp.status).toBe(401);
    expect(wrongRp.json.message).toMatch(/RP ID/i);
    const signUpFailures = (await audited('account.signed_up', null))
      .filter((e) => e.result === 'failure')
      .map((e) => JSON.parse(e.detail).reason);
    expect(signUpFailures.some((r) => /origin/i.test(r))).toBe(true);
    expect(signUpFailures.some((r) => /RP ID/i.test(r))).toBe(true);
    expect(
      await app.ctx.db.selectFrom('users').select('id').where('webauthn_user_id', 'in', [options.user.id, options2.user.id]).execute(),
    ).toEqual([]); // no account made
  });

  it('accepts origins listed in extraOrigins', async () => {
    const other = await startTestApp(dialect, { extraOrigins: ['https://app.example.com'] });
    try {
      const { authenticator } = await new CeremonyClient(other.url).signUp();
      const r = await new CeremonyClient(other.url).signIn(authenticator, { origin: 'https://app.example.com' });
      expect(r.status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  it('refuses a signature counter that does not grow (cloned authenticator)', async () => {
    const { authenticator, userId } = await new CeremonyClient(app.url).signUp();
    expect((await new CeremonyClient(app.url).signIn(authenticator, { counter: 5 })).status).toBe(200);
    const lower = await new CeremonyClient(app.url).signIn(authenticator, { counter: 3 });
    expect(lower.status).toBe(401);
    expect(lower.json.message).toMatch(/counter/i);
    const same = await new CeremonyClient(app.url).signIn(authenticator, { counter: 5 });
    expect(same.status).toBe(401);
    expect((await new CeremonyClient(app.url).signIn(authenticator, { counter: 6 })).status).toBe(200);
    const failures = (await audited('account.signed_in', userId)).filter((e) => e.result === 'failure');
    expect(failures.map((e) => JSON.parse(e.detail).reason)).toEqual([expect.stringMatching(/counter/), expect.stringMatching(/counter/)]);
  });

  it('adds, renames and removes passkeys through the API, never the last one', async () => {
    const c = new CeremonyClient(app.url);
    const { authenticator, userId } = await c.signUp();
    const second = new SoftAuthenticator(app.url);
    const options = (await c.send('POST', '/api/v1/me/passkeys/options', {})).json;
    expect(options.excludeCredentials.map((x: { id: string }) => x.id)).toEqual([authenticator.id]);
    expect(options.user.id).toBe(authenticator.userHandle);
    const added = await c.send('POST', '/api/v1/me/passkeys', { response: second.create(options), name: 'Backup key' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ id: second.id, name: 'Backup key' });
    expect((await c.send('PATCH', `/api/v1/me/passkeys/${encodeURIComponent(authenticator.id)}`, { name: 'Laptop' })).status).toBe(204);
    expect((await c.send('PATCH', `/api/v1/me/passkeys/${encodeURIComponent(authenticator.id)}`, { name: '  ' })).status).toBe(400);
    expect((await c.send('DELETE', `/api/v1/me/passkeys/${encodeURIComponent(authenticator.id)}`)).status).toBe(204);
    const last = await c.send('DELETE', `/api/v1/me/passkeys/${encodeURIComponent(second.id)}`);
    expect(last.status).toBe(409);
    expect(last.json.error).toBe('ERR_ACCOUNTS_LAST_PASSKEY');
    expect((await c.send('GET', '/api/v1/me/passkeys')).json.map((p: { name: string }) => p.name)).toEqual(['Backup key']);
    // the second passkey signs in; the removed one no longer does
    expect((await new CeremonyClient(app.url).signIn(second)).json.userId).toBe(userId);
    expect((await new CeremonyClient(app.url).signIn(authenticator)).json.error).toBe('ERR_ACCOUNTS_PASSKEY_UNKNOWN');
    const renamed = await audited('passkey.renamed', userId);
    expect(JSON.parse(renamed[0].detail)).toEqual({ from: 'Passkey', to: 'Laptop' });
    expect(await audited('passkey.removed', userId)).toHaveLength(1);
    expect(await audited('passkey.added', userId)).toHaveLength(2);
  });

  it('will not add a passkey with a bearer token: an OAuth grant (or delegation) with profile.write would become the person for good', async () => {
    const victim = await createTestUser(app);
    const cb = 'https://app.example/cb';
    const client = await publicClient(app, cb);
    const { code, verifier } = await codeFor(app, victim, client.client_id, cb, { scope: 'profile.write' });
    const token = (await exchange(app, client.client_id, code, verifier, cb)).body.access_token;
    const bearer = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const options = await fetch(`${app.url}/api/v1/me/passkeys/options`, { method: 'POST', headers: bearer, body: '{}' });
    expect(options.status).toBe(403);
    const attacker = new SoftAuthenticator(app.url);
    const finish = await fetch(`${app.url}/api/v1/me/passkeys`, {
      method: 'POST',
      headers: bearer,
      body: JSON.stringify({ response: { id: attacker.id, type: 'public-key', response: {} } }),
    });
    expect(finish.status).toBe(403);
    expect(await app.ctx.db.selectFrom('passkeys').select('id').where('user_id', '=', victim.userId).execute()).toHaveLength(0);
    // the same token still does what profile.write is for
    expect(
      (await fetch(`${app.url}/api/v1/me`, { method: 'PATCH', headers: bearer, body: JSON.stringify({ username: 'still-mine' }) })).status,
    ).toBe(200);
  });

  it('will not add a passkey with a challenge issued to another account', async () => {
    const a = new CeremonyClient(app.url);
    await a.signUp();
    const b = new CeremonyClient(app.url);
    await b.signUp();
    const optionsForA = (await a.send('POST', '/api/v1/me/passkeys/options', {})).json;
    const r = await b.send('POST', '/api/v1/me/passkeys', { response: new SoftAuthenticator(app.url).create(optionsForA) });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe('ERR_ACCOUNTS_WEBAUTHN_CHALLENGE');
  });

  it('refuses registering one credential twice, even in two simultaneous sign-ups', async () => {
    const authenticator = new SoftAuthenticator(app.url);
    const [c1, c2] = [new CeremonyClient(app.url), new CeremonyClient(app.url)];
    await Promise.all([c1.page('/signup'), c2.page('/signup')]);
    const [o1, o2] = await Promise.all([c1, c2].map(async (c) => (await c.send('POST', '/api/v1/signup/options', {})).json));
    const results = await Promise.all([
      c1.send('POST', '/api/v1/signup', { response: authenticator.create(o1) }),
      c2.send('POST', '/api/v1/signup', { response: authenticator.create(o2) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(results.find((r) => r.status === 409)!.json.error).toBe('ERR_ACCOUNTS_PASSKEY_EXISTS');
    expect(await app.ctx.db.selectFrom('passkeys').select('id').where('id', '=', authenticator.id).execute()).toHaveLength(1);
  });

  it('keeps only known transports from what the client reports', async () => {
    const c = new CeremonyClient(app.url);
    await c.page('/signup');
    const options = (await c.send('POST', '/api/v1/signup/options', {})).json;
    const response = new SoftAuthenticator(app.url).create(options);
    (response.response as { transports: unknown }).transports = ['usb', '<script>', 5, 'usb', 'hybrid'];
    expect((await c.send('POST', '/api/v1/signup', { response })).status).toBe(200);
    await c.page('/account');
    expect((await c.send('GET', '/api/v1/me/passkeys')).json[0].transports).toEqual(['usb', 'hybrid']);
    expect((await c.page('/account/passkeys')).status).toBe(200);
  });

  it('answers malformed ceremony bodies with 4xx, never 5xx', async () => {
    const c = new CeremonyClient(app.url);
    await c.page('/login');
    for (const body of [
      {},
      { response: {} },
      { response: { id: 'x', type: 'public-key', response: { clientDataJSON: '!!' } } },
      { response: 'x' },
    ]) {
      const r = await c.send('POST', '/api/v1/signin', body);
      expect(r.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(r.status, JSON.stringify(body)).toBeLessThan(500);
    }
  });
});
