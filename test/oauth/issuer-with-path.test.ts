import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { discoverOAuthServerInfo } from '@modelcontextprotocol/sdk/client/auth.js';
import { dialects } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';

const insecure = { [oauth.allowInsecureRequests]: true };
const REDIRECT = 'http://127.0.0.1:9/callback';

describe.each(dialects)('a gateway whose public URL has a path (/auth) on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let origin: string;
  let issuer: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    issuer = `${origin}/auth`;
    app = await startTestApp(dialect, { port, publicUrl: issuer });
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  it('is discovered by the MCP SDK through the path-inserted forms, naming the issuer with its path', async () => {
    const fetched: string[] = [];
    const info = await discoverOAuthServerInfo(issuer, {
      fetchFn: (url, init) => {
        fetched.push(String(url));
        return fetch(url, init);
      },
    });
    expect(fetched[0]).toBe(`${origin}/.well-known/oauth-protected-resource/auth`);
    expect(fetched).toContain(`${origin}/.well-known/oauth-authorization-server/auth`);
    expect(info.resourceMetadata?.resource).toBe(issuer);
    expect(info.authorizationServerUrl).toBe(issuer);
    expect(info.authorizationServerMetadata?.issuer).toBe(issuer);
    expect(info.authorizationServerMetadata?.token_endpoint).toBe(`${issuer}/token`);
  });

  it('serves every discovery form, and no document for the origin root (a different issuer)', async () => {
    for (const path of [
      '/.well-known/oauth-authorization-server/auth',
      '/.well-known/openid-configuration/auth',
      '/auth/.well-known/openid-configuration',
      '/auth/.well-known/oauth-authorization-server',
    ]) {
      const res = await fetch(`${origin}${path}`);
      expect(res.status, path).toBe(200);
      expect((await res.json()).issuer, path).toBe(issuer);
    }
    const prm = await fetch(`${origin}/auth/.well-known/oauth-protected-resource`);
    expect((await prm.json()).resource).toBe(issuer);
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/other',
      '/authorize',
      '/token',
    ]) {
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
    }
  });

  it('runs the code flow with oauth4webapi, every redirect staying under /auth', async () => {
    const iss = new URL(issuer);
    const as = await oauth.processDiscoveryResponse(iss, await oauth.discoveryRequest(iss, { ...insecure, algorithm: 'oauth2' }));
    const rs = await oauth.processResourceDiscoveryResponse(iss, await oauth.resourceDiscoveryRequest(iss, insecure));
    expect(rs.authorization_servers).toEqual([issuer]);
    const client = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }, insecure),
    );
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const start = new URL(as.authorization_endpoint!);
    expect(start.href).toBe(`${issuer}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }))
      start.searchParams.set(k, v);

    const first = await fetch(start, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const page = new URL(first.headers.get('location')!, start);
    expect(page.pathname).toBe('/auth/oauth/authorize/page');

    const anonymous = await fetch(page, { redirect: 'manual' });
    const login = new URL(anonymous.headers.get('location')!, page);
    expect(login.pathname).toBe('/auth/login');
    expect(login.searchParams.get('return_to')).toBe(`/oauth/authorize/page${page.search}`); // as routes name it

    const consent = await fetch(page, { headers: { cookie: user.cookie } });
    const html = await consent.text();
    const action = new URL(/<form method="post" action="([^"]+)" data-testid="consent-form"/.exec(html)![1], page);
    expect(action.pathname).toBe('/auth/oauth/authorize/approve');
    const form = new URLSearchParams(page.search);
    form.set('_csrf', user.csrf);
    form.set('decision', 'approve');
    const approved = await fetch(action, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    const callback = new URL(approved.headers.get('location')!);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure),
    );
    expect((await app.ctx.tokens.verify(tokens.access_token, { audience: issuer })).userId).toBe(user.userId);
  });

  it('keeps the pages redirects under /auth', async () => {
    const account = await fetch(`${issuer}/account`, { redirect: 'manual' });
    const login = new URL(account.headers.get('location')!, issuer);
    expect(login.pathname).toBe('/auth/login');
    expect(login.searchParams.get('return_to')).toBe('/account'); // as routes name it; put under /auth when followed
    const signedIn = await fetch(`${issuer}/login`, { headers: { cookie: user.cookie }, redirect: 'manual' });
    expect(signedIn.headers.get('location')).toBe('/auth/account');
  });
});
