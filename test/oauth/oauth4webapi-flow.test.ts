import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { authorize, basic, postForm, register } from './support/oauth-helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true };
const REDIRECT = 'http://127.0.0.1:9/callback';

describe.each(dialects)('oauth4webapi drives the authorization server on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let auth: oauth.ClientAuth;
  let tokens: oauth.TokenEndpointResponse;

  beforeAll(async () => {
    app = await startTestApp(dialect);
    user = await createTestUser(app);
  });
  afterAll(() => app.stop());

  it('discovers RFC 8414 metadata that tells the truth', async () => {
    const issuer = new URL(app.url);
    as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    expect(as.issuer).toBe(app.url);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.authorization_response_iss_parameter_supported).toBe(true);
    expect(as.client_id_metadata_document_supported).toBe(true);
    expect(as.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    for (const ep of [
      'authorization_endpoint',
      'token_endpoint',
      'registration_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'jwks_uri',
    ] as const) {
      const res = await fetch(as[ep] as string, { method: ep === 'authorization_endpoint' || ep === 'jwks_uri' ? 'GET' : 'POST' });
      expect(res.status, ep).not.toBe(404);
    }
    const oidc = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
    expect(oidc.token_endpoint).toBe(as.token_endpoint);
  });

  it('registers a client dynamically (RFC 7591)', async () => {
    const res = await oauth.dynamicClientRegistrationRequest(
      as,
      {
        redirect_uris: [REDIRECT],
        client_name: 'oauth4webapi test',
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      insecure,
    );
    client = await oauth.processDynamicClientRegistrationResponse(res);
    expect(client.client_id).toBeTruthy();
    expect(typeof client.client_secret).toBe('string');
    auth = oauth.ClientSecretBasic(client.client_secret as string);
  });

  it('runs the code flow with PKCE and gets an RFC 9068 access token for the resource', async () => {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const callback = await authorize(app, user, {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      state,
      scope: 'profile',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: app.url,
    });
    expect(callback.searchParams.get('iss')).toBe(app.url);
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT, verifier, insecure);
    tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.scope).toBe('profile');
    expect(tokens.refresh_token).toBeTruthy();
    const claims = await oauth.validateJwtAccessToken(
      as,
      new Request(app.url, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
      app.url,
      insecure,
    );
    expect(claims).toMatchObject({ iss: app.url, aud: app.url, sub: user.userId, client_id: client.client_id, scope: 'profile' });
    const me = await fetch(`${app.url}/api/v1/me/apps`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
  });

  it('issues an OpenID Connect ID token when openid is granted, validated by oauth4webapi, and refuses it as a bearer', async () => {
    const issuer = new URL(app.url);
    const oidc = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oidc' }));
    expect(oidc.id_token_signing_alg_values_supported).toEqual(['RS256', 'ES256']);
    const verifier = oauth.generateRandomCodeVerifier();
    const nonce = oauth.generateRandomNonce();
    const state = oauth.generateRandomState();
    const callback = await authorize(app, user, {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      state,
      nonce,
      scope: 'openid profile',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      resource: app.url,
    });
    const params = oauth.validateAuthResponse(oidc, client, callback, state);
    const res = await oauth.authorizationCodeGrantRequest(oidc, client, auth, params, REDIRECT, verifier, insecure);
    const out = await oauth.processAuthorizationCodeResponse(oidc, client, res, { expectedNonce: nonce, requireIdToken: true });
    const claims = oauth.getValidatedIdTokenClaims(out)!;
    expect(claims).toMatchObject({ iss: app.url, sub: user.userId, aud: client.client_id, nonce });
    // signed by a key of the JWKS (oauth4webapi trusts the TLS channel for the claims; check the signature too)
    const { createRemoteJWKSet, jwtVerify } = await import('jose');
    const { protectedHeader } = await jwtVerify(out.id_token!, createRemoteJWKSet(new URL(`${app.url}/jwks.json`)), {
      issuer: app.url,
      audience: client.client_id,
    });
    expect(protectedHeader.alg).toBe('RS256'); // the OpenID Connect default: the client registered no id_token_signed_response_alg
    // an ID token is not an access token: the gateway's API refuses it
    const asBearer = await fetch(`${app.url}/api/v1/me/apps`, { headers: { authorization: `Bearer ${out.id_token}` } });
    expect(asBearer.status).toBe(401);
    // a nonce that is not the request's fails oauth4webapi's check
    const verifier2 = oauth.generateRandomCodeVerifier();
    const cb2 = await authorize(app, user, {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      state,
      nonce,
      scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier2),
      code_challenge_method: 'S256',
      resource: app.url,
    });
    const res2 = await oauth.authorizationCodeGrantRequest(
      oidc,
      client,
      auth,
      oauth.validateAuthResponse(oidc, client, cb2, state),
      REDIRECT,
      verifier2,
      insecure,
    );
    await expect(oauth.processAuthorizationCodeResponse(oidc, client, res2, { expectedNonce: 'another-nonce' })).rejects.toThrow(/nonce/);
  });

  it('introspects the access and refresh tokens for an authenticated client', async () => {
    const at = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure),
    );
    expect(at).toMatchObject({ active: true, client_id: client.client_id, sub: user.userId, scope: 'profile', aud: app.url });
    const rt = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(rt).toMatchObject({ active: true, token_type: 'refresh_token' });
    const anon = await fetch(as.introspection_endpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${tokens.access_token}`,
    });
    expect(anon.status).toBe(401);
  });

  it("describes another client's tokens to no self-registered client (RFC 7662 §4): refresh or access token", async () => {
    const rs = await register(app, { grant_types: ['client_credentials'], client_name: 'some resource server' });
    const ask = (token: string) => postForm(`${app.url}/introspect`, { token }, basic(rs.client_id, rs.client_secret));
    expect((await ask(tokens.refresh_token!)).body).toEqual({ active: false });
    expect((await ask(tokens.access_token)).body).toEqual({ active: false });
  });

  it('refreshes with rotation', async () => {
    const old = tokens;
    tokens = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, auth, old.refresh_token!, insecure),
    );
    expect(tokens.refresh_token).not.toBe(old.refresh_token);
    expect(tokens.access_token).not.toBe(old.access_token);
    const oldRt = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, old.refresh_token!, insecure),
    );
    expect(oldRt.active).toBe(false);
  });

  it('revokes (RFC 7009): the refresh token and the access tokens of its family stop working', async () => {
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.refresh_token!, insecure));
    const rt = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, tokens.refresh_token!, insecure),
    );
    expect(rt.active).toBe(false);
    const at = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure),
    );
    expect(at.active).toBe(false);
    const res = await oauth.refreshTokenGrantRequest(as, client, auth, tokens.refresh_token!, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, res)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('issues client_credentials tokens to a confidential client acting as itself', async () => {
    const res = await oauth.dynamicClientRegistrationRequest(
      as,
      { grant_types: ['client_credentials'], client_name: 'agent', token_endpoint_auth_method: 'client_secret_post' },
      insecure,
    );
    const agent = await oauth.processDynamicClientRegistrationResponse(res);
    const agentAuth = oauth.ClientSecretPost(agent.client_secret as string);
    // self-registered under open registration: it acts as itself with no scope of its own
    const out = await oauth.processClientCredentialsResponse(
      as,
      agent,
      await oauth.clientCredentialsGrantRequest(as, agent, agentAuth, {}, insecure),
    );
    const claims = await oauth.validateJwtAccessToken(
      as,
      new Request(app.url, { headers: { authorization: `Bearer ${out.access_token}` } }),
      app.url,
      insecure,
    );
    expect(claims).toMatchObject({ sub: agent.client_id, client_id: agent.client_id, scope: '' });
    const scoped = await oauth.clientCredentialsGrantRequest(as, agent, agentAuth, { scope: 'mcp' }, insecure);
    await expect(oauth.processClientCredentialsResponse(as, agent, scoped)).rejects.toMatchObject({ error: 'invalid_scope' });
  });
});
