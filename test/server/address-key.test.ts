import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressKey } from '../../src/kernel/index.js';
import { createClient } from '../../src/oauth/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('addressKey: what a client address is counted under', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const key = addressKey('2001:db8:1:2::a');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const same of [
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0db8:0001:0002:0000:0000:0000:0001',
      '2001:DB8:1:2::B',
      '2001:db8:1:2::1%eth0',
    ])
      expect(addressKey(same), same).toBe(key);
    expect(addressKey('2001:db8:1:3::a')).not.toBe(key);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address (a dual-stack socket) as its IPv4', () => {
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('::ffff:c633:6407')).toBe('198.51.100.7');
  });

  it('keeps a text that is not an address as its own key', () => {
    for (const odd of ['', 'unknown', 'not:an:address', '1:2:3:4:5:6:7:8:9']) expect(addressKey(odd)).toBe(odd);
  });
});

/**
 * Rotating through the addresses of one IPv6 /64 (which a single subscriber holds, and which cost nothing to use)
 * does not get around a per-address limit: the flood guard, the sign-in limit and failed client authentication.
 */
describe('the per-address limits count an IPv6 client by its /64', () => {
  let app: TestApp;
  let n = 0;
  /** The next address of the attacker's /64 (each request from another one). */
  const rotating = () => `2001:db8:aaaa:1::${(++n).toString(16)}`;
  beforeAll(async () => {
    app = await startTestApp('sqlite', {
      trustProxy: true, // X-Forwarded-For names the client address
      floodLimit: 4,
      floodWindow: 60,
      rateLimitAuth: 3,
      oauthClientAuthFailuresPerClient: 0,
      oauthClientAuthFailuresPerAddress: 3,
    });
  });
  afterAll(() => app.stop());

  const post = (path: string, address: string, body: string, type: string, authorization?: string) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type, 'x-forwarded-for': address, ...(authorization ? { authorization } : {}) },
      body,
    });
  const form = 'application/x-www-form-urlencoded';
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('the flood guard on /token', async () => {
    const made = await createClient(app.ctx.db, { name: 'flood', grantTypes: ['client_credentials'], redirectUris: [] });
    const auth = basic(made.client.clientId, made.clientSecret!);
    for (let i = 0; i < 4; i++) expect((await post('/token', rotating(), 'grant_type=client_credentials', form, auth)).status).toBe(200);
    const refused = await post('/token', rotating(), 'grant_type=client_credentials', form, auth);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // another /64 is another client
    expect((await post('/token', '2001:db8:bbbb:1::1', 'grant_type=client_credentials', form, auth)).status).toBe(200);
  });

  it('the sign-in limit', async () => {
    // no CSRF cookie: each is refused (403) but counted first, as any request to the route
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('/api/v1/signin/options', rotating(), '{}', 'application/json')).status);
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses[3]).toBe(429);
    expect((await post('/api/v1/signin/options', '2001:db8:cccc:1::1', '{}', 'application/json')).status).not.toBe(429);
  });

  it('failed client authentication', async () => {
    const made = await createClient(app.ctx.db, { name: 'guessed', grantTypes: ['client_credentials'], redirectUris: [] });
    const guess = (i: number) => basic(`made-up-${i}`, 'guess');
    for (let i = 0; i < 3; i++) expect((await post('/introspect', rotating(), 'token=x', form, guess(i))).status).toBe(401);
    // the right secret, from yet another address of the /64: refused, the /64 is past its failures
    const refused = await post('/introspect', rotating(), 'token=x', form, basic(made.client.clientId, made.clientSecret!));
    expect(refused.status).toBe(429);
    expect((await refused.json()).error).toBe('too_many_requests');
    expect((await post('/introspect', '2001:db8:dddd:1::1', 'token=x', form, basic(made.client.clientId, made.clientSecret!))).status).toBe(
      200,
    );
  });
});
