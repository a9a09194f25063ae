import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe.each(dialects)('HTTP basics on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect, { bodyLimit: 2048 }, [
      {
        name: 'echo',
        routes(fastify) {
          fastify.post('/test/echo', async (req) => ({ got: req.body }));
        },
      },
    ]);
  });
  afterAll(() => app.stop());

  it('reports healthy with database and encryption', async () => {
    const res = await fetch(`${app.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'healthy',
      database: 'connected',
      encryption: 'operational',
      build: null,
      tee: false,
      // PostgreSQL: other instances' revocations arrive by LISTEN/NOTIFY (SQLite has only the poll)
      ...(dialect === 'postgres' ? { revocations: 'notified' } : {}),
    });
  });

  it('publishes the signing key at /jwks.json', async () => {
    const res = await fetch(`${app.url}/jwks.json`);
    const jwks = await res.json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('answers malformed JSON with 400 and a stable code', async () => {
    const res = await fetch(`${app.url}/test/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'ERR_INVALID_JSON', message: 'The request body is not valid JSON.' });
  });

  it('answers a wrong content type with 415', async () => {
    const res = await fetch(`${app.url}/test/echo`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an oversized body with 413 (limit from config)', async () => {
    const res = await fetch(`${app.url}/test/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: 'x'.repeat(4096) }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe('ERR_BODY_TOO_LARGE');
  });

  it('accepts a body within the limit', async () => {
    const res = await fetch(`${app.url}/test/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: { a: 1 } });
  });

  it('refuses NUL characters in the path, query or body with 400 (PostgreSQL text cannot hold them)', async () => {
    for (const [path, body] of [
      ['/test/echo?x=a%00b', '{}'],
      ['/test/echo', '{"a":"x\\u0000y"}'],
      ['/test/echo', '{"a":{"b":["\\u0000"]}}'],
    ]) {
      const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, `${path} ${body}`).toBe(400);
      expect(await res.json()).toEqual({ error: 'ERR_BAD_REQUEST', message: 'NUL characters are not allowed in a request.' });
    }
  });

  it('answers an unknown route with 404 JSON and no stack', async () => {
    const res = await fetch(`${app.url}/no/such/route?code=secret`);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ error: 'ERR_ROUTE_NOT_FOUND', message: 'No route GET /no/such/route.' });
    expect(body).not.toContain('secret');
  });

  it('exposes Prometheus metrics with per-route counts and latency', async () => {
    await fetch(`${app.url}/health`);
    const text = await (await fetch(`${app.url}/metrics`)).text();
    expect(text).toMatch(/oauth3_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(text).toContain('oauth3_http_request_duration_seconds_bucket');
    expect(text).toContain('oauth3_events_total');
  });

  it('sends security headers', async () => {
    const res = await fetch(`${app.url}/health`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBeNull(); // http public URL: no HSTS
  });
});
