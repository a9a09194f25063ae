import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-plugin-upstream.js';
import { apiTokenOf, callAction } from '../support/plugin-call.js';
import { loadGateway } from '../../src/server/index.js';
import { vaultOf } from '../../src/vault/index.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';
import { connectUpstream } from '../support/upstream-connection.js';

const KEY = 'ACME-SECRET-KEY-1';

/** The http plugins of these tests: a header key (acme), a query key (weather), no credential on a private address (intranet). */
function entries(echo: EchoUpstream) {
  return [
    {
      id: 'acme',
      name: 'Acme API',
      base_url: `${echo.url}/v1`,
      provider: 'acme_key',
      credential: { in: 'header', name: 'X-Api-Key' },
      scopes: { 'acme.read': 'Read your Acme items', 'acme.write': 'Change your Acme items' },
      routes: [
        { action: 'read', title: 'Read items', methods: ['GET'], paths: ['/items', '/items/*'], scope: 'acme.read' },
        { action: 'write', methods: ['POST', 'PUT', 'DELETE'], paths: ['/items/**'], scope: 'acme.write' },
      ],
    },
    {
      id: 'weather',
      base_url: echo.url,
      provider: 'acme_key',
      credential: { in: 'query', name: 'key' },
      scopes: { 'weather.read': 'Read the weather with your key' },
      routes: [{ action: 'forecast', methods: ['GET'], paths: ['/forecast'], scope: 'weather.read' }],
    },
    {
      id: 'oauthapi',
      base_url: `${echo.url}/api`,
      provider: 'upstream',
      credential: { in: 'bearer' },
      scopes: { 'oauthapi.read': 'Read the OAuth API as you' },
      routes: [{ action: 'get', methods: ['GET'], paths: ['/me'], scope: 'oauthapi.read' }],
    },
    {
      id: 'intranet',
      base_url: 'http://10.1.2.3',
      scopes: { 'intranet.read': 'Read the intranet' },
      routes: [{ action: 'get', methods: ['GET'], paths: ['/**'], scope: 'intranet.read' }],
    },
  ];
}

