import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { advanceClock, register } from './support/oauth-helpers.js';
import { cacheLifetimeMs } from '../../src/oauth/cimd/cache-lifetime.js';

const ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Signer {
  privateKey: CryptoKey;
  jwk: JWK;
}
const signer = async (): Promise<Signer> => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' } };
};
const assertion = (key: Signer, clientId: string, aud: string, kid = key.jwk.kid) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: clientId, sub: clientId, aud, iat: now, exp: now + 60, jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(key.privateKey);
};

describe('the JWKS of private_key_jwt clients (jwks_uri) is cached', () => {
  let app: TestApp;
  let server: Server;
  let jwksUri: string;
  /** What the client's jwks_uri serves, and how often it was asked. */
  const served = { keys: [] as JWK[], cacheControl: 'max-age=600', fetches: 0 };

  /** A client_credentials request authenticated with an assertion of `key`; returns the status. */
  const authenticate = async (clientId: string, key: Signer, kid?: string) =>
    (
      await fetch(`${app.url}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: ASSERTION,
          client_assertion: await assertion(key, clientId, app.url, kid),
        }),
      })
    ).status;
  /** A client registered with its own jwks_uri (a path of its own on the one key server). */
  const client = async () =>
    (
      await register(app, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `${jwksUri}/${randomUUID()}`,
      })
    ).client_id as string;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      served.fetches++;
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', served.cacheControl);
      res.end(JSON.stringify({ keys: served.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks`;
    app = await startTestApp('sqlite', { oauthCimdAllowHttp: true, oauthCimdAllowRanges: ['127.0.0.0/8'] });
  });
  afterAll(async () => {
    await app?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('two authentications fetch it once; a rotated key (unknown kid) gets one refetch; a made-up kid gets none', async () => {
    const first = await signer();
    served.keys = [first.jwk];
    served.fetches = 0;
    const id = await client();
    expect(await authenticate(id, first)).toBe(200);
    expect(await authenticate(id, first)).toBe(200);
    expect(served.fetches).toBe(1);

    // The client rotates: its set now holds the new key, and it signs with it.
    const second = await signer();
    served.keys = [second.jwk];
    const later = advanceClock(31_000); // past the refetch cooldown, well within the cached set's max-age
    try {
      expect(await authenticate(id, second)).toBe(200);
      expect(served.fetches).toBe(2);
      expect(await authenticate(id, second)).toBe(200);
      expect(served.fetches).toBe(2);
      // The old key is gone from the refetched set: refused without asking again.
      expect(await authenticate(id, first)).toBe(401);
      // An attacker's assertions naming made-up key ids: refused, and the client's server is not asked again.
      const attacker = await signer();
      for (let i = 0; i < 3; i++) expect(await authenticate(id, attacker, randomUUID())).toBe(401);
      expect(served.fetches).toBe(2);
    } finally {
      later.restore();
    }
  });

  it('is fetched again when its HTTP cache lifetime ends, kept at least 30 s under no-store, and fetched once for concurrent requests', async () => {
    const key = await signer();
    served.keys = [key.jwk];
    served.cacheControl = 'max-age=60';
    served.fetches = 0;
    const id = await client();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => authenticate(id, key)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(served.fetches).toBe(1);
    const expired = advanceClock(61_000);
    try {
      expect(await authenticate(id, key)).toBe(200);
      expect(served.fetches).toBe(2);
    } finally {
      expired.restore();
    }

    served.cacheControl = 'no-store';
    served.fetches = 0;
    const other = await client();
    expect(await authenticate(other, key)).toBe(200);
    expect(await authenticate(other, key)).toBe(200);
    expect(served.fetches).toBe(1);
    const past = advanceClock(31_000);
    try {
      expect(await authenticate(other, key)).toBe(200);
      expect(served.fetches).toBe(2);
    } finally {
      past.restore();
    }
  });

  it('reads the lifetime from the headers within the bounds it is given', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const bounds = { minMs: 30_000, maxMs: 3600_000 };
    expect(cacheLifetimeMs({ 'cache-control': 'max-age=120' }, now, bounds)).toBe(120_000);
    expect(cacheLifetimeMs({ 'cache-control': 'no-store' }, now, bounds)).toBe(30_000);
    expect(cacheLifetimeMs({ 'cache-control': 'max-age=31536000' }, now, bounds)).toBe(3600_000);
    expect(cacheLifetimeMs({ expires: new Date(now + 600_000).toUTCString() }, now, bounds)).toBe(600_000);
    expect(cacheLifetimeMs({}, now, bounds)).toBe(300_000);
    // without bounds (Client ID Metadata Documents): no-store is 0, the ceiling 24 h
    expect(cacheLifetimeMs({ 'cache-control': 'no-store' }, now)).toBe(0);
    expect(cacheLifetimeMs({ 'cache-control': 'max-age=31536000' }, now)).toBe(24 * 3600_000);
  });
});
