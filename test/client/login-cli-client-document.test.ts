import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { codeFor, exchange, pkce } from '../oauth/support/oauth-helpers.js';
import { consentRisks } from '../../src/oauth/authorize/consent-risks.js';
import type { AuthorizationRequest } from '../../src/oauth/authorize/authorization-request.js';
import type { OAuthClient } from '../../src/oauth/index.js';

describe('the gateway’s CLI client metadata document (/oauth/cli-client.json)', () => {
  let app: TestApp;
  let user: TestUser;
  let clientId: string;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
    user = await createTestUser(app);
    clientId = `${app.url}/oauth/cli-client.json`;
  });
  afterAll(async () => app?.stop());

  const authorizeStatus = async (redirectUri: string, id = clientId) => {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: id,
      redirect_uri: redirectUri,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      state: 's',
    });
    const res = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };

  it('is served: a public client named oauth3 CLI whose client_id is its own URL, loopback redirects, code + refresh', async () => {
    const res = await fetch(clientId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.json()).toEqual({
      client_id: clientId,
      client_name: 'oauth3 CLI',
      redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      software_id: 'oauth3-cli',
    });
    const meta = (await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta.client_id_metadata_document_supported).toBe(true);
  });

  it('is resolved without an outbound fetch (the public URL is plain-http loopback, which the SSRF guard refuses) and stored as a cimd client', async () => {
    // the gateway's own guard would refuse to fetch http://localhost:…: a working /authorize proves it was not fetched
    expect(app.config.oauthCimdAllowHttp).toBe(false);
    const r = await authorizeStatus('http://127.0.0.1:45678/callback');
    expect(r.status).toBe(302);
    expect(new URL(r.location!, app.url).pathname).toBe('/oauth/authorize/page');
    const consent = await (await fetch(new URL(r.location!, app.url), { headers: { cookie: user.cookie } })).text();
    expect(consent).toContain('data-testid="client-name">oauth3 CLI<');
    expect(consent).toContain('This is the oauth3 command-line tool, as this gateway publishes it');
    expect(consent).not.toContain('data-testid="consent-warning"');
    const row = await app.ctx.db.selectFrom('oauth_clients').select(['id', 'source', 'name']).where('id', '=', clientId).executeTakeFirst();
    expect(row).toEqual({ id: clientId, source: 'cimd', name: 'oauth3 CLI' });
    // another http URL on the same host is not the gateway's document: refused as an unknown client, not fetched
    const other = await authorizeStatus('http://127.0.0.1:45678/callback', `${app.url}/oauth/other-client.json`);
    expect(other.status).toBe(400);
  });

  it('its redirect URIs work with any loopback port (127.0.0.1 and [::1]), and not with another host, path or scheme', async () => {
    for (const ok of ['http://127.0.0.1:1024/callback', 'http://127.0.0.1:65000/callback', 'http://[::1]:40000/callback']) {
      const r = await authorizeStatus(ok);
      expect(r.status, ok).toBe(302);
    }
    for (const bad of [
      'http://evil.example/callback',
      'http://localhost:40000/callback',
      'http://127.0.0.2:40000/callback',
      'http://127.0.0.1:40000/other',
      'https://127.0.0.1:40000/callback',
    ]) {
      const r = await authorizeStatus(bad);
      expect(r.status, bad).toBe(400);
      expect(r.text, bad).toContain('redirect_uri is not registered');
    }
  });

  it('gives working tokens: a code for it is exchanged with PKCE at /token as a public client', async () => {
    const redirect = 'http://127.0.0.1:39999/callback';
    const { code, verifier } = await codeFor(app, user, clientId, redirect, { scope: 'profile offline_access' });
    const res = await exchange(app, clientId, code, verifier, redirect);
    expect(res.status).toBe(200);
    expect(res.body.access_token).toBeTruthy();
    expect(res.body.refresh_token).toBeTruthy();
  });

  it('on an https gateway, its own CLI document gets a note on the consent page, not the warning a site’s client sending answers to localhost gets', async () => {
    const client = {
      clientId: 'https://gw.example/oauth/cli-client.json',
      clientUri: null,
      source: 'cimd',
      name: 'oauth3 CLI',
    } as OAuthClient;
    const req = { client, redirectUri: 'http://127.0.0.1:5555/callback' } as AuthorizationRequest;
    // someone else's document with the same name and path: gw.example claims it, the answer goes to this computer
    expect(consentRisks(req).warnings[0]).toContain('This app says it is gw.example, but your answer goes to a program on this computer');
    expect(consentRisks({ ...req, gatewayCli: true })).toEqual({
      unverified: false,
      notes: [expect.stringContaining('Approve only if you just ran oauth3 login.')],
      warnings: [],
    });
  });
});