describe('http plugins declared in OAUTH3_HTTP_PLUGINS', () => {
  let echo: EchoUpstream;
  let bystander: EchoUpstream;
  let app: TestApp;
  let user: TestUser;
  let token: string;
  let oidc: UpstreamOidc;
  let upstreamToken: string;

  beforeAll(async () => {
    [echo, bystander, oidc] = await Promise.all([startEchoUpstream(), startEchoUpstream(), startUpstreamOidc()]);
    app = await startTestApp(
      'sqlite',
      { providers: [{ preset: 'http_api_key', id: 'acme_key', name: 'Acme' }, oidc.providerEntry()], proxyAllowRanges: ['127.0.0.0/8'] },
      [],
      undefined,
      { OAUTH3_HTTP_PLUGINS: JSON.stringify(entries(echo)) },
    );
    user = await createTestUser(app);
    await vaultOf(app.ctx).store({
      userId: user.userId,
      provider: 'acme_key',
      account: null,
      scopes: '',
      secret: { kind: 'key', values: { api_key: KEY } },
      expiresAt: null,
    });
    upstreamToken = (await connectUpstream(app, user.userId, oidc)).tokens.access_token;
    token = await apiTokenOf(app, user, ['acme.read', 'acme.write', 'weather.read', 'intranet.read', 'oauthapi.read']);
  });
  afterAll(async () => {
    await app?.stop();
    await Promise.all([echo?.close(), bystander?.close(), oidc?.stop()]);
  });

  it('calls a configured route with the key in its header; the upstream’s answer comes back as it is', async () => {
    const before = echo.requests.length;
    const res = await callAction(app, 'acme/read', token, {
      path: '/items/42',
      query: { expand: 'owner', n: 2 },
      headers: { Accept: 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('oauth3-upstream')).toBe('acme');
    expect(res.body).toEqual({ echo: null, path: '/v1/items/42?expand=owner&n=2', authorized: null });
    const sent = echo.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe('GET');
    expect(sent[0]!.headers['x-api-key']).toBe(KEY);
    expect(sent[0]!.headers.accept).toBe('application/json');
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(JSON.stringify(echo.requests)).not.toContain(token);

    const put = await callAction(app, 'acme/write', token, { method: 'PUT', path: '/items/42/tags', body: { tag: 'red' } });
    expect(put.body).toMatchObject({ echo: { tag: 'red' }, path: '/v1/items/42/tags' });
    expect(echo.requests.at(-1)!.method).toBe('PUT');
    expect(JSON.stringify(put.body)).not.toContain(KEY);
  });

  it('places a key provider’s value in a query parameter the agent may not set itself', async () => {
    const res = await callAction(app, 'weather/forecast', token, { path: '/forecast', query: { city: 'Oslo' } });
    expect(res.body.path).toBe(`/forecast?city=Oslo&key=${KEY}`);
    const before = echo.requests.length;
    const own = await callAction(app, 'weather/forecast', token, { path: '/forecast', query: { key: 'mine' } });
    expect([own.status, own.body.error]).toEqual([400, 'ERR_PROXY_INVALID_INPUT']);
    expect(echo.requests.length).toBe(before);
  });

  it('sends an OAuth provider’s access token as the bearer (the host injects it), never the agent’s token', async () => {
    const res = await callAction(app, 'oauthapi/get', token, { path: '/me' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ echo: null, path: '/api/me', authorized: upstreamToken });
    expect(echo.requests.at(-1)!.headers.authorization).toBe(`Bearer ${upstreamToken}`);
    expect(JSON.stringify(echo.requests)).not.toContain(token);
  });

  it('refuses a token without the route’s scope, or with another plugin’s, before anything is sent', async () => {
    const before = echo.requests.length;
    const readOnly = await apiTokenOf(app, user, ['acme.read']);
    const res = await callAction(app, 'acme/write', readOnly, { method: 'POST', path: '/items/1', body: {} });
    expect([res.status, res.body.error]).toEqual([403, 'insufficient_scope']);
    expect(res.body.error_description).toContain('acme.write');
    const weather = await apiTokenOf(app, user, ['weather.read']);
    expect((await callAction(app, 'acme/read', weather, { path: '/items' })).status).toBe(403);
    expect(echo.requests.length).toBe(before);
  });

  it('refuses a path outside the route’s patterns (403) and a method the route does not allow (400)', async () => {
    const before = echo.requests.length;
    for (const path of ['/admin', '/items/1/2', '/itemsx', '/']) {
      const res = await callAction(app, 'acme/read', token, { path });
      expect([res.status, res.body.error]).toEqual([403, 'ERR_HTTP_PATH_NOT_ALLOWED']);
      expect(res.body.details.allowed).toEqual(['/items', '/items/*']);
    }
    expect((await callAction(app, 'acme/read', token, { method: 'DELETE', path: '/items/1' })).status).toBe(400);
    expect((await callAction(app, 'acme/write', token, { method: 'DELETE', path: '/items/1', body: { x: 1 } })).status).toBe(400);
    expect(echo.requests.length).toBe(before);
  });

  it('a grant’s path constraint narrows a route further (prefix and methods), enforced before anything is sent', async () => {
    const narrow = await apiTokenOf(app, user, ['acme.write'], {
      actions: { 'acme.write': { constraints: [{ kind: 'path', prefix: '/items/1/', methods: ['POST'] }] } },
    });
    expect((await callAction(app, 'acme/write', narrow, { method: 'POST', path: '/items/1/notes', body: {} })).status).toBe(200);
    const before = echo.requests.length;
    for (const input of [
      { method: 'POST', path: '/items/2/notes', body: {} },
      { method: 'PUT', path: '/items/1/notes', body: {} },
    ]) {
      const res = await callAction(app, 'acme/write', narrow, input);
      expect([res.status, res.body.error]).toEqual([403, 'ERR_PROXY_POLICY']);
    }
    expect(echo.requests.length).toBe(before);
  });

  it('refuses path traversal in every form with 400 before anything is sent', async () => {
    const before = echo.requests.length;
    const forms = [
      '/items/../admin',
      '/items/..',
      '/items/.',
      '/items/%2e%2e/admin',
      '/items/%2E%2E',
      '/items/.%2e/admin',
      '/items%2fadmin',
      '/items/..%2Fadmin',
      '/items/%5c..%5cadmin',
      '/items\\..\\admin',
      '/items/%252e%252e/admin',
      '/items/%25',
      '/items//admin',
      '/items/..;/admin',
      '/items/a%00',
      '/items/a%0d%0aHost:evil',
      '/items/a b',
      '/items/1?admin=1',
      '/items/1#x',
      'items/1',
      '/items/%zz',
    ];
    for (const path of forms) {
      const res = await callAction(app, 'acme/write', token, { method: 'POST', path, body: {} });
      expect([path, res.status, res.body.error, res.body.details?.field]).toEqual([path, 400, 'ERR_PROXY_INVALID_INPUT', 'path']);
    }
    expect(echo.requests.length).toBe(before);
    expect((await callAction(app, 'acme/write', token, { method: 'POST', path: '/items/a%20b/c.d', body: {} })).status).toBe(200);
  });

  it('refuses header injection: names outside the allow-list (Host, Authorization, hop-by-hop, the key’s header) and CR/LF', async () => {
    const before = echo.requests.length;
    for (const headers of [
      { Host: 'evil.example' },
      { Authorization: 'Bearer someone-else' },
      { Cookie: 'a=b' },
      { Connection: 'close' },
      { 'Transfer-Encoding': 'chunked' },
      { 'X-Api-Key': 'another key' },
      { 'X-Forwarded-For': '10.0.0.1' },
      { Accept: 'application/json\r\nX-Injected: 1' },
      { Accept: 'a\nb' },
      { 'Bad Name': 'x' },
    ]) {
      const res = await callAction(app, 'acme/read', token, { path: '/items', headers });
      expect([JSON.stringify(headers), res.status, res.body.error]).toEqual([JSON.stringify(headers), 400, 'ERR_PROXY_INVALID_INPUT']);
    }
    expect(echo.requests.length).toBe(before);
  });

  it('a base URL outside the allowed addresses is refused with nothing sent; an upstream redirect is not followed', async () => {
    const intranet = await callAction(app, 'intranet/get', token, { path: '/secrets' });
    expect([intranet.status, intranet.body.error]).toEqual([502, 'ERR_PROXY_UPSTREAM_HOST']);
    expect(intranet.body.message).toContain('10.1.2.3');

    const res = await fetch(`${app.url}/proxy/acme/read`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ path: '/items/1', query: { redirect_to: `${bystander.url}/steal` } }),
      redirect: 'manual',
    });
    expect([res.status, res.headers.get('location'), await res.text()]).toEqual([302, null, '']);
    expect(bystander.requests).toHaveLength(0);
  });

  it('declares each configured API’s scopes with their descriptions, and refuses a bad entry at start naming it', async () => {
    expect(app.ctx.registries.scopes.get('acme.write')?.description).toBe('Change your Acme items');
    const doc = await (await fetch(`${app.url}/docs/json`)).json();
    expect(doc.paths['/proxy/acme/read'].post.summary).toBe('Read items');
    expect(doc.paths['/proxy/acme/write'].post.requestBody.content['application/json'].schema.properties.method).toEqual({
      enum: ['POST', 'PUT', 'DELETE'],
      description: 'The HTTP method (default POST).',
    });
    for (const path of ['/proxy/x/tweet.post', '/proxy/x/tweet.read', '/proxy/telegram/post_any', '/proxy/telegram/post'])
      expect(doc.paths[path]?.post, path).toBeDefined();
    const bad = (e: unknown) => loadGateway({ OAUTH3_HTTP_PLUGINS: JSON.stringify([e]) });
    const base = entries(echo)[0]!;
    await expect(bad({ ...base, routes: [{ ...base.routes[0], paths: ['/items/../admin'] }] })).rejects.toThrow(
      /OAUTH3_HTTP_PLUGINS.*no dot segments/,
    );
    await expect(bad({ ...base, routes: [{ ...base.routes[0], scope: 'nope' }] })).rejects.toThrow(
      /OAUTH3_HTTP_PLUGINS.*scope must be one of/,
    );
    await expect(bad({ ...base, credential: { in: 'header', name: 'Authorization' } })).rejects.toThrow(/may not be authorization/);
    await expect(bad({ ...base, base_url: 'ftp://x' })).rejects.toThrow(/base_url must be https/);
    await expect(
      startTestApp('sqlite', { providers: [{ preset: 'http_api_key', id: 'acme_key' }] }, [], undefined, {
        OAUTH3_HTTP_PLUGINS: JSON.stringify([{ ...base, credential: { in: 'bearer' } }]),
      }),
    ).rejects.toThrow(/http plugin acme: credential in: bearer needs an OAuth provider/);
  });
});
