import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';

describe.each(dialects)('secrets shown once through the one-time flash on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it('opens only for its session and its page, once; never in the URL; a tampered cookie shows nothing', async () => {
    const alice = await createTestUser(app);
    const mallory = await createTestUser(app);
    const res = await fetch(`${app.url}/account/tokens`, {
      method: 'POST',
      headers: { cookie: alice.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([
        ['_csrf', alice.csrf],
        ['name', 'flash check'],
        ['scopes', 'mcp'],
      ]),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/tokens');
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('oauth3_flash='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/Max-Age=60/);
    expect(setCookie).not.toMatch(/o3p_/);
    const flash = setCookie.split(';')[0];
    const view = async (cookie: string, path = '/account/tokens') => {
      const r = await fetch(`${app.url}${path}`, { headers: { cookie: `${cookie}; ${flash}` } });
      expect(r.status).toBe(200);
      return /data-testid="shown-token">(o3p_[0-9A-Za-z]+)</.exec(await r.text())?.[1];
    };
    expect(await view(mallory.cookie)).toBeUndefined(); // another session: the cookie does not open
    expect(await view(alice.cookie, '/account/apps')).toBeUndefined(); // another page
    const token = await view(alice.cookie);
    expect(token).toMatch(/^o3p_/);
    expect(await view(alice.cookie)).toBeUndefined(); // a replayed copy of the cookie shows nothing
    const tampered = flash.slice(0, -3) + (flash.endsWith('A') ? 'BBB' : 'AAA');
    const r = await fetch(`${app.url}/account/tokens`, { headers: { cookie: `${alice.cookie}; ${tampered}` } });
    expect(r.status).toBe(200);
    expect(await r.text()).not.toContain('data-testid="shown-token"');
  });
});
