import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FastLanes } from '../../src/server/fast-lanes.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { freePort } from '../support/free-port.js';

const ORIGIN = 'http://localhost:6274'; // where the MCP Inspector runs
const FORM = 'application/x-www-form-urlencoded';
const cors = (res: Response) =>
  Object.fromEntries([...(res.headers as unknown as Iterable<[string, string]>)].filter(([k]) => k.startsWith('access-control-')));

/**
 * CORS for browser-based MCP clients: discovery, /register, /token, /revoke and /jwks.json answer any origin,
 * without credentials, errors included, and answer preflights; the cookie-authenticated routes (pages, /api/v1)
 * send no CORS header and allow no preflight, so a script on another origin can neither read them nor call them.
 */
describe.each(dialects)('CORS on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  const laneAnswers = vi.spyOn(FastLanes.prototype as unknown as { answer(): Promise<void> }, 'answer');
  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());
  afterEach(() => {
    laneAnswers.mockClear();
  });

  const request = (path: string, init: RequestInit & { duplex?: string } = {}) =>
    fetch(`${app.url}${path}`, { ...init, headers: { origin: ORIGIN, ...(init.headers as Record<string, string>) } });
  const readable = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'WWW-Authenticate' };

  it.each([
    ['GET', '/.well-known/oauth-authorization-server', 200],
    ['GET', '/.well-known/openid-configuration', 200],
    ['GET', '/.well-known/oauth-protected-resource', 200],
    ['GET', '/.well-known/oauth-protected-resource/no/such/resource', 404],
    ['GET', '/jwks.json', 200],
    ['POST', '/register', 201],
    ['POST', '/register', 400],
    ['POST', '/revoke', 401],
  ])('%s %s (%i) is readable from any origin, without credentials', async (method, path, status) => {
    const body =
      path === '/register'
        ? JSON.stringify(status === 201 ? { redirect_uris: ['http://localhost:6274/oauth/callback'] } : { redirect_uris: 'nope' })
        : method === 'POST'
          ? 'token=x'
          : undefined;
    const type = path === '/register' ? 'application/json' : FORM;
    const res = await request(path, { method, body, headers: body ? { 'content-type': type } : {} });
    expect(res.status).toBe(status);
    expect(cors(res)).toEqual(readable); // and so no access-control-allow-credentials
  });

  it('sends the same CORS headers on both paths of /token (fast lane and Fastify), errors and success alike', async () => {
    const reg = await (
      await request('/register', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['http://localhost:6274/cb'], grant_types: ['client_credentials'] }),
      })
    ).json();
    const basic = `Basic ${Buffer.from(`${reg.client_id}:${reg.client_secret}`).toString('base64')}`;
    for (const [body, status] of [
      ['grant_type=client_credentials', 200],
      ['grant_type=password', 400],
    ] as const) {
      const lane = await request('/token', { method: 'POST', headers: { 'content-type': FORM, authorization: basic }, body });
      expect(laneAnswers).toHaveBeenCalledTimes(1);
      const streamed = await request('/token', {
        method: 'POST',
        headers: { 'content-type': FORM, authorization: basic },
        body: new Blob([body]).stream(),
        duplex: 'half',
      });
      expect(laneAnswers).toHaveBeenCalledTimes(1); // a chunked body goes to Fastify
      laneAnswers.mockClear();
      expect([lane.status, streamed.status]).toEqual([status, status]);
      expect(cors(lane)).toEqual(readable);
      expect(cors(streamed)).toEqual(readable);
    }
  });

  it.each([
    ['/token', 'POST, OPTIONS'],
    ['/register', 'POST, OPTIONS'],
    ['/revoke', 'POST, OPTIONS'],
    ['/jwks.json', 'GET, HEAD, OPTIONS'],
    ['/.well-known/oauth-authorization-server', 'GET, HEAD, OPTIONS'],
    ['/.well-known/oauth-protected-resource/mcp', 'GET, HEAD, OPTIONS'],
  ])('answers a preflight of %s', async (path, methods) => {
    const res = await request(path, {
      method: 'OPTIONS',
      headers: {
        'access-control-request-method': methods.split(', ')[0],
        'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
      },
    });
    expect(res.status).toBe(204);
    const h = cors(res);
    expect(h['access-control-allow-origin']).toBe('*');
    expect(h['access-control-allow-methods']).toBe(methods);
    expect(h['access-control-allow-headers']).toBe('Authorization, Content-Type, MCP-Protocol-Version');
    expect(Number(h['access-control-max-age'])).toBeGreaterThan(0);
    expect(h['access-control-allow-credentials']).toBeUndefined();
  });

  it.each([
    ['GET', '/api/v1/me'],
    ['GET', '/api/v1/me/sessions'],
    ['GET', '/account'],
    ['GET', '/login'],
    ['GET', '/metrics'],
    ['POST', '/introspect'],
  ])('sends no CORS header on %s %s, signed in or not', async (method, path) => {
    for (const cookie of [undefined, user.cookie]) {
      const res = await request(path, {
        method,
        redirect: 'manual',
        headers: { ...(cookie ? { cookie } : {}), ...(method === 'POST' ? { 'content-type': FORM } : {}) },
        body: method === 'POST' ? 'token=x' : undefined,
      });
      expect(res.status).toBeLessThan(500);
      expect(cors(res)).toEqual({});
    }
  });

  it.each(['/api/v1/me', '/api/v1/me/passkeys', '/account', '/account/sessions', '/introspect'])(
    'allows no preflight of %s',
    async (path) => {
      const res = await request(path, {
        method: 'OPTIONS',
        headers: { cookie: user.cookie, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-csrf-token' },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(cors(res)).toEqual({});
    },
  );
});

describe.each(dialects)('CORS under an issuer with a path on %s', (dialect) => {
  let app: TestApp;
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}/auth`;
    app = await startTestApp(dialect, { port, publicUrl: base });
  });
  afterAll(() => app.stop());

  it('answers the preflight and the request of /auth/token, and none of /auth/api/v1/me', async () => {
    const preflight = await fetch(`${base}/token`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(cors(preflight)['access-control-allow-methods']).toBe('POST, OPTIONS');
    const token = await fetch(`${base}/token`, { method: 'POST', headers: { origin: ORIGIN, 'content-type': FORM }, body: 'grant_type=x' });
    expect(token.status).toBe(400);
    expect(cors(token)['access-control-allow-origin']).toBe('*');
    const api = await fetch(`${base}/api/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'GET' },
    });
    expect(cors(api)).toEqual({});
  });
});
