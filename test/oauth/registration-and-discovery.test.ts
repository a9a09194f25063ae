import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const post = (app: TestApp, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe.each(dialects)('dynamic registration and discovery on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  it.each([
    ['javascript:', 'javascript:alert(1)//'],
    ['data:', 'data:text/html,hi'],
    ['a fragment', 'https://app.example/cb#frag'],
    ['a wildcard', 'https://*.app.example/cb'],
    ['http off loopback', 'http://app.example/cb'],
    ['a custom scheme', 'com.example.app:/cb'],
  ])('refuses a redirect URI with %s', async (_what, uri) => {
    const res = await post(app, { redirect_uris: [uri], client_name: 'bad' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('invalid_redirect_uri');
  });

  it('accepts https and loopback redirect URIs and returns the registration', async () => {
    const res = await post(app, {
      redirect_uris: ['https://app.example/cb', 'http://127.0.0.1:3000/cb', 'http://localhost:3000/cb'],
      client_name: 'ok',
      token_endpoint_auth_method: 'none',
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({
      client_name: 'ok',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
    });
    expect(body.client_secret).toBeUndefined();
    const stored = await app.ctx.db.selectFrom('oauth_clients').selectAll().where('id', '=', body.client_id).executeTakeFirstOrThrow();
    expect(stored.source).toBe('dcr');
  });

  it('stores only the SHA-256 of a client secret', async () => {
    const body = await (await post(app, { redirect_uris: ['https://app.example/cb'] })).json();
    const stored = await app.ctx.db.selectFrom('oauth_clients').selectAll().where('id', '=', body.client_id).executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(body.client_secret);
    expect(JSON.stringify(stored)).not.toContain(body.client_secret);
  });

  it('refuses bad metadata with invalid_client_metadata', async () => {
    for (const bad of [
      { redirect_uris: ['https://a.example/cb'], grant_types: ['password'] },
      { redirect_uris: ['https://a.example/cb'], scope: 'root' },
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      { redirect_uris: ['https://a.example/cb'], response_types: ['token'] },
    ]) {
      const res = await post(app, bad);
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await res.json()).error).toBe('invalid_client_metadata');
    }
    const notJson = await fetch(`${app.url}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[' });
    expect(notJson.status).toBe(400);
  });

  it('publishes protected-resource metadata whose resource is exactly the challenged URL', async () => {
    const unauth = await fetch(`${app.url}/api/v1/me/apps`);
    expect(unauth.status).toBe(401);
    const challenge = unauth.headers.get('www-authenticate')!;
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)![1];
    expect(metadataUrl).toBe(`${app.url}/.well-known/oauth-protected-resource`);
    const prm = await (await fetch(metadataUrl)).json();
    expect(prm.resource).toBe(app.url);
    expect(prm.authorization_servers).toEqual([app.url]);
    expect(prm.scopes_supported).toContain('tokens.manage');
  });

  it('serves the path-inserted form for a resource on the gateway origin, and 404 for others', async () => {
    app.ctx.resources.add({
      url: `${app.url}/mcp/notes`,
      name: 'Notes MCP',
      scopes: [{ name: 'notes.read', description: 'Read notes' }],
      source: 'module',
    });
    const prm = await (await fetch(`${app.url}/.well-known/oauth-protected-resource/mcp/notes`)).json();
    expect(prm).toMatchObject({ resource: `${app.url}/mcp/notes`, authorization_servers: [app.url], scopes_supported: ['notes.read'] });
    expect((await fetch(`${app.url}/.well-known/oauth-protected-resource/nothing/here`)).status).toBe(404);
  });

  it('answers both discovery documents with the same endpoints', async () => {
    const as = await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json();
    const oidc = await (await fetch(`${app.url}/.well-known/openid-configuration`)).json();
    expect(as).toMatchObject({
      issuer: app.url,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    });
    expect(oidc.token_endpoint).toBe(as.token_endpoint);
  });
});

describe('registration policy', () => {
  it('requires the initial access token when configured', async () => {
    const app = await startTestApp('sqlite', { oauthRegistration: 'token', oauthRegistrationToken: 'initial-token-0123456789' });
    try {
      const none = await post(app, { redirect_uris: ['https://a.example/cb'] });
      expect(none.status).toBe(401);
      expect((await none.json()).error).toBe('invalid_token');
      expect((await post(app, { redirect_uris: ['https://a.example/cb'] }, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect(
        (await post(app, { redirect_uris: ['https://a.example/cb'] }, { authorization: 'Bearer initial-token-0123456789' })).status,
      ).toBe(201);
    } finally {
      await app.stop();
    }
  });

  it('has no endpoint and advertises none when closed', async () => {
    const app = await startTestApp('sqlite', { oauthRegistration: 'closed' });
    try {
      expect((await post(app, { redirect_uris: ['https://a.example/cb'] })).status).toBe(404);
      expect((await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json()).registration_endpoint).toBeUndefined();
    } finally {
      await app.stop();
    }
  });
});
