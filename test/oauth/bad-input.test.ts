import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Malformed requests to every OAuth endpoint get a 4xx with an RFC error, never a 5xx, and echo no secret. */
describe('bad input never causes a 5xx', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
  });
  afterAll(() => app.stop());

  const cases: Array<[string, string, RequestInit]> = [
    ['token: no body', '/token', { method: 'POST' }],
    ['token: JSON', '/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":1}' }],
    [
      'token: broken form',
      '/token',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%ZZ=%&&&=' },
    ],
    [
      'token: bad basic',
      '/token',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic !!!' },
        body: 'grant_type=client_credentials',
      },
    ],
    [
      'token: basic without colon',
      '/token',
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('nocolon').toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      },
    ],
    [
      'token: huge client_id',
      '/token',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=authorization_code&client_id=${'x'.repeat(5000)}&code=a&code_verifier=b&redirect_uri=c`,
      },
    ],
    [
      'token: bad resource',
      '/token',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=x&resource=javascript:alert(1)',
      },
    ],
    ['revoke: nothing', '/revoke', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }],
    [
      'introspect: nothing',
      '/introspect',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=x' },
    ],
    ['register: array', '/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' }],
    [
      'register: wrong types',
      '/register',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"redirect_uris":[1,{}],"client_name":{}}' },
    ],
    ['authorize: nothing', '/authorize', {}],
    ['authorize: repeated client_id', '/authorize?client_id=a&client_id=b', {}],
    ['authorize: url client_id of nowhere', '/authorize?client_id=https%3A%2F%2Fno-such-host.invalid%2Fc.json&response_type=code', {}],
    ['page: signed out', '/oauth/authorize/page?client_id=zzz', {}],
    [
      'approve: no session',
      '/oauth/authorize/approve',
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'client_id=x' },
    ],
    ['prm: deep path', `/.well-known/oauth-protected-resource/${'a/'.repeat(200)}`, {}],
  ];

  it.each(cases)('%s', async (_name, path, init) => {
    const res = await fetch(`${app.url}${path}`, { redirect: 'manual', ...init });
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect(res.status).toBeLessThan(500);
    const text = await res.text();
    expect(text).not.toMatch(/stack|at Object\.|node_modules/);
  });
});
