import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { codeFor, exchange, pkce } from './support/oauth-helpers.js';

/** A loopback web server standing in for the client's website; counts requests per path. */
async function docServer(routes: Record<string, (base: string) => { status?: number; headers?: Record<string, string>; body?: string }>) {
  const hits: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const path = req.url!.split('?')[0];
    hits[path] = (hits[path] ?? 0) + 1;
    const route = routes[path];
    if (!route) return res.writeHead(404).end();
    const r = route(base);
    res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers }).end(r.body ?? '');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, hits, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

const REDIRECT = 'https://app.example/cb';
const doc = (clientId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    client_id: clientId,
    client_name: 'Metadata App',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    ...extra,
  });

describe.each(dialects)('Client ID Metadata Documents on %s', (dialect) => {
  let site: Awaited<ReturnType<typeof docServer>>;
  let strict: TestApp;
  let dev: TestApp;
  let user: TestUser;
  const authorizeStatus = async (app: TestApp, clientId: string) => {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const res = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };

  beforeAll(async () => {
    site = await docServer({
      '/good.json': (b) => ({ body: doc(`${b}/good.json`), headers: { 'cache-control': 'max-age=600' } }),
      '/nostore.json': (b) => ({ body: doc(`${b}/nostore.json`), headers: { 'cache-control': 'no-store' } }),
      '/liar.json': () => ({ body: doc('https://someone-else.example/client.json') }),
      '/secret.json': (b) => ({ body: doc(`${b}/secret.json`, { token_endpoint_auth_method: 'client_secret_basic' }) }),
      '/huge.json': (b) => ({ body: doc(`${b}/huge.json`, { padding: 'x'.repeat(10_000) }) }),
      '/to-metadata-ip': () => ({ status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data' } }),
      '/to-ipv6-loopback': () => ({ status: 302, headers: { location: 'http://[::1]:9/client.json' } }),
      '/bad-redirect-uri.json': (b) => ({ body: doc(`${b}/bad-redirect-uri.json`, { redirect_uris: ['javascript:alert(1)'] }) }),
      '/many-redirect-uris.json': (b) => ({
        body: doc(`${b}/many-redirect-uris.json`, { redirect_uris: Array.from({ length: 11 }, (_, i) => `https://app.example/cb${i}`) }),
      }),
      '/bad-contacts.json': (b) => ({ body: doc(`${b}/bad-contacts.json`, { contacts: ['not an address'] }) }),
      '/http-tos.json': (b) => ({ body: doc(`${b}/http-tos.json`, { tos_uri: 'http://tos.example/terms' }) }),
    });
    // strict: the defaults (no private addresses); http allowed only so that the loopback site is reachable by URL at all
    strict = await startTestApp(dialect, { oauthCimdAllowHttp: true });
    dev = await startTestApp(dialect, { oauthCimdAllowHttp: true, oauthCimdAllowRanges: ['127.0.0.0/8'] });
    user = await createTestUser(dev);
  });
  afterAll(async () => {
    await strict.stop();
    await dev.stop();
    await site.close();
  });

  it('refuses a document at 127.0.0.1 by default, without connecting', async () => {
    const r = await authorizeStatus(strict, `${site.base}/good.json`);
    expect(r.status).toBe(400);
    expect(r.location).toBeNull();
    expect(r.text).toContain('private, loopback or link-local');
    expect(site.hits['/good.json']).toBeUndefined();
  });

  it('refuses a host name that resolves to loopback', async () => {
    const r = await authorizeStatus(strict, `${site.base.replace('127.0.0.1', 'localhost')}/good.json`);
    expect(r.status).toBe(400);
    expect(r.text).toContain('private, loopback or link-local');
    expect(site.hits['/good.json']).toBeUndefined();
  });

  it('accepts a valid document, caches it per Cache-Control, and completes the flow as a public client', async () => {
    const clientId = `${site.base}/good.json`;
    const { code, verifier } = await codeFor(dev, user, clientId, REDIRECT);
    const t = await exchange(dev, clientId, code, verifier, REDIRECT);
    expect(t.status).toBe(200);
    expect((await dev.ctx.tokens.verify(t.body.access_token)).clientId).toBe(clientId);
    await authorizeStatus(dev, clientId);
    expect(site.hits['/good.json']).toBe(1); // max-age=600: fetched once
    await authorizeStatus(dev, `${site.base}/nostore.json`);
    await authorizeStatus(dev, `${site.base}/nostore.json`);
    expect(site.hits['/nostore.json']).toBe(2);
  });

  it('shows the consent page with the document name and the site that vouches for it', async () => {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: `${site.base}/good.json`,
      redirect_uri: REDIRECT,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      prompt: 'consent',
    });
    const html = await (await fetch(`${dev.url}/oauth/authorize/page?${q}`, { headers: { cookie: user.cookie } })).text();
    expect(html).toContain('Metadata App');
    expect(html).toContain(`identified by ${new URL(site.base).host}`);
  });

  it.each([
    ['/liar.json', 'differs from its URL'],
    ['/secret.json', 'token_endpoint_auth_method none'],
    ['/huge.json', 'larger than'],
    ['/to-metadata-ip', 'private, loopback or link-local'],
    ['/to-ipv6-loopback', 'private, loopback or link-local'],
    ['/bad-redirect-uri.json', 'not allowed'],
    ['/many-redirect-uris.json', 'redirect_uris may list at most 10'],
    ['/bad-contacts.json', 'contacts must hold email addresses'],
    ['/http-tos.json', 'tos_uri must be an https URL'],
    ['/missing.json', 'HTTP 404'],
  ])('refuses %s (%s) with an error page, never a redirect', async (path, message) => {
    const r = await authorizeStatus(dev, `${site.base}${path}`);
    expect(r.status).toBe(400);
    expect(r.location).toBeNull();
    expect(r.text).toContain(message);
  });

  it('resolves concurrent first requests for the same document without a 5xx (one client row)', async () => {
    const clientId = `${site.base}/nostore.json`;
    const results = await Promise.all(Array.from({ length: 6 }, () => authorizeStatus(dev, clientId)));
    for (const r of results) expect(r.status, r.text.slice(0, 200)).toBe(302);
    const rows = await dev.ctx.db.selectFrom('oauth_clients').select('id').where('id', '=', clientId).execute();
    expect(rows).toHaveLength(1);
  });
});

describe('Client ID Metadata Document fetch limits', () => {
  it('gives up on a document server that sends headers, then drips the body, within 5 s', async () => {
    const timers: NodeJS.Timeout[] = [];
    const drip = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      timers.push(setInterval(() => res.write(' '), 200));
    });
    await new Promise<void>((ok) => drip.listen(0, '127.0.0.1', ok));
    const app = await startTestApp('sqlite', { oauthCimdAllowHttp: true, oauthCimdAllowRanges: ['127.0.0.0/8'] });
    try {
      const clientId = `http://127.0.0.1:${(drip.address() as { port: number }).port}/client.json`;
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      const t0 = Date.now();
      const res = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      for (const t of timers) clearInterval(t);
      drip.closeAllConnections();
      drip.close();
      await app.stop();
    }
  });

  it('gives up on a document server that does not answer within 5 s', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = (await import('node:net')).createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    const app = await startTestApp('sqlite', { oauthCimdAllowHttp: true, oauthCimdAllowRanges: ['127.0.0.0/8'] });
    try {
      const clientId = `http://127.0.0.1:${(silent.address() as { port: number }).port}/client.json`;
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      });
      const t0 = Date.now();
      const res = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('timed out');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(4900);
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await app.stop();
    }
  });
});
