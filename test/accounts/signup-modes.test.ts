import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { loadGateway } from '../../src/server/index.js';
import { inviteToSignUp } from '../../src/accounts/index.js';
import { startBanner, startNotice } from '../../src/server/start-notice.js';
import { CeremonyClient } from './ceremony-client.js';
import { SoftAuthenticator } from './soft-authenticator.js';

/** A browser that opened an invite link: the gateway keeps the invitation in a cookie and sends it back to /signup. */
async function openInvite(app: TestApp, link: string): Promise<{ client: CeremonyClient; res: Response }> {
  const client = new CeremonyClient(app.url);
  const res = await client.page(new URL(link).pathname + new URL(link).search);
  return { client, res };
}

/** The sign-up API's answer for a browser without a passkey prompt (options only). */
async function signupOptions(client: CeremonyClient) {
  await client.page('/signup');
  return client.send('POST', '/api/v1/signup/options', {});
}

const users = async (app: TestApp) => (await app.ctx.db.selectFrom('users').select('id').execute()).length;

describe.each(dialects)('OAUTH3_SIGNUP on %s', (dialect) => {
  describe('invite', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(dialect, { signup: 'invite' });
    });
    afterAll(() => app?.stop());

    it('the start notice tells the operator that the first account needs `oauth3 invite`', async () => {
      const notice = await startNotice(app.ctx, app.url);
      expect([notice.firstRun, notice.signup]).toEqual([true, 'invite']);
      expect(startBanner(notice)[1]).toBe(`  open        ${app.url}/signup   (no account yet: \`oauth3 invite\` prints a sign-up link)`);
    });

    it('without an invitation: /signup says one is needed (a page, not JSON) and the API refuses', async () => {
      const client = new CeremonyClient(app.url);
      const page = await client.page('/signup');
      expect(page.status).toBe(403);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('needs an invitation');
      const r = await client.send('POST', '/api/v1/signup/options', {});
      expect([r.status, r.json.error]).toEqual([403, 'ERR_ACCOUNTS_SIGNUP_INVITE_REQUIRED']);
      const forged = await client.send('POST', '/api/v1/signup/options', { invite_token: 'o3i_forged' });
      expect([forged.status, forged.json.error]).toEqual([403, 'ERR_ACCOUNTS_SIGNUP_INVITE_INVALID']);
    });

    it('an invite link signs up once; a failed ceremony does not spend it; a replay is refused', async () => {
      const { link } = await inviteToSignUp(app.ctx, { ttlMs: 3_600_000 });
      const { client, res } = await openInvite(app, link);
      expect([res.status, res.headers.get('location')]).toEqual([303, '/signup?return_to=%2Faccount']); // the token leaves the address bar

      // A ceremony that fails (wrong origin) leaves the invitation usable.
      await client.page('/signup');
      const options = (await client.send('POST', '/api/v1/signup/options', {})).json;
      const bad = await client.send('POST', '/api/v1/signup', {
        response: new SoftAuthenticator(app.url).create(options, { origin: 'https://evil.example' }),
      });
      expect(bad.status).toBe(401);
      const before = await users(app);
      const { userId } = await client.signUp();
      expect(await users(app)).toBe(before + 1);
      const row = await app.ctx.db.selectFrom('account_invites').selectAll().executeTakeFirstOrThrow();
      expect(row.used_by).toBe(userId);
      expect(JSON.stringify(row)).not.toContain(new URL(link).searchParams.get('invite_token')); // stored hashed

      // The attack: the same link again, in another browser, and the token straight to the API.
      const replay = await openInvite(app, link);
      expect(replay.res.status).toBe(403);
      expect(await replay.res.text()).toContain('expired or was already used');
      const direct = new CeremonyClient(app.url);
      await direct.page('/login');
      const r = await direct.send('POST', '/api/v1/signup/options', { invite_token: new URL(link).searchParams.get('invite_token') });
      expect([r.status, r.json.error]).toEqual([403, 'ERR_ACCOUNTS_SIGNUP_INVITE_INVALID']);
    });

    it('an expired invitation is refused', async () => {
      const { link } = await inviteToSignUp(app.ctx, { ttlMs: 1 });
      await new Promise((r) => setTimeout(r, 10));
      const { res, client } = await openInvite(app, link);
      expect(res.status).toBe(403);
      const r = await client.send('POST', '/api/v1/signup/options', { invite_token: new URL(link).searchParams.get('invite_token') });
      expect(r.json.error).toBe('ERR_ACCOUNTS_SIGNUP_INVITE_INVALID');
    });
  });

  describe('closed', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(dialect, { signup: 'closed' });
    });
    afterAll(() => app?.stop());

    it('nobody signs up, except the first account with an invitation from the CLI', async () => {
      const anyone = await signupOptions(new CeremonyClient(app.url));
      expect([anyone.status, anyone.json.error]).toEqual([403, 'ERR_ACCOUNTS_SIGNUP_INVITE_REQUIRED']);
      const { link } = await inviteToSignUp(app.ctx, { ttlMs: 3_600_000 });
      const second = await inviteToSignUp(app.ctx, { ttlMs: 3_600_000 }); // made while there is no account yet
      await (await openInvite(app, link)).client.signUp();
      expect(await users(app)).toBe(1);

      await expect(inviteToSignUp(app.ctx, { ttlMs: 3_600_000 })).rejects.toThrow('Sign-up is closed and an account exists');
      const late = await openInvite(app, second.link);
      expect(late.res.status).toBe(403);
      expect(await late.res.text()).toContain('Sign-up is closed on this gateway.');
      const r = await late.client.send('POST', '/api/v1/signup/options', {
        invite_token: new URL(second.link).searchParams.get('invite_token'),
      });
      expect([r.status, r.json.error]).toEqual([403, 'ERR_ACCOUNTS_SIGNUP_CLOSED']);
      expect(await users(app)).toBe(1);
    });
  });

  describe('open', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(dialect, { signup: 'open' });
    });
    afterAll(() => app?.stop());

    it('anyone signs up without an invitation', async () => {
      const { userId } = await new CeremonyClient(app.url).signUp();
      expect(userId).toMatch(/^usr_/);
    });
  });
});

describe('the default of OAUTH3_SIGNUP', () => {
  it('is open on a loopback public URL and invite on any other', async () => {
    const signup = async (publicUrl: string) => (await loadGateway({ OAUTH3_PUBLIC_URL: publicUrl })).config.signup;
    expect(await signup('http://localhost:8000')).toBe('open');
    expect(await signup('http://127.0.0.1:8000')).toBe('open');
    expect(await signup('http://[::1]:8000')).toBe('open');
    expect(await signup('https://auth.example.com')).toBe('invite');
    expect(await signup('http://192.168.1.10:8000')).toBe('invite');
    expect((await loadGateway({})).config.signup).toBe('open'); // the first run: http://localhost:8000
    expect((await loadGateway({ OAUTH3_PUBLIC_URL: 'https://auth.example.com', OAUTH3_SIGNUP: 'open' })).config.signup).toBe('open');
  });
});
