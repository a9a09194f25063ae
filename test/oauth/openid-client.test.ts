import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { createClient } from '../../src/oauth/index.js';
import { advanceClock, authorize, pkce, type AuthParams } from './support/oauth-helpers.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
const insecure = { execute: [oidc.allowInsecureRequests] };

const paramsOf = (url: URL): AuthParams => Object.fromEntries(url.searchParams);

describe.each(dialects)('openid-client (strict OpenID Connect RP) against the gateway on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let signedInAt: number;

  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
    await app.ctx.db.updateTable('users').set({ username: 'ada', email: 'ada@example.com' }).where('id', '=', user.userId).execute();
    const session = await app.ctx.db.selectFrom('sessions').select('created_at').where('id', '=', user.sessionId).executeTakeFirstOrThrow();
    signedInAt = Number(session.created_at);
  });
  afterAll(() => app.stop());

  it('discovers the provider, registers, runs the code flow with openid and reads /userinfo', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(app.url),
      { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post' }, // no alg: openid-client's default RS256
      undefined,
      insecure,
    );
    const meta = config.serverMetadata();
    expect(meta.userinfo_endpoint).toBe(`${app.url}/userinfo`);
    expect(meta.request_uri_parameter_supported).toBe(false);
    expect(meta.id_token_signing_alg_values_supported).toContain('RS256');
    expect(meta.claims_supported).toContain('auth_time');

    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      max_age: '600',
    });
    const callback = await authorize(app, user, paramsOf(url));
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      maxAge: 600,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(user.userId);
    expect(claims.iss).toBe(app.url);
    expect(claims.auth_time).toBe(Math.floor(signedInAt / 1000));
    const header = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('RS256');
    const jwks = await (await fetch(`${app.url}/jwks.json`)).json();
    expect(jwks.keys.map((k: { kty: string; alg: string }) => `${k.kty} ${k.alg}`)).toEqual(['EC ES256', 'RSA RS256']);
    expect(jwks.keys[1].d).toBeUndefined();
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.userId);
    expect(info).toMatchObject({ sub: user.userId, preferred_username: 'ada', email: 'ada@example.com', email_verified: false });
  });

  it('signs ID tokens ES256 for a client that registered it, and refuses any other id_token_signed_response_alg', async () => {
    const config = await oidc.dynamicClientRegistration(
      new URL(app.url),
      { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post', id_token_signed_response_alg: 'ES256' },
      undefined,
      insecure,
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const tokens = await oidc.authorizationCodeGrant(config, await authorize(app, user, paramsOf(url)), { pkceCodeVerifier: verifier });
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0], 'base64url').toString()).alg).toBe('ES256');
    for (const alg of ['none', 'HS256', 'PS256']) {
      const res = await fetch(`${app.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT], id_token_signed_response_alg: alg }),
      });
      expect(res.status, alg).toBe(400);
      expect((await res.json()).error).toBe('invalid_client_metadata');
    }
  });

  it('an RS256 ID token is no bearer: the gateway verifies ES256 access tokens only', async () => {
    const rsaKid = (await (await fetch(`${app.url}/jwks.json`)).json()).keys.find((k: { alg: string }) => k.alg === 'RS256').kid;
    const forged = app.ctx.keys.sign(
      { sub: user.userId, aud: app.url, iss: app.url, exp: Math.floor(Date.now() / 1000) + 60 },
      { typ: 'at+jwt' },
      'RS256',
    );
    expect(JSON.parse(Buffer.from(forged.split('.')[0], 'base64url').toString()).kid).toBe(rsaKid);
    const res = await fetch(`${app.url}/userinfo`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
  });

  it('/userinfo refuses no token, a token without openid, and a session JWT', async () => {
    const none = await fetch(`${app.url}/userinfo`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const made = await createClient(app.ctx.db, { name: 'rp', redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'none' });
    const { verifier, challenge } = pkce();
    const back = await authorize(app, user, {
      response_type: 'code',
      client_id: made.client.clientId,
      redirect_uri: REDIRECT,
      scope: 'profile',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const res = await fetch(`${app.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: made.client.clientId,
        code: back.searchParams.get('code')!,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
      }),
    });
    const { access_token } = await res.json();
    const narrow = await fetch(`${app.url}/userinfo`, { method: 'POST', headers: { authorization: `Bearer ${access_token}` } });
    expect(narrow.status).toBe(403);
    expect(await narrow.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(narrow.headers.get('www-authenticate')).toContain('scope="openid"');
    const session = await fetch(`${app.url}/userinfo`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(session.status).toBe(401);
  });

  describe('prompt and max_age (OpenID Connect Core §3.1.2.1)', () => {
    let clientId: string;
    const start = async (extra: AuthParams, cookie?: string) => {
      const { challenge } = pkce();
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        state: 'st',
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...(extra as Record<string, string>),
      });
      const res = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      return { status: res.status, location: res.headers.get('location') ? new URL(res.headers.get('location')!, app.url) : undefined };
    };
    beforeAll(async () => {
      clientId = (await createClient(app.ctx.db, { name: 'operator rp', redirectUris: [REDIRECT], tokenEndpointAuthMethod: 'none' })).client
        .clientId;
    });

    it('prompt=none without a session redirects with login_required, not to the sign-in page', async () => {
      const { location } = await start({ prompt: 'none' });
      expect(location?.origin + location!.pathname).toBe(REDIRECT);
      expect(location!.searchParams.get('error')).toBe('login_required');
      expect(location!.searchParams.get('state')).toBe('st');
      expect(location!.searchParams.get('iss')).toBe(app.url);
    });

    it('prompt=none with a session but no consent redirects with consent_required; once approved it answers a code', async () => {
      const first = await start({ prompt: 'none' }, user.cookie);
      const page = await fetch(first.location!, { headers: { cookie: user.cookie }, redirect: 'manual' });
      const back = new URL(page.headers.get('location')!);
      expect(back.searchParams.get('error')).toBe('consent_required');
      const { challenge } = pkce();
      const approved = await authorize(app, user, {
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        scope: 'openid',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      expect(approved.searchParams.get('code')).toBeTruthy();
      const again = await start({ prompt: 'none' }, user.cookie);
      const silent = await fetch(again.location!, { headers: { cookie: user.cookie }, redirect: 'manual' });
      expect(new URL(silent.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    });

    it('prompt=none of a self-registered client shows a page instead of redirecting (no open redirect)', async () => {
      const reg = await fetch(`${app.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: ['https://attacker.example/cb'], token_endpoint_auth_method: 'none' }),
      });
      const { client_id } = await reg.json();
      const { challenge } = pkce();
      const q = new URLSearchParams({
        response_type: 'code',
        client_id,
        redirect_uri: 'https://attacker.example/cb',
        prompt: 'none',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      const res = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('data-testid="return-to-app"');
    });

    it('prompt=none combined with another value, or a max_age that is not a number, is invalid_request', async () => {
      for (const extra of [{ prompt: 'none login' }, { max_age: '-1' }, { max_age: 'soon' }] as AuthParams[]) {
        const { location } = await start(extra);
        expect(location!.searchParams.get('error'), JSON.stringify(extra)).toBe('invalid_request');
      }
    });

    it('a session older than max_age, or prompt=login, sends the person to sign in again; with prompt=none it is login_required', async () => {
      const clock = advanceClock(10 * 60_000);
      try {
        const old = await start({ max_age: '60' }, user.cookie);
        expect(old.location!.pathname).toBe('/login');
        expect(old.location!.searchParams.get('reauth')).toBe('1');
        expect(old.location!.searchParams.get('return_to')).toMatch(/^\/oauth\/authorize\/page\?/);
        const silent = await start({ max_age: '60', prompt: 'none' }, user.cookie);
        expect(silent.location!.searchParams.get('error')).toBe('login_required');
        const login = await start({ prompt: 'login' }, user.cookie);
        expect(login.location!.pathname).toBe('/login');
        const within = await start({ max_age: '3600' }, user.cookie);
        expect(within.location!.pathname).toBe('/oauth/authorize/page');
      } finally {
        clock.restore();
      }
      const reauth = await fetch(`${app.url}/login?reauth=1&return_to=%2Faccount`, {
        headers: { cookie: user.cookie },
        redirect: 'manual',
      });
      expect(reauth.status).toBe(200);
      const skip = await fetch(`${app.url}/login?return_to=%2Faccount`, { headers: { cookie: user.cookie }, redirect: 'manual' });
      expect(skip.status).toBe(302);
    });
  });
});
