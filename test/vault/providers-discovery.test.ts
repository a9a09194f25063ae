import { createServer, type Server } from 'node:http';
import * as oauth from 'oauth4webapi';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  clientAuth,
  EndpointResolver,
  loadProviders,
  oauthClient,
  upstreamRequestOptions,
  type OAuthProvider,
} from '../../src/vault/providers/index.js';
import { obtainTokens, startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';

const provider = (entry: Record<string, unknown>) => loadProviders({ providers: [entry], vaultRefreshMargin: 300 }, {})[0] as OAuthProvider;

/** Counts the discovery requests made through fetch (oauth4webapi uses the global fetch). */
function countDiscovery() {
  const spy = vi.spyOn(globalThis, 'fetch');
  return () => spy.mock.calls.filter(([url]) => String(url instanceof Request ? url.url : url).includes('/.well-known/')).length;
}

/** A local server answering with `handler`; its URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

describe('EndpointResolver against node-oidc-provider', () => {
  let upstream: UpstreamOidc;
  beforeAll(async () => {
    upstream = await startUpstreamOidc();
  });
  afterAll(() => upstream.stop());
  afterEach(() => vi.restoreAllMocks());

  it('discovers an oidc provider once per resolver, and its endpoints and client authentication work', async () => {
    const discovery = countDiscovery();
    const p = provider(upstream.providerEntry());
    const resolver = new EndpointResolver();
    const [as, again] = await Promise.all([resolver.resolve(p), resolver.resolve(p)]);
    expect(await resolver.resolve(p)).toBe(as);
    expect(again).toBe(as);
    expect(discovery()).toBe(1);
    expect(as).toMatchObject({
      issuer: upstream.issuer,
      authorization_endpoint: `${upstream.issuer}/auth`,
      token_endpoint: `${upstream.issuer}/token`,
      revocation_endpoint: `${upstream.issuer}/token/revocation`,
      userinfo_endpoint: `${upstream.issuer}/me`,
    });
    expect(await new EndpointResolver().resolve(p)).not.toBe(as); // a cache per resolver, none module-wide

    // a refresh with oauth4webapi at the discovered token endpoint, the client authenticated as configured (basic)
    const tokens = await obtainTokens(upstream);
    const res = await oauth.refreshTokenGrantRequest(
      as,
      oauthClient(p),
      clientAuth(p),
      tokens.refresh_token!,
      upstreamRequestOptions(as.token_endpoint!),
    );
    const refreshed = await oauth.processRefreshTokenResponse(as, oauthClient(p), res);
    expect(refreshed.access_token).toMatch(/./);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(upstream.tokenRequests('refresh_token')).toBe(1);

    // client_secret_post delivers the secret too; a wrong secret is refused by the upstream
    const post = provider(upstream.providerEntry({ token_endpoint_auth_method: 'client_secret_post' }));
    const again2 = await oauth.processRefreshTokenResponse(
      as,
      oauthClient(post),
      await oauth.refreshTokenGrantRequest(
        as,
        oauthClient(post),
        clientAuth(post),
        refreshed.refresh_token!,
        upstreamRequestOptions(as.token_endpoint!),
      ),
    );
    expect(again2.access_token).toMatch(/./);
    const wrong = provider(upstream.providerEntry({ client_secret: 'not-the-secret' }));
    const refused = await oauth.refreshTokenGrantRequest(
      as,
      oauthClient(wrong),
      clientAuth(wrong),
      again2.refresh_token!,
      upstreamRequestOptions(as.token_endpoint!),
    );
    // (oauth4webapi reports a 401 with WWW-Authenticate as a challenge, not as an OAuth error response)
    await expect(oauth.processRefreshTokenResponse(as, oauthClient(wrong), refused)).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: 'invalid_client' }) })],
    });
  });

  it('an oauth2 provider with an issuer is discovered by its RFC 8414 metadata', async () => {
    const discovery = countDiscovery();
    const as = await new EndpointResolver().resolve(
      provider(upstream.providerEntry({ kind: 'oauth2', account: { userinfo_fields: ['email'] } })),
    );
    expect(as.token_endpoint).toBe(`${upstream.issuer}/token`);
    const urls = vi.mocked(globalThis.fetch).mock.calls.map(([u]) => String(u instanceof Request ? u.url : u));
    expect(urls).toEqual([`${upstream.issuer}/.well-known/oauth-authorization-server`]);
    expect(discovery()).toBe(1);
  });

  it('explicit endpoints replace discovered ones; with authorization and token endpoints there is no discovery', async () => {
    const discovery = countDiscovery();
    const merged = await new EndpointResolver().resolve(
      provider(upstream.providerEntry({ userinfo_endpoint: 'https://graph.example/me' })),
    );
    expect(merged).toMatchObject({ token_endpoint: `${upstream.issuer}/token`, userinfo_endpoint: 'https://graph.example/me' });
    expect(discovery()).toBe(1);
    const explicit = provider({
      id: 'plain',
      kind: 'oauth2',
      authorization_endpoint: 'https://plain.example/oauth/authorize',
      token_endpoint: 'https://api.plain.example/oauth/token',
      client_id: 'c',
      client_secret: 's',
    });
    expect(await new EndpointResolver().resolve(explicit)).toEqual({
      issuer: 'https://plain.example',
      authorization_endpoint: 'https://plain.example/oauth/authorize',
      token_endpoint: 'https://api.plain.example/oauth/token',
    });
    expect(discovery()).toBe(1);
  });

  it('metadata for another issuer is refused, naming the provider; the failure is not cached', async () => {
    const discovery = countDiscovery();
    // localhost reaches the same server, whose metadata says 127.0.0.1: not the issuer asked for
    const p = provider(upstream.providerEntry({ issuer: upstream.issuer.replace('127.0.0.1', 'localhost') }));
    const resolver = new EndpointResolver();
    await expect(resolver.resolve(p)).rejects.toThrow(/^provider "upstream": discovery at http:\/\/localhost:\d+ failed: .*issuer/);
    await expect(resolver.resolve(p)).rejects.toThrow(/discovery at/);
    expect(discovery()).toBe(2);
  });
});

describe('EndpointResolver on failures', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a failed discovery is tried again on the next call, and then cached', async () => {
    let calls = 0;
    const { url, server } = await serve((req, res) => {
      calls++;
      if (calls === 1) return void res.writeHead(503).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: url, authorization_endpoint: `${url}/a`, token_endpoint: `${url}/t` }));
    });
    try {
      const p = provider({ id: 'flaky', kind: 'oidc', issuer: url, client_id: 'c', client_secret: 's', scopes: 'openid' });
      const resolver = new EndpointResolver();
      await expect(resolver.resolve(p)).rejects.toThrow(`provider "flaky": discovery at ${url} failed`);
      expect((await resolver.resolve(p)).token_endpoint).toBe(`${url}/t`);
      await resolver.resolve(p);
      expect(calls).toBe(2);
    } finally {
      server.close();
    }
  });

  it('an oauth2 issuer without RFC 8414 metadata is discovered by OpenID Connect Discovery', async () => {
    const paths: string[] = [];
    const { url, server } = await serve((req, res) => {
      paths.push(req.url!);
      if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer: url, authorization_endpoint: `${url}/a`, token_endpoint: `${url}/t` }));
    });
    try {
      const p = provider({ id: 'old', kind: 'oauth2', issuer: url, client_id: 'c', client_secret: 's' });
      expect((await new EndpointResolver().resolve(p)).authorization_endpoint).toBe(`${url}/a`);
      expect(paths).toEqual(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);
      // an oidc provider asks for OpenID Connect Discovery only
      paths.length = 0;
      await new EndpointResolver().resolve({ ...p, kind: 'oidc' });
      expect(paths).toEqual(['/.well-known/openid-configuration']);
    } finally {
      server.close();
    }
  });

  it('gives up after its timeout', async () => {
    const { url, server } = await serve(() => undefined); // never answers
    try {
      const p = provider({ id: 'slow', kind: 'oidc', issuer: url, client_id: 'c', client_secret: 's', scopes: 'openid' });
      const started = Date.now();
      await expect(new EndpointResolver({ timeoutMs: 300 }).resolve(p)).rejects.toThrow(`provider "slow": discovery at ${url} failed`);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('plain http is allowed to loopback hosts only', async () => {
    expect(upstreamRequestOptions('http://127.0.0.1:9/t')[oauth.allowInsecureRequests]).toBe(true);
    expect(upstreamRequestOptions('http://[::1]:9/t')[oauth.allowInsecureRequests]).toBe(true);
    expect(upstreamRequestOptions('https://127.0.0.1/t')[oauth.allowInsecureRequests]).toBe(false);
    const signal = new AbortController().signal;
    expect(upstreamRequestOptions('https://a.example/t', signal).signal).toBe(signal);
    const o = upstreamRequestOptions('http://example.com/t');
    expect(o[oauth.allowInsecureRequests]).toBe(false);
    // oauth4webapi then refuses the request itself
    await expect(oauth.discoveryRequest(new URL('http://example.com'), o)).rejects.toThrow(/https/i);
  });
});

describe('clientAuth', () => {
  const base = {
    id: 'c',
    kind: 'oauth2',
    authorization_endpoint: 'https://a.example/a',
    token_endpoint: 'https://a.example/t',
    client_id: 'id',
  };
  const authOf = async (entry: Record<string, unknown>) => {
    const p = provider(entry);
    const body = new URLSearchParams();
    const headers = new Headers();
    await clientAuth(p)({ issuer: 'https://a.example' }, oauthClient(p), body, headers);
    return { body: Object.fromEntries(body), authorization: headers.get('authorization') };
  };

  it('is client_secret_basic, client_secret_post or none, as configured', async () => {
    expect(await authOf({ ...base, client_secret: 's:1' })).toEqual({
      body: {},
      authorization: `Basic ${Buffer.from('id:s%3A1').toString('base64')}`,
    });
    expect(await authOf({ ...base, client_secret: 's', token_endpoint_auth_method: 'client_secret_post' })).toEqual({
      body: { client_id: 'id', client_secret: 's' },
      authorization: null,
    });
    expect(await authOf(base)).toEqual({ body: { client_id: 'id' }, authorization: null });
  });

  it('refuses a provider built without the secret its method needs', () => {
    const p = { ...provider({ ...base, client_secret: 's' }), clientSecret: undefined };
    expect(() => clientAuth(p)).toThrow('provider "c": client_secret_basic needs a client secret');
  });
});
