import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oauth from 'oauth4webapi';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { basic, register } from './support/oauth-helpers.js';

const insecure = { [oauth.allowInsecureRequests]: true };
const ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Signer {
  privateKey: CryptoKey;
  jwk: JWK;
}
const signer = async (): Promise<Signer> => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' } };
};

/** A client assertion as RFC 7523 describes it; `claims` overrides any claim (undefined removes it). */
const assertion = (key: Signer, clientId: string, aud: string, claims: Record<string, unknown> = {}, alg = 'ES256') => {
  const now = Math.floor(Date.now() / 1000);
  const payload = Object.fromEntries(
    Object.entries({ iss: clientId, sub: clientId, aud, iat: now, exp: now + 60, jti: randomUUID(), ...claims }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return new SignJWT(payload).setProtectedHeader({ alg, kid: key.jwk.kid }).sign(key.privateKey);
};

const post = async (url: string, form: Record<string, string>, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: res.status, body: await res.json().catch(() => ({})) };
};

describe.each(dialects)('private_key_jwt client authentication (RFC 7523) on %s', (dialect) => {
  let app: TestApp;
  let key: Signer;
  let clientId: string;
  const cc = (client_assertion: string, extra: Record<string, string> = {}) =>
    post(`${app.url}/token`, { grant_type: 'client_credentials', client_assertion_type: ASSERTION, client_assertion, ...extra });

  beforeAll(async () => {
    app = await startTestApp(dialect);
    key = await signer();
    const reg = await register(app, {
      client_name: 'connector',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.jwk] },
    });
    expect(reg.client_secret).toBeUndefined();
    expect(reg.token_endpoint_auth_method).toBe('private_key_jwt');
    clientId = reg.client_id;
  });
  afterAll(() => app.stop());

  it('is published in the metadata, and oauth4webapi authenticates with it at /token, /introspect and /revoke', async () => {
    const issuer = new URL(app.url);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    for (const m of ['token', 'revocation', 'introspection'] as const) {
      expect(as[`${m}_endpoint_auth_methods_supported`], m).toContain('private_key_jwt');
      expect(as[`${m}_endpoint_auth_signing_alg_values_supported`], m).toContain('ES256');
    }
    const auth = oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.jwk.kid });
    const client = { client_id: clientId };
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(as, client, auth, {}, insecure),
    );
    expect(tokens.access_token).toBeTruthy();
    const intro = await oauth.processIntrospectionResponse(
      as,
      client,
      await oauth.introspectionRequest(as, client, auth, tokens.access_token, insecure),
    );
    expect(intro).toMatchObject({ active: true, client_id: clientId });
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, tokens.access_token, insecure));
  });

  it('accepts the token endpoint or the issuer as aud, and each assertion once (jti)', async () => {
    const first = await assertion(key, clientId, `${app.url}/token`);
    expect((await cc(first)).status).toBe(200);
    const replay = await cc(first);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'invalid_client' });
    expect(replay.body.error_description).toContain('already used');
    expect((await cc(await assertion(key, clientId, app.url))).status).toBe(200);
  });

  it('refuses a wrong key, audience, lifetime, subject, algorithm or missing jti', async () => {
    const other = await signer();
    const refused = [
      await assertion({ ...other, jwk: { ...other.jwk, kid: key.jwk.kid } }, clientId, app.url),
      await assertion(key, clientId, 'https://elsewhere.example/token'),
      await assertion(key, clientId, app.url, { exp: Math.floor(Date.now() / 1000) + 3600 }),
      await assertion(key, clientId, app.url, { exp: Math.floor(Date.now() / 1000) - 10 }),
      await assertion(key, clientId, app.url, { sub: 'someone-else' }),
      await assertion(key, clientId, app.url, { jti: undefined }),
      await new SignJWT({ iss: clientId, sub: clientId, aud: app.url, exp: Math.floor(Date.now() / 1000) + 60, jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('a shared secret the server never agreed to')),
      'not-a-jwt',
    ];
    for (const [i, a] of refused.entries()) {
      const res = await cc(a);
      expect(res.status, `assertion ${i}`).toBe(401);
      expect(res.body.error, `assertion ${i}`).toBe('invalid_client');
    }
    const wrongType = await cc(await assertion(key, clientId, app.url), { client_assertion_type: 'urn:example:other' });
    expect(wrongType.status).toBe(401);
    const mixed = await cc(await assertion(key, clientId, app.url), { client_secret: 'x' });
    expect(mixed.status).toBe(400);
  });

  it('a client registered with a secret cannot authenticate with an assertion, nor this client with a secret or none', async () => {
    const secretClient = await register(app, { grant_types: ['client_credentials'], client_name: 'secret' });
    expect((await cc(await assertion(key, secretClient.client_id, app.url))).status).toBe(401);
    const none = await post(`${app.url}/token`, { grant_type: 'client_credentials', client_id: clientId });
    expect(none.status).toBe(401);
    const basicAuth = await post(`${app.url}/token`, { grant_type: 'client_credentials' }, basic(clientId, 'guess'));
    expect(basicAuth.status).toBe(401);
  });

  it('refuses registrations with private key material, without keys, or with keys for another method', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const cases: Array<Record<string, unknown>> = [
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [await exportJWK(privateKey)] } },
      { token_endpoint_auth_method: 'private_key_jwt' },
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } },
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.jwk] }, jwks_uri: 'https://keys.example/jwks' },
      { token_endpoint_auth_method: 'client_secret_basic', jwks: { keys: [key.jwk] } },
    ];
    for (const [i, m] of cases.entries()) {
      const res = await fetch(`${app.url}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], ...m }),
      });
      expect(res.status, `case ${i}`).toBe(400);
      expect((await res.json()).error, `case ${i}`).toBe('invalid_client_metadata');
    }
  });

  it('fetches jwks_uri through the SSRF guard: a loopback address is refused unless the operator allows it', async () => {
    const keys = await signer();
    const server: Server = createServer((_req, res) =>
      res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [keys.jwk] })),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const jwksUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
    const allowing = await startTestApp(dialect, { oauthCimdAllowHttp: true, oauthCimdAllowRanges: ['127.0.0.0/8'] });
    try {
      for (const [target, expected] of [
        [app, 401],
        [allowing, 200],
      ] as const) {
        const reg = await register(target, {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: jwksUri,
        });
        const res = await post(`${target.url}/token`, {
          grant_type: 'client_credentials',
          client_assertion_type: ASSERTION,
          client_assertion: await assertion(keys, reg.client_id, target.url),
        });
        expect(res.status, target.url).toBe(expected);
        if (expected === 401) expect(res.body.error_description).toContain('jwks_uri could not be fetched');
      }
    } finally {
      await allowing.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
