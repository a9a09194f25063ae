import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/oauth/index.js';
import { FastLanes } from '../../src/server/fast-lanes.js';
import { basic } from '../oauth/support/oauth-helpers.js';
import { dialects } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const PAGE = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'; // what a browser sends on navigation

/** One request to 127.0.0.1:`port` with exactly these headers (Host included): status and Location. */
function send(
  port: number,
  path: string,
  headers: Record<string, string>,
  o: { method?: string; body?: string } = {},
): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const laneAnswers = vi.spyOn(FastLanes.prototype as unknown as { answer(): Promise<void> }, 'answer');
afterEach(() => {
  laneAnswers.mockClear();
});

describe.each(dialects)('a page requested on another origin than OAUTH3_PUBLIC_URL (%s)', (dialect) => {
  let app: TestApp;
  let port: number;
  let other: string; // 127.0.0.1:port: the same server, another origin than http://localhost:port
  beforeAll(async () => {
    app = await startTestApp(dialect);
    port = app.config.port;
    other = `127.0.0.1:${port}`;
  });
  afterAll(() => app?.stop());

  it('is redirected to the same path and query on the public origin (GET and HEAD), so passkeys work there', async () => {
    expect(await send(port, '/signup', { host: other, accept: PAGE })).toEqual({ status: 302, location: `${app.url}/signup` });
    expect(await send(port, '/login?return_to=%2Faccount%2Ftokens', { host: other, accept: PAGE }, { method: 'HEAD' })).toEqual({
      status: 302,
      location: `${app.url}/login?return_to=%2Faccount%2Ftokens`,
    });
    expect(await send(port, '/signup', { host: `localhost:${port}`, accept: PAGE })).toEqual({ status: 200, location: undefined });
  });

  it('sends a forged Host to the configured origin, never to the Host it names', async () => {
    expect(await send(port, '/signup', { host: 'evil.example', accept: PAGE })).toEqual({ status: 302, location: `${app.url}/signup` });
    expect(await send(port, '//evil.example/x', { host: 'evil.example', accept: PAGE })).toEqual({
      status: 302,
      location: `${app.url}//evil.example/x`,
    });
  });

  it('leaves API, JSON and OAuth clients alone: they do not ask for a page, and a redirect would break them', async () => {
    expect((await send(port, '/api/v1/me', { host: other, accept: PAGE })).status).toBe(401);
    expect(await send(port, '/.well-known/oauth-authorization-server', { host: other, accept: 'application/json' })).toEqual({
      status: 200,
      location: undefined,
    });
    expect((await send(port, '/signup', { host: other, accept: '*/*' })).status).toBe(200); // curl, fetch
    expect((await send(port, '/signup', { host: other, accept: 'text/html;q=0, application/json' })).status).toBe(200);
    expect((await send(port, '/signup', { host: other })).status).toBe(200);
  });

  it('keeps the fast lane of /token on: a form POST on the other origin is answered there, by the lane', async () => {
    const { client, clientSecret } = await createClient(app.ctx.db, { name: 'c', grantTypes: ['client_credentials'], redirectUris: [] });
    const body = 'grant_type=client_credentials';
    const r = await send(
      port,
      '/token',
      {
        host: other,
        accept: PAGE,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(body.length),
        ...basic(client.clientId, clientSecret!),
      },
      { method: 'POST', body },
    );
    expect(r.status).toBe(200);
    expect(laneAnswers).toHaveBeenCalledTimes(1);
  });
});

describe('the origin a request arrived on, behind a proxy and with extra origins', () => {
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.stop())));

  it('counts the forwarded host with OAUTH3_TRUST_PROXY, and ignores it without', async () => {
    const trusting = await startTestApp('sqlite', { trustProxy: true });
    const plain = await startTestApp('sqlite');
    apps.push(trusting, plain);
    const forwarded = (app: TestApp, host: string) => ({ host: `127.0.0.1:${app.config.port}`, 'x-forwarded-host': host, accept: PAGE });
    const proxied = `localhost:${trusting.config.port}`;
    expect(await send(trusting.config.port, '/signup', forwarded(trusting, proxied))).toEqual({ status: 200, location: undefined });
    expect(await send(trusting.config.port, '/signup', { ...forwarded(trusting, 'evil.example'), host: proxied })).toEqual({
      status: 302,
      location: `${trusting.url}/signup`,
    });
    expect(await send(plain.config.port, '/signup', forwarded(plain, `localhost:${plain.config.port}`))).toEqual({
      status: 302,
      location: `${plain.url}/signup`,
    });
  });

  it('never loops behind a proxy it cannot read: an https public URL is redirected to only on what a trusted proxy names', async () => {
    const untrusting = await startTestApp('sqlite', { publicUrl: 'https://auth.example.com' });
    const trusting = await startTestApp('sqlite', { publicUrl: 'https://auth.example.com', trustProxy: true });
    apps.push(untrusting, trusting);
    // /login, not /signup: sign-up on a public host may need an invitation
    // nginx's default Host is its upstream's address; a TLS proxy's requests arrive over http: both are the proxy's
    for (const host of [`127.0.0.1:${untrusting.config.port}`, 'auth.example.com'])
      expect(await send(untrusting.config.port, '/login', { host, accept: PAGE })).toEqual({ status: 200, location: undefined });
    const port = trusting.config.port;
    expect((await send(port, '/login', { host: `127.0.0.1:${port}`, accept: PAGE })).status).toBe(200); // the proxy names no host
    const named = { host: `127.0.0.1:${port}`, 'x-forwarded-proto': 'https', accept: PAGE };
    expect((await send(port, '/login', { ...named, 'x-forwarded-host': 'auth.example.com' })).status).toBe(200);
    expect(await send(port, '/login?x=1', { ...named, 'x-forwarded-host': 'www.example.com' })).toEqual({
      status: 302,
      location: 'https://auth.example.com/login?x=1',
    });
  });

  it('answers on an origin of OAUTH3_EXTRA_ORIGINS (passkeys work there too)', async () => {
    const port = await freePort();
    const app = await startTestApp('sqlite', { port, extraOrigins: [`http://127.0.0.1:${port}`] });
    apps.push(app);
    expect(await send(port, '/signup', { host: `127.0.0.1:${port}`, accept: PAGE })).toEqual({ status: 200, location: undefined });
    expect((await send(port, '/signup', { host: `127.0.0.2:${port}`, accept: PAGE })).status).toBe(302);
  });
});
