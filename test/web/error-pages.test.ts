import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';

const html = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe.each(dialects)('error pages for people on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers, redirect: 'manual' });
  const form = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { accept: html, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  it('answers a browser with a page in the layout (404, a wrong case or trailing slash names the page meant); JSON stays for the API, OAuth and JSON clients', async () => {
    const missing = await get('/no-such-page', { accept: html });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await missing.text();
    expect(text).toContain('Page not found');
    expect(text).toContain('href="/docs"');
    expect(text).not.toContain('ERR_ROUTE_NOT_FOUND"}');

    for (const typo of ['/Account/Tokens', '/account/tokens/', '/LOGIN/']) {
      const res = await get(typo, { accept: html });
      expect(res.status).toBe(404);
      const body = await res.text();
      expect(body).toMatch(/Did you mean \/(account\/tokens|login)\?/);
      expect(body).toMatch(/data-testid="error-next"[^>]*>|href="\/(account\/tokens|login)"/);
    }

    for (const [path, headers] of [
      ['/api/v1/no-such', { accept: html }],
      ['/no-such-page', { accept: 'application/json' }],
      ['/no-such-page', {}],
    ] as const) {
      const res = await get(path, headers);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'ERR_ROUTE_NOT_FOUND' });
    }
    // An OAuth endpoint keeps RFC 6749's JSON even for a browser.
    const token = await form('/token', { grant_type: 'nope' });
    expect(token.headers.get('content-type')).toMatch(/json/);
    expect((await token.json()).error).toBeTypeOf('string');
  });

  it('a thing that is gone (a revoked token, a removed passkey) is a page naming it, with the way back', async () => {
    const u = await createTestUser(app);
    const res = await get('/account/tokens/tok_gone/revoke', { cookie: u.cookie, accept: html });
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toContain('No such live token on your account.');
    expect(body).toMatch(/<a href="\/account\/tokens" role="button" data-testid="error-next">Go back<\/a>/);
    const passkey = await get('/account/passkeys/pk_gone/remove', { cookie: u.cookie, accept: html });
    expect(passkey.status).toBe(404);
    expect(await passkey.text()).toContain('No such passkey on your account.');
  });

  it('a stale CSRF token on a form is a page that leads back to the form, and changes nothing', async () => {
    const u = await createTestUser(app);
    const res = await form('/account/profile', { _csrf: 'stale', username: 'mallory' }, { cookie: u.cookie });
    expect(res.status).toBe(403);
    const body = await res.text();
    expect(body).toContain('This form has expired');
    expect(body).toContain('href="/account"');
    const me = await (await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } })).json();
    expect(me.username ?? null).not.toBe('mallory');
    expect(JSON.stringify(me)).not.toContain('mallory');
  });

  it('a form posted after the session ended leads to sign-in and back to that form', async () => {
    const profile = await form('/account/profile', { _csrf: 'x', username: 'a' });
    expect(profile.status).toBe(303);
    expect(profile.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent('/account')}`);
    const token = await form('/account/tokens', { _csrf: 'x', name: 'n' });
    expect(token.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent('/account/tokens')}`);
    const page = await get('/account/sessions', { accept: html });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent('/account/sessions')}`);
  });

  it('GET /logout asks and signs nobody out; the button posts with CSRF; a POST without it is refused', async () => {
    const u = await createTestUser(app);
    const ask = await get('/logout', { cookie: u.cookie, accept: html });
    expect(ask.status).toBe(200);
    const body = await ask.text();
    expect(body).toMatch(/<form method="post" action="\/logout"/);
    expect(body).toContain(`value="${u.csrf}"`);
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } })).status).toBe(200);

    const forged = await form('/logout', {}, { cookie: u.cookie });
    expect(forged.status).toBe(403);
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } })).status).toBe(200);

    const out = await form('/logout', { _csrf: u.csrf }, { cookie: u.cookie });
    expect(out.status).toBe(303);
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } })).status).toBe(401);
    expect((await get('/logout', { accept: html })).headers.get('location')).toBe('/login');
  });
});
