import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/oauth/index.js';
import { ClientAuthFailures, TooManyFailedAuthentications } from '../../src/oauth/clients/client-auth-failures.js';
import { FastLanes } from '../../src/server/fast-lanes.js';
import { WindowCounter } from '../../src/store/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const FORM = 'application/x-www-form-urlencoded';
const WINDOW_S = 2;
/** Headers that differ between any two responses (and Retry-After, which counts down). */
const VARYING = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'retry-after']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Guessing a client secret at /token, /introspect or /revoke: past a number of failures per client_id or per
 * address, every attempt (a correct one too) gets 429 until the window ends, on the fast lane and on Fastify alike.
 */
describe.each(dialects)('failed client authentication is rate limited (%s)', (dialect) => {
  let app: TestApp;
  const laneAnswers = vi.spyOn(FastLanes.prototype as unknown as { answer(): Promise<void> }, 'answer');
  beforeAll(async () => {
    app = await startTestApp(dialect, {
      trustProxy: true, // X-Forwarded-For names the client address, so one test can be several addresses
      oauthClientAuthFailuresPerClient: 3,
      oauthClientAuthFailuresPerAddress: 6,
      oauthClientAuthFailureWindow: WINDOW_S,
    });
  });
  afterAll(() => app.stop());

  const newClient = async () => {
    const made = await createClient(app.ctx.db, { name: 'rs', grantTypes: ['client_credentials'], redirectUris: [] });
    return { id: made.client.clientId, secret: made.clientSecret! };
  };
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const BODY: Record<string, string> = { '/token': 'grant_type=client_credentials', '/introspect': 'token=x', '/revoke': 'token=x' };

  /** POSTs with a Content-Length (the lane of /token and /introspect takes it) or chunked (only Fastify does). */
  async function post(path: string, authorization: string, address: string, how: 'lane' | 'fastify' = 'lane') {
    const headers = { 'content-type': FORM, authorization, 'x-forwarded-for': address };
    const body = BODY[path];
    const init: RequestInit & { duplex?: string } =
      how === 'lane' ? { method: 'POST', headers, body } : { method: 'POST', headers, body: new Blob([body]).stream(), duplex: 'half' };
    const before = laneAnswers.mock.calls.length;
    const res = await fetch(`${app.url}${path}`, init);
    const took = laneAnswers.mock.calls.length > before;
    if (path !== '/revoke') expect(took).toBe(how === 'lane');
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      headers: Object.fromEntries([...(res.headers as unknown as Iterable<[string, string]>)].filter(([k]) => !VARYING.has(k))),
      body: await res.json(),
    };
  }

  it('refuses a client past its limit, even with the right secret, on every endpoint and both paths, until the window ends', async () => {
    const a = await newClient();
    const b = await newClient();
    const x = '198.51.100.1';
    expect((await post('/token', basic(a.id, a.secret), x)).status).toBe(200);
    for (const how of ['lane', 'fastify', 'lane'] as const)
      expect((await post('/token', basic(a.id, 'wrong'), x, how)).body.error).toBe('invalid_client');
    for (const path of ['/token', '/introspect', '/revoke']) {
      for (const how of ['lane', 'fastify'] as const) {
        const refused = await post(path, basic(a.id, a.secret), x, how);
        expect(refused.status, `${path} ${how}`).toBe(429);
        expect(refused.body).toEqual({
          error: 'too_many_requests',
          error_description: expect.stringMatching(/^too many failed client authentications: retry in [12] s$/),
        });
        expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(refused.retryAfter)).toBeLessThanOrEqual(WINDOW_S);
        expect(refused.headers['cache-control']).toBe('no-store');
        expect(refused.headers['www-authenticate']).toBeUndefined();
      }
    }
    const lane = await post('/token', basic(a.id, a.secret), x, 'lane');
    const fastify = await post('/token', basic(a.id, a.secret), x, 'fastify');
    expect(lane.headers).toEqual(fastify.headers);
    expect(lane.body).toEqual(fastify.body);
    // the limit is the client's: another address does not help it, and another client at the same address is served
    expect((await post('/token', basic(a.id, a.secret), '203.0.113.9')).status).toBe(429);
    expect((await post('/token', basic(b.id, b.secret), x)).status).toBe(200);
    expect((await post('/introspect', basic(b.id, b.secret), x)).body).toEqual({ active: false });
    // a client_secret_post attempt names the same client
    const viaPost = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': FORM, 'x-forwarded-for': x },
      body: `grant_type=client_credentials&client_id=${a.id}&client_secret=${a.secret}`,
    });
    expect(viaPost.status).toBe(429);
    await sleep(Number(lane.retryAfter) * 1000 + 100);
    expect((await post('/token', basic(a.id, a.secret), x)).status).toBe(200);
  });

  it('refuses an address past its limit whatever client it names; other addresses are served', async () => {
    const b = await newClient();
    const z = '198.51.100.2';
    for (let i = 0; i < 6; i++) expect((await post('/token', basic(`made-up-${i}`, 'guess'), z)).status).toBe(401);
    for (const how of ['lane', 'fastify'] as const) {
      const refused = await post('/token', basic(b.id, b.secret), z, how);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe('too_many_requests');
    }
    expect((await post('/token', basic(b.id, b.secret), '198.51.100.3')).status).toBe(200);
    await sleep(WINDOW_S * 1000 + 100);
    expect((await post('/token', basic(b.id, b.secret), z)).status).toBe(200);
  });

  it('never counts a successful authentication', async () => {
    const c = await newClient();
    const w = '198.51.100.4';
    for (let i = 0; i < 2; i++) expect((await post('/token', basic(c.id, 'wrong'), w)).status).toBe(401);
    // far more successes than either limit: none of them counts
    for (let i = 0; i < 12; i++) {
      const path = ['/token', '/introspect', '/revoke'][i % 3];
      expect((await post(path, basic(c.id, c.secret), w, i % 2 ? 'fastify' : 'lane')).status, `${path} #${i}`).toBe(200);
    }
    // the third failure is what reaches the limit of 3
    expect((await post('/token', basic(c.id, 'wrong'), w)).status).toBe(401);
    expect((await post('/token', basic(c.id, c.secret), w)).status).toBe(429);
  });

  it('keeps its watch list bounded under a flood of made-up ids, and keeps counting the newest (a counter of its own)', async () => {
    const f = new ClientAuthFailures(new WindowCounter(app.ctx.db), {
      scope: `unit-${dialect}`,
      perClient: 2,
      perAddress: 0,
      windowMs: 60_000,
      maxEntries: 50,
    });
    for (let i = 0; i < 200; i++) await f.failed(`id-${i}`, 'x', 1000);
    expect(f.size).toBeLessThanOrEqual(50);
    await f.failed('id-199', 'x', 1000);
    await expect(f.refuseIfLimited('id-199', 'x', 1000)).rejects.toThrow(TooManyFailedAuthentications);
    await expect(f.refuseIfLimited('id-198', 'x', 1000)).resolves.toBeUndefined(); // one failure: room for another
    await expect(f.refuseIfLimited('id-199', 'x', 61_000)).resolves.toBeUndefined(); // its window ended
  });
});
