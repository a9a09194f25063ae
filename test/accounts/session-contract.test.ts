import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';

describe.each(dialects)('session contract on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it('accepts the session cookie on /api/v1/me', async () => {
    const u = await createTestUser(app);
    const viaCookie = await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } });
    expect(viaCookie.status).toBe(200);
    expect((await viaCookie.json()).id).toBe(u.userId);
  });

  it('refuses the session JWT as a bearer (it would skip CSRF and scopes) with 401 invalid_token, on a GET and a POST', async () => {
    const u = await createTestUser(app);
    const phone = await createTestUser(app); // a second person, to show nothing of theirs changes either
    const asBearer = { authorization: `Bearer ${u.token}` };
    const read = await fetch(`${app.url}/api/v1/me`, { headers: asBearer });
    expect(read.status).toBe(401);
    expect(await read.json()).toEqual({ error: 'invalid_token', error_description: 'a session token is not accepted here' });
    expect(read.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const write = await fetch(`${app.url}/api/v1/me`, {
      method: 'PATCH',
      headers: { ...asBearer, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mallory' }),
    });
    expect(write.status).toBe(401);
    expect((await write.json()).error).toBe('invalid_token');
    const post = await fetch(`${app.url}/api/v1/me/sessions/revoke-others`, { method: 'POST', headers: asBearer });
    expect(post.status).toBe(401);
    expect((await post.json()).error).toBe('invalid_token');
    // the same session JWT beside its cookie does not get in either: the Authorization header is what is judged
    const both = await fetch(`${app.url}/api/v1/me/sessions/revoke-others`, { method: 'POST', headers: { ...asBearer, cookie: u.cookie } });
    expect(both.status).toBe(401);
    const me = await (await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } })).json();
    expect(me.username).toBeNull();
    expect((await fetch(`${app.url}/api/v1/me`, { headers: { cookie: phone.cookie } })).status).toBe(200);
  });

  it('answers an unauthenticated API call with 401 invalid_token and resource metadata', async () => {
    const res = await fetch(`${app.url}/api/v1/me`);
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe('invalid_token');
    expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${app.url}/.well-known/oauth-protected-resource"`);
  });

  it('redirects an unauthenticated page to /login with return_to', async () => {
    const res = await fetch(`${app.url}/account?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/login?return_to=${encodeURIComponent('/account?x=1')}`);
  });

  it('serves the bundled script and Pico CSS under the CSP', async () => {
    const js = await fetch(`${app.url}/static/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    const css = await fetch(`${app.url}/static/pico.min.css`);
    expect(css.status).toBe(200);
    const login = await fetch(`${app.url}/login`);
    const html = await login.text();
    expect(html).toContain('<script type="module" src="/static/app.js">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(login.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('signs out only with the CSRF token, and the session is refused on the next request', async () => {
    const u = await createTestUser(app);
    const bad = await fetch(`${app.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: u.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '_csrf=nope',
    });
    expect(bad.status).toBe(403);
    expect((await bad.json()).error).toBe('ERR_ACCOUNTS_CSRF');
    const ok = await fetch(`${app.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: u.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${u.csrf}`,
    });
    expect(ok.status).toBe(303);
    const after = await fetch(`${app.url}/api/v1/me`, { headers: { cookie: u.cookie } });
    expect(after.status).toBe(401);
  });
});

describe('session cookie over https', () => {
  it('is Secure with the __Host- prefix, and HSTS is sent, when the public URL is https', async () => {
    const app = await startTestApp('sqlite', { publicUrl: 'https://gateway.example' });
    try {
      const u = await createTestUser(app);
      const short = app.ctx.tokens.issueSession({ userId: u.userId, sessionId: u.sessionId, ttl: 60 });
      const res = await fetch(`http://127.0.0.1:${app.config.port}/api/v1/me`, {
        headers: { cookie: `__Host-oauth3_session=${short.token}` },
      });
      expect(res.status).toBe(200);
      const renewed = res.headers.getSetCookie().find((c) => c.startsWith('__Host-oauth3_session='));
      expect(renewed).toMatch(/; Secure/);
      expect(renewed).toMatch(/; Path=\//);
      expect(renewed).not.toMatch(/Domain=/i);
      // the unprefixed name (which a sibling subdomain could set) is not read over https
      const planted = await fetch(`http://127.0.0.1:${app.config.port}/api/v1/me`, {
        headers: { cookie: `oauth3_session=${short.token}` },
      });
      expect(planted.status).toBe(401);
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
    } finally {
      await app.stop();
    }
  });

  it('gives an anonymous CSRF cookie to page loads only', async () => {
    const app = await startTestApp('sqlite');
    try {
      const page = await fetch(`${app.url}/login`, { headers: { accept: 'text/html' } });
      expect(page.headers.getSetCookie().some((c) => c.startsWith('oauth3_anon=') && /HttpOnly/i.test(c) && /SameSite=Lax/i.test(c))).toBe(
        true,
      );
      const jwks = await fetch(`${app.url}/jwks.json`);
      expect(jwks.headers.getSetCookie()).toEqual([]);
    } finally {
      await app.stop();
    }
  });
});

describe('return_to after sign-in', () => {
  it('keeps same-origin paths only', async () => {
    const { safeReturnTo } = await import('../../src/accounts/index.js');
    expect(safeReturnTo('/oauth/authorize?client_id=a&x=%2F')).toBe('/oauth/authorize?client_id=a&x=%2F');
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/a b', undefined, 5]) {
      expect(safeReturnTo(bad)).toBe('/account');
    }
  });

  it('a return_to with a control or non-ASCII character is /account, never a 500 (it goes into a Location header)', async () => {
    const app = await startTestApp('sqlite');
    try {
      const u = await createTestUser(app);
      for (const rt of ['/%01x', '/%7F', '/%E4%BD%A0', '/a%0Bb']) {
        const res = await fetch(`${app.url}/login?return_to=${rt}`, { headers: { cookie: u.cookie }, redirect: 'manual' });
        expect(res.status, rt).toBe(302);
        expect(res.headers.get('location'), rt).toBe('/account');
      }
    } finally {
      await app.stop();
    }
  });
});
