import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, fetchWithRetry, memoryTokenStore, retryAfterMs } from '../../src/client/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { gatewayCredentials } from '../support/gateway-login.js';
import { countingProxy } from './support/counting-proxy.js';

/** A loopback server answering from a script of (status, headers) in order, recording when each request came. */
async function scripted(answers: { status: number; headers?: Record<string, string> }[]) {
  const seen: { method: string; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method!, at: Date.now() });
    const a = answers[Math.min(seen.length - 1, answers.length - 1)]!;
    res.writeHead(a.status, a.headers).end(String(a.status));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('fetchWithRetry', () => {
  it('retries a GET on 5xx and then answers', async () => {
    const s = await scripted([{ status: 503 }, { status: 502 }, { status: 200 }]);
    const res = await fetchWithRetry(s.url, {}, { baseMs: 5 });
    expect(res.status).toBe(200);
    expect(s.seen).toHaveLength(3);
    await s.close();
  });

  it('honours Retry-After on a 429 (seconds)', async () => {
    const s = await scripted([{ status: 429, headers: { 'retry-after': '1' } }, { status: 200 }]);
    const res = await fetchWithRetry(s.url, {}, { baseMs: 1 });
    expect(res.status).toBe(200);
    expect(s.seen[1]!.at - s.seen[0]!.at).toBeGreaterThanOrEqual(900);
    await s.close();
  });

  it('reads Retry-After as seconds or an HTTP date, and caps it', async () => {
    expect(retryAfterMs('3')).toBe(3000);
    const now = Date.parse('2026-12-07T12:00:00Z');
    expect(retryAfterMs('Mon, 07 Dec 2026 12:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    const waits: number[] = [];
    const s = await scripted([{ status: 503, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    await fetchWithRetry(s.url, {}, { maxRetryAfterMs: 50, sleep: async (ms) => void waits.push(ms) });
    expect(waits).toEqual([50]);
    await s.close();
  });

  it('gives up after the retries with the last answer', async () => {
    const s = await scripted([{ status: 500 }]);
    expect((await fetchWithRetry(s.url, {}, { retries: 2, baseMs: 1 })).status).toBe(500);
    expect(s.seen).toHaveLength(3);
    await s.close();
  });

  it('never repeats a POST unless asked (Idempotency-Key or retryNonIdempotent); never retries a 4xx', async () => {
    const s = await scripted([{ status: 503 }, { status: 200 }]);
    expect((await fetchWithRetry(s.url, { method: 'POST', body: 'x' }, { baseMs: 1 })).status).toBe(503);
    expect(s.seen).toHaveLength(1);
    expect((await fetchWithRetry(s.url, { method: 'POST', body: 'x', headers: { 'idempotency-key': 'k' } }, { baseMs: 1 })).status).toBe(
      200,
    );
    await s.close();
    const t = await scripted([{ status: 404 }, { status: 200 }]);
    expect((await fetchWithRetry(t.url, {}, { baseMs: 1 })).status).toBe(404);
    expect(t.seen).toHaveLength(1);
    await t.close();
  });

  it('retries a network error', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (++calls < 3) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const s = await scripted([{ status: 200 }]);
    expect((await fetchWithRetry(s.url, {}, { fetch: flaky, baseMs: 1 })).status).toBe(200);
    expect(calls).toBe(3);
    await s.close();
  });
});

describe('createClient against the gateway', () => {
  let app: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    app = await startTestApp('sqlite');
    user = await createTestUser(app);
  });
  afterAll(async () => {
    await app.stop();
  });

  it('adds the bearer; a 401 refreshes once and is retried once', async () => {
    const creds = await gatewayCredentials(app, user, { scopes: ['profile'] });
    const proxy = await countingProxy(app.url);
    // the stored access token is refused (it looks fresh but is not a token): the 401 makes the client refresh
    const store = memoryTokenStore({
      ...creds,
      access_token: 'refused',
      server: { ...creds.server, token_endpoint: `${proxy.url}/token` },
    });
    const client = createClient({ server: app.url, store });
    const res = await client.fetch('/api/v1/me/apps');
    expect(res.status).toBe(200);
    expect(proxy.refreshes).toBe(1);
    expect((await store.load())!.access_token).not.toBe('refused');
    // a server that refuses every token: one refresh, one retry, then the 401 is the answer
    const denying = await countingProxy(app.url, (path) => (path === '/x' ? { status: 401, body: '{}' } : undefined));
    const again = await client.fetch(`${denying.url}/x`);
    expect(again.status).toBe(401);
    expect(denying.requests).toBe(2);
    expect(proxy.refreshes).toBe(2);
    await proxy.close();
    await denying.close();
  });
});
