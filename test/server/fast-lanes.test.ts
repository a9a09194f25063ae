import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/oauth/index.js';
import { clientCredentials } from '../../src/oauth/grants/client-credentials.js';
import { createLogger } from '../../src/server/index.js';
import { FastLanes } from '../../src/server/fast-lanes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { dialects } from '../support/databases.js';
import { unsigned } from '../oauth/support/oauth-helpers.js';
import { seedRefreshToken } from '../oauth/support/seed-refresh-token.js';

const FORM = 'application/x-www-form-urlencoded';
/** Headers that differ between any two responses (time, length of a token, connection handling). */
const VARYING = new Set(['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * The fast lanes of the token and introspection endpoints (form POSTs answered from Node's HTTP server) must
 * answer exactly as their Fastify routes do. Each request is sent twice over real HTTP: with a Content-Length (the lane takes it) and as a chunked
 * stream (only Fastify takes those); status, headers and body must match, and a spy shows which path answered.
 */
describe.each(dialects)('fast lanes for POST /token and /introspect (%s)', (dialect) => {
  let app: TestApp;
  let client: { clientId: string; clientSecret: string };
  const lines: string[] = [];
  const laneAnswers = vi.spyOn(FastLanes.prototype as unknown as { answer(): Promise<void> }, 'answer');

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    app = await startTestApp(dialect, { trustProxy: true }, [], createLogger('info', stream as never));
    const made = await createClient(app.ctx.db, {
      name: 'lane',
      grantTypes: ['client_credentials', 'refresh_token'],
      redirectUris: ['https://rp.example/cb'],
    });
    client = { clientId: made.client.clientId, clientSecret: made.clientSecret! };
  });
  afterAll(() => app.stop());
  afterEach(() => {
    laneAnswers.mockClear();
  });

  const basic = (id = client.clientId, secret = client.clientSecret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  /** A refresh token of a new family, written as the authorization-code grant writes one. */
  const refreshToken = () => seedRefreshToken(app, client.clientId, { userId: 'u1' });

  async function send(body: string, headers: Record<string, string>, how: 'lane' | 'fastify', path = '/token') {
    const init: RequestInit & { duplex?: string } =
      how === 'lane'
        ? { method: 'POST', headers: { 'content-type': FORM, ...headers }, body }
        : { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: new Blob([body]).stream(), duplex: 'half' };
    const before = laneAnswers.mock.calls.length;
    const res = await fetch(`${app.url}${path}`, init);
    const text = await res.text();
    const took = laneAnswers.mock.calls.length > before;
    return {
      status: res.status,
      headers: Object.fromEntries([...(res.headers as unknown as Iterable<[string, string]>)].filter(([k]) => !VARYING.has(k))),
      body: text ? JSON.parse(text) : undefined,
      took,
    };
  }

  /** Sends through both paths; returns both answers after checking which path took each. */
  async function both(body: () => Promise<string> | string, headers: Record<string, string> = {}, path = '/token') {
    const lane = await send(await body(), headers, 'lane', path);
    const fastify = await send(await body(), headers, 'fastify', path);
    expect(lane.took).toBe(true);
    expect(fastify.took).toBe(false);
    expect(lane.status).toBe(fastify.status);
    expect(lane.headers).toEqual(fastify.headers);
    return { lane, fastify };
  }

  it('issues the same kind of token response (client_credentials), with the same headers', async () => {
    const { lane, fastify } = await both(() => 'grant_type=client_credentials&scope=mcp', { authorization: basic() });
    expect(lane.status).toBe(200);
    expect(Object.keys(lane.body).sort()).toEqual(Object.keys(fastify.body).sort());
    expect({ ...lane.body, access_token: 'x' }).toEqual({ ...fastify.body, access_token: 'x' });
    expect(lane.headers['cache-control']).toBe('no-store');
    expect(lane.headers['pragma']).toBe('no-cache');
    expect(lane.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(lane.headers['x-content-type-options']).toBe('nosniff');
    expect(lane.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('rotates a refresh token the same way, and the rotated one works on the other path', async () => {
    const lane = await send(
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(await refreshToken())}`,
      { authorization: basic() },
      'lane',
    );
    expect(lane.took).toBe(true);
    expect(lane.status).toBe(200);
    const next = await send(
      `grant_type=refresh_token&refresh_token=${encodeURIComponent(lane.body.refresh_token)}`,
      { authorization: basic() },
      'fastify',
    );
    expect(next.took).toBe(false);
    expect(next.status).toBe(200);
    expect(Object.keys(next.body).sort()).toEqual(Object.keys(lane.body).sort());
    // the first token again, within the grace window: both paths answer with the pair its rotation issued
    const first = await refreshToken();
    const rotated = await send(`grant_type=refresh_token&refresh_token=${encodeURIComponent(first)}`, { authorization: basic() }, 'lane');
    const again = await both(() => `grant_type=refresh_token&refresh_token=${encodeURIComponent(first)}`, { authorization: basic() });
    expect(unsigned(again.lane.body)).toEqual(unsigned(rotated.body));
    expect(unsigned(again.fastify.body)).toEqual(unsigned(rotated.body));
  });

  const refusals: Array<[string, string, () => Record<string, string>, number, string]> = [
    [
      'a wrong client secret (401, WWW-Authenticate: Basic)',
      'grant_type=client_credentials',
      () => ({ authorization: basic(undefined, 'wrong') }),
      401,
      'invalid_client',
    ],
    ['no client authentication', 'grant_type=client_credentials', () => ({}), 401, 'invalid_client'],
    [
      'an unsupported grant type',
      'grant_type=password&username=a&password=b',
      () => ({ authorization: basic() }),
      400,
      'unsupported_grant_type',
    ],
    ['no grant type', 'scope=mcp', () => ({ authorization: basic() }), 400, 'invalid_request'],
    [
      'a repeated parameter',
      'grant_type=client_credentials&scope=mcp&scope=mcp',
      () => ({ authorization: basic() }),
      400,
      'invalid_request',
    ],
    [
      'a NUL character in a value',
      'grant_type=client_credentials&scope=mcp%00',
      () => ({ authorization: basic() }),
      400,
      'invalid_request',
    ],
    [
      'an unknown refresh token',
      'grant_type=refresh_token&refresh_token=rt0123.nope',
      () => ({ authorization: basic() }),
      400,
      'invalid_grant',
    ],
    ['a broken form', '%ZZ=%&&&=', () => ({ authorization: basic() }), 400, 'invalid_request'],
  ];

  it.each(refusals)('refuses %s exactly as Fastify does', async (_name, body, headers, status, error) => {
    const { lane, fastify } = await both(() => body, headers());
    expect(lane.status).toBe(status);
    expect(lane.body).toEqual(fastify.body);
    expect(lane.body.error).toBe(error);
    if (status === 401) expect(lane.headers['www-authenticate']).toBe('Basic');
  });

  it('answers introspection the same way: an active access token, an unknown one, a refresh token of another client', async () => {
    const issued = await send('grant_type=client_credentials&scope=mcp', { authorization: basic() }, 'lane');
    const active = await both(() => `token=${issued.body.access_token}`, { authorization: basic() }, '/introspect');
    expect(active.lane.status).toBe(200);
    expect(active.lane.body).toEqual(active.fastify.body);
    expect(active.lane.body).toMatchObject({ active: true, client_id: client.clientId, scope: 'mcp' });
    expect(active.lane.headers['cache-control']).toBe('no-store');
    const unknown = await both(() => 'token=nope', { authorization: basic() }, '/introspect');
    expect(unknown.lane.body).toEqual({ active: false });
    expect(unknown.fastify.body).toEqual({ active: false });
    const other = await createClient(app.ctx.db, { name: 'other', grantTypes: ['client_credentials'] });
    const rt = await refreshToken();
    const foreign = await both(
      () => `token=${encodeURIComponent(rt)}`,
      { authorization: basic(other.client.clientId, other.clientSecret!) },
      '/introspect',
    );
    expect(foreign.lane.body).toEqual({ active: false });
    expect(foreign.fastify.body).toEqual({ active: false });
    const missing = await both(() => 'token_type_hint=access_token', { authorization: basic() }, '/introspect');
    expect(missing.lane.body).toEqual(missing.fastify.body);
    expect(missing.lane.body.error).toBe('invalid_request');
    const anonymous = await both(() => 'token=x', {}, '/introspect');
    expect(anonymous.lane.status).toBe(401);
    expect(anonymous.lane.body).toEqual(anonymous.fastify.body);
  });

  it('answers a failure inside the handler with a logged 500 server_error on both paths, and no detail', async () => {
    const broken = vi.spyOn(app.ctx.tokens, 'issue').mockImplementation(() => {
      throw new Error('boom: the key ring is gone');
    });
    try {
      lines.length = 0;
      const { lane, fastify } = await both(() => 'grant_type=client_credentials&scope=mcp', { authorization: basic() });
      expect(lane.status).toBe(500);
      expect(lane.body).toEqual({ error: 'server_error' });
      expect(fastify.body).toEqual({ error: 'server_error' });
      const failed = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request failed');
      expect(failed).toHaveLength(2);
      expect(failed.every((l) => l.err.message.includes('boom') && typeof l.reqId === 'string')).toBe(true);
    } finally {
      broken.mockRestore();
    }
  });

  it('answers a response that cannot be serialised with a 500 server_error on both paths (the lane stays up)', async () => {
    const odd = vi.spyOn(clientCredentials, 'handler').mockResolvedValue({ access_token: 1n } as never);
    try {
      // headers aside: Fastify keeps those the route set before its serialiser threw (pragma), the lane does not
      const lane = await send('grant_type=client_credentials&scope=mcp', { authorization: basic() }, 'lane');
      const fastify = await send('grant_type=client_credentials&scope=mcp', { authorization: basic() }, 'fastify');
      expect([lane.took, fastify.took]).toEqual([true, false]);
      expect([lane.status, fastify.status]).toEqual([500, 500]);
      expect(lane.body).toEqual({ error: 'server_error' });
      expect(fastify.body).toEqual({ error: 'server_error' });
    } finally {
      odd.mockRestore();
    }
  });

  it('leaves to Fastify what it does not take: another content type, a body over the limit, a query string', async () => {
    const json = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    expect(json.status).toBe(400);
    expect((await json.json()).error).toBe('invalid_request');
    const big = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': FORM },
      body: `grant_type=client_credentials&pad=${'x'.repeat(app.config.bodyLimit)}`,
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error_description).toMatch(/large/i);
    const query = await fetch(`${app.url}/token?x=1`, {
      method: 'POST',
      headers: { 'content-type': FORM, authorization: basic() },
      body: 'grant_type=client_credentials&scope=mcp',
    });
    expect(query.status).toBe(200);
    expect(laneAnswers).not.toHaveBeenCalled();
  });

  it('writes the same request line (with the forwarded client IP) and counts the request in the metrics', async () => {
    const count = async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return Number(/oauth3_http_requests_total\{method="POST",route="\/token",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await count();
    lines.length = 0;
    const headers = { authorization: basic(), 'x-forwarded-for': '203.0.113.9', 'user-agent': 'lane-test' };
    await both(() => 'grant_type=client_credentials&scope=mcp', headers);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request completed' && l.req.url === '/token');
    expect(logged).toHaveLength(2);
    const [lane, fastify] = logged;
    const shape = (l: Record<string, unknown>) => ({ ...l, time: 0, reqId: typeof l.reqId, responseTime: typeof l.responseTime });
    expect(shape(lane)).toEqual(shape(fastify));
    expect(lane.req).toEqual({ method: 'POST', url: '/token', ip: '203.0.113.9', userAgent: 'lane-test' });
    expect(lane.reqId).not.toBe(fastify.reqId);
    expect(JSON.stringify(logged)).not.toContain(client.clientSecret);
    expect(await count()).toBe(before + 2);
  });
});
