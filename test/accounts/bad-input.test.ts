import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

const bodies: unknown[] = [
  null,
  'text',
  42,
  [],
  [1, 2],
  {},
  { response: null },
  { response: [] },
  { response: { id: 'x'.repeat(5000) } },
  { name: { a: 1 } },
  { name: 'x'.repeat(10_000) },
  { username: ['a'] },
  { email: {} },
  { phone: true },
  { wallet: 123 },
  { response: { id: 'a', type: 'public-key', response: { clientDataJSON: Buffer.from('{"challenge":{}}').toString('base64url') } } },
  // NUL bytes: PostgreSQL text refuses them, so they must be stopped before any query
  { response: { id: 'a\u0000b', type: 'public-key', response: {} } },
  { email: 'a\u0000b@example.com' },
  { username: 'a\u0000' },
  { name: 'a\u0000' },
  {
    response: { id: 'a', type: 'public-key', response: { clientDataJSON: Buffer.from('{"challenge":"a\u0000b"}').toString('base64url') } },
  },
];

describe.each(dialects)('bad input to the accounts API on %s', (dialect) => {
  let app: TestApp;
  let u: TestUser;
  beforeAll(async () => {
    app = await startTestApp(dialect);
    u = await createTestUser(app);
  });
  afterAll(() => app.stop());

  it('answers every malformed body with a 4xx and a stable code, never a 5xx', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/api/v1/signup'],
      ['POST', '/api/v1/signin'],
      ['POST', '/api/v1/signup/options'],
      ['POST', '/api/v1/signin/options'],
      ['PATCH', '/api/v1/me'],
      ['POST', '/api/v1/me/passkeys'],
      ['POST', '/api/v1/me/passkeys/options'],
      ['PATCH', '/api/v1/me/passkeys/nope'],
      ['DELETE', '/api/v1/me/passkeys/nope'],
      ['DELETE', '/api/v1/me/sessions/nope'],
      ['POST', '/api/v1/me/sessions/revoke-others'],
      ['PATCH', '/api/v1/me/passkeys/a%00b'],
      ['DELETE', '/api/v1/me/passkeys/a%00b'],
      ['DELETE', '/api/v1/me/sessions/a%00b'],
    ];
    for (const [method, path] of routes) {
      for (const body of bodies) {
        const res = await fetch(`${app.url}${path}`, {
          method,
          headers: { ...u.headers, 'content-type': 'application/json' },
          body: method === 'DELETE' ? undefined : JSON.stringify(body),
        });
        const label = `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`;
        expect(res.status, label).toBeLessThan(500);
        if (res.status >= 400) expect(typeof (await res.json()).error, label).toBe('string');
      }
    }
    const forms = [
      '/account/profile',
      '/account/passkeys/nope/rename',
      '/account/passkeys/nope/remove',
      '/account/sessions/nope/revoke',
      '/account/passkeys/a%00b/rename',
      '/account/passkeys/a%00b/remove',
      '/account/sessions/a%00b/revoke',
    ];
    for (const path of forms) {
      const res = await fetch(`${app.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: u.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: `_csrf=${encodeURIComponent(u.csrf)}&name=a%00&email=a%00b%40example.com&phone=x&wallet=y&username=${'z'.repeat(300)}`,
      });
      expect(res.status, path).toBeLessThan(500);
      // A body that is not a form (JSON true, a text/plain string): CSRF in the header, still no 500
      for (const [type, body] of [
        ['application/json', 'true'],
        ['application/json', '"name"'],
        ['text/plain', 'name=x'],
        ['text/plain', ''],
      ]) {
        const odd = await fetch(`${app.url}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { ...u.headers, 'content-type': type },
          body,
        });
        expect(odd.status, `${path} ${type} ${body}`).toBeLessThan(500);
      }
    }
    for (const q of ['?kind=nope', '?before=%00', '?before=a%00b', '?kind=a%00', '?limit=abc', '?kind[]=a']) {
      expect((await fetch(`${app.url}/api/v1/me/events${q}`, { headers: { cookie: u.cookie } })).status, q).toBeLessThan(500);
      expect((await fetch(`${app.url}/account/events${q}`, { headers: { cookie: u.cookie } })).status, q).toBeLessThan(500);
    }
  });
});
