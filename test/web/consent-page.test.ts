import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { pkce, register } from '../oauth/support/oauth-helpers.js';

describe.each(dialects)('the consent page on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  /** The consent page for a new client with these redirect URI and metadata. */
  async function consent(redirectUri: string, metadata: Record<string, unknown> = {}, scope = 'profile mcp tokens.manage', as = user) {
    const client = await register(app, {
      redirect_uris: [redirectUri],
      client_name: 'Notes app',
      token_endpoint_auth_method: 'none',
      ...metadata,
    });
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      state: 'st',
      scope,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const first = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
    const page = await fetch(new URL(first.headers.get('location')!, app.url), { headers: { cookie: as.cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    return page.text();
  }

  it('is one card without the account navigation, names the granting account with "not you?", groups scopes in plain words', async () => {
    const html = await consent('https://notes.example/cb', { client_uri: 'https://notes.example' });
    expect(html).not.toContain('aria-label="Account"');
    expect(html).toContain('data-testid="granting-account"');
    expect(html).toMatch(/data-testid="not-you"[^>]*>|href="\/logout\?return_to=%2Foauth%2Fauthorize%2Fpage%3F/);
    expect(html).toContain('href="/logout?return_to=%2Foauth%2Fauthorize%2Fpage%3F');
    const see = html.indexOf('>See<');
    const act = html.indexOf('>Act for you<');
    const manage = html.indexOf('>Change your account<');
    expect(see).toBeGreaterThan(0);
    expect(act).toBeGreaterThan(see);
    expect(manage).toBeGreaterThan(act);
    expect(html).toMatch(/Read your profile \(username, email, phone, wallet\) <code[^>]*>profile<\/code>/);
    // Self-registered: a neutral label, no alarm, when nothing else is odd.
    expect(html).toContain('data-testid="unverified"');
    expect(html).not.toContain('data-testid="consent-warning"');
  });

  it('names the granting account in human words, never by its id: username, else the passkey it signed in with', async () => {
    const granting = async (u: TestUser) =>
      /data-testid="granting-account">(.*?)<a /s.exec(await consent('https://notes.example/cb', {}, 'profile', u))![1];
    const u = await createTestUser(app);
    const bare = await granting(u);
    expect(bare).toContain('Signed in to <strong>your account</strong> (it has no username yet)');
    expect(bare).not.toContain(u.userId);
    await app.ctx.db
      .insertInto('passkeys')
      .values({
        id: `pk-${u.userId}`,
        user_id: u.userId,
        public_key: 'x',
        counter: 0,
        transports: '[]',
        device_type: 'multiDevice',
        backed_up: 1,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'iCloud Keychain',
        created_at: Date.now(),
        last_used_at: null,
      })
      .execute();
    await app.ctx.db
      .updateTable('sessions')
      .set({ passkey_id: `pk-${u.userId}` })
      .where('id', '=', u.sessionId)
      .execute();
    expect(await granting(u)).toContain('Signed in with your passkey <strong>iCloud Keychain</strong>');
    await app.ctx.db
      .updateTable('users')
      .set({ username: `robin-${dialect}` })
      .where('id', '=', u.userId)
      .execute();
    expect(await granting(u)).toContain(`Signed in as <strong>robin-${dialect}</strong>`);
  });

  it('warns when the answer goes to a host unlike the stated site, or to this computer for a client that claims a website', async () => {
    const elsewhere = await consent('https://collector.example/cb', { client_uri: 'https://notes.example' });
    expect(elsewhere).toContain('data-testid="consent-warning"');
    expect(elsewhere).toContain('says it is notes.example, but your answer goes to collector.example');
    const loopback = await consent('http://127.0.0.1:8123/cb', { client_uri: 'https://notes.example' });
    expect(loopback).toContain('but your answer goes to a program on this computer');
    // A local program that claims no website is only told apart, not alarmed about.
    const cli = await consent('http://127.0.0.1:8123/cb');
    expect(cli).not.toContain('data-testid="consent-warning"');
    expect(cli).toContain('runs on your computer');
    // A subdomain of the stated site is the same site.
    expect(await consent('https://app.notes.example/cb', { client_uri: 'https://notes.example' })).not.toContain(
      'data-testid="consent-warning"',
    );
  });

  it('"not you?" signs out through the confirmation and comes back to the request after signing in', async () => {
    const u = await createTestUser(app);
    const back = '/oauth/authorize/page?client_id=x';
    const ask = await fetch(`${app.url}/logout?return_to=${encodeURIComponent(back)}`, { headers: { cookie: u.cookie } });
    const html = await ask.text();
    expect(html).toContain(`name="return_to" value="${back.replace('&', '&amp;')}"`);
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } })).status).toBe(200);
    const out = await fetch(`${app.url}/logout`, {
      method: 'POST',
      headers: { cookie: u.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: u.csrf, return_to: back }),
      redirect: 'manual',
    });
    expect(out.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent(back)}`);
    // An offsite return_to is never followed.
    const offsite = await fetch(`${app.url}/logout?return_to=${encodeURIComponent('//evil.example/')}`, { redirect: 'manual' });
    expect(offsite.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent('/account')}`);
  });

  it('the sign-in page keeps a pending flow on its link to sign-up, and back', async () => {
    const back = '/oauth/authorize/page?client_id=x&state=s';
    const login = await (await fetch(`${app.url}/login?return_to=${encodeURIComponent(back)}`)).text();
    expect(login).toContain(`href="/signup?return_to=${encodeURIComponent(back)}"`);
    // Naming the waiting app: test/web/sign-in-names-app.test.ts.
    const signup = await (await fetch(`${app.url}/signup?return_to=${encodeURIComponent(back)}`)).text();
    expect(signup).toContain(`href="/login?return_to=${encodeURIComponent(back)}"`);
  });
});
