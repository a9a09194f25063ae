import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';
import { echoPlugin } from '../support/echo-plugin.js';
import { postJson } from '../agents/agent-helpers.js';
import { exchange, pkce, publicClient } from '../oauth/support/oauth-helpers.js';

const EXAMPLE = './examples/plugins/weather/weather-plugin.mjs';

/** A stand-in of Open-Meteo's forecast API: answers /v1/forecast with a fixed current reading, records the queries. */
async function startForecastApi(): Promise<{ url: string; queries: URLSearchParams[]; server: Server }> {
  const queries: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    queries.push(url.searchParams);
    res.writeHead(url.pathname === '/v1/forecast' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ current: { time: '2026-12-07T07:00', temperature_2m: 3.5, wind_speed_10m: 11.2 } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries, server };
}

describe('plugins loaded through OAUTH3_PLUGINS', () => {
  let forecast: Awaited<ReturnType<typeof startForecastApi>>;
  let app: TestApp;
  let user: TestUser;
  beforeAll(async () => {
    forecast = await startForecastApi();
    app = await startTestApp('sqlite', { proxyAllowRanges: ['127.0.0.0/8'] }, [echoPlugin], undefined, {
      OAUTH3_PLUGINS: EXAMPLE,
      OAUTH3_WEATHER_API_BASE: forecast.url,
      OAUTH3_ECHO_UPSTREAM: 'http://127.0.0.1:9',
    });
    user = await createTestUser(app);
  });
  afterAll(async () => {
    await app?.stop();
    await new Promise((r) => forecast.server.close(r));
  });

  it('serves the documented example plugin, its option read from the environment', async () => {
    const token = await postJson(app, '/api/v1/me/tokens', user.headers, { name: 'weather', scopes: ['weather.read'] });
    expect(token.status).toBe(201);
    const res = await fetch(`${app.url}/proxy/weather/current`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ latitude: 52.52, longitude: 13.41 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { temperature_c: 3.5, wind_speed_kmh: 11.2, time: '2026-12-07T07:00' } });
    expect(Object.fromEntries(forecast.queries.at(-1)!)).toEqual({
      latitude: '52.52',
      longitude: '13.41',
      current: 'temperature_2m,wind_speed_10m',
    });
    const bad = await postJson(
      app,
      '/proxy/weather/current',
      { authorization: `Bearer ${token.body.token}` },
      { latitude: 91, longitude: 0 },
    );
    expect([bad.status, bad.body.details?.field]).toEqual([400, 'input.latitude']);
  });

  it("lists a plugin's scopes where scopes are chosen: discovery, the API-token form, the delegation form", async () => {
    const as = await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json();
    expect(as.scopes_supported).toEqual(expect.arrayContaining(['weather.read', 'echo.say', 'echo.read']));
    const prm = await (await fetch(`${app.url}/.well-known/oauth-protected-resource`)).json();
    expect(prm.scopes_supported).toEqual(expect.arrayContaining(['weather.read', 'echo.say']));
    const tokensPage = await (await fetch(`${app.url}/account/tokens`, { headers: { cookie: user.cookie } })).text();
    expect(tokensPage).toContain('weather.read');
    expect(tokensPage).toContain('Look up the current weather for a place');
    const delegatePage = await (await fetch(`${app.url}/account/agents/delegate`, { headers: { cookie: user.cookie } })).text();
    expect(delegatePage).toContain('weather.read');
  });

  it("shows the calls in the person's access log, under the kind proxy", async () => {
    await app.ctx.audit.flush();
    const page = await (await fetch(`${app.url}/account/events?kind=proxy`, { headers: { cookie: user.cookie } })).text();
    expect(page).toContain('<option value="proxy" selected');
    const rows = page.match(/data-action="[^"]+"/g) ?? [];
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows)).toEqual(new Set(['data-action="proxy.called"']));
    expect(page).toContain('Agent action through the gateway');
    expect(page).toContain('action: current');
  });

  it('shows a plugin scope on the consent page, and the OAuth access token it grants calls the action', async () => {
    const redirectUri = 'http://127.0.0.1:9/cb';
    const client = await publicClient(app, redirectUri);
    const { verifier, challenge } = pkce();
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: 'weather.read',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const first = await fetch(`${app.url}/authorize?${params}`, { redirect: 'manual' });
    const consent = await fetch(new URL(first.headers.get('location')!, app.url), { headers: { cookie: user.cookie } });
    const html = await consent.text();
    expect(html).toContain('data-testid="consent"');
    expect(html).toContain('Look up the current weather for a place');
    params.set('_csrf', user.csrf);
    params.set('decision', 'approve');
    const approved = await fetch(`${app.url}/oauth/authorize/approve`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: params,
      redirect: 'manual',
    });
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const tokens = await exchange(app, client.client_id, code, verifier, redirectUri);
    expect(tokens.status).toBe(200);
    const res = await postJson(
      app,
      '/proxy/weather/current',
      { authorization: `Bearer ${tokens.body.access_token}` },
      { latitude: 1, longitude: 2 },
    );
    expect([res.status, res.body.result.temperature_c]).toEqual([200, 3.5]);
  });

  it('documents each action on /docs with its input schema', async () => {
    const doc = await (await fetch(`${app.url}/docs/json`)).json();
    const op = doc.paths['/proxy/weather/current'].post;
    expect(op.summary).toBe('Current weather');
    expect(op.description).toContain('weather.read');
    expect(op.requestBody.content['application/json'].schema).toMatchObject({
      required: ['latitude', 'longitude'],
      properties: { latitude: { type: 'number', maximum: 90 } },
    });
    expect(doc.paths['/proxy/{plugin}/{action}']).toBeUndefined();
  });

  it("refuses a client's own token (no person) for an action that needs a person's connected account", async () => {
    const { token } = await issueAccessToken(app.ctx, {
      userId: null,
      clientId: 'machine',
      scopes: ['echo.say', 'weather.read'],
      audience: [app.ctx.resources.gatewayUrl],
      ttl: 60,
    });
    const res = await postJson(app, '/proxy/echo/say', { authorization: `Bearer ${token}` }, { text: 'x' });
    expect([res.status, res.body.error]).toEqual([403, 'ERR_PROXY_NO_PERSON']);
    expect(res.body.message).toContain("a person's upstream account");
    const weather = await postJson(app, '/proxy/weather/current', { authorization: `Bearer ${token}` }, { latitude: 0, longitude: 0 });
    expect(weather.status).toBe(200); // a plugin without a provider needs no person
  });
});

describe('a bad OAUTH3_PLUGINS entry stops the start, naming it', () => {
  const start = (plugins: string) => startTestApp('sqlite', {}, [], undefined, { OAUTH3_PLUGINS: plugins });

  it('a path that does not load', async () => {
    await expect(start('./examples/plugins/nope.mjs')).rejects.toThrow(/^OAUTH3_PLUGINS: cannot load \.\/examples\/plugins\/nope\.mjs: /);
  });

  it('a module that is not a plugin', async () => {
    await expect(start('./test/kernel/notes-module.ts')).rejects.toThrow(
      'OAUTH3_PLUGINS: ./test/kernel/notes-module.ts does not export a plugin module (a gateway module with a `plugin`: see docs/plugins.md)',
    );
  });

  it('a plugin whose manifest is wrong', async () => {
    await expect(start('./test/support/echo-plugin-broken.ts')).rejects.toThrow(
      'plugin broken, action go: its scope "broken.write" is not one of the scopes the plugin\'s module declares',
    );
  });
});
