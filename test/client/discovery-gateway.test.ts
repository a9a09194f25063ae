import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../../src/client/discovery/discover.js';
import { resourceMetadataFromChallenge } from '../../src/client/discovery/resource-metadata-from-challenge.js';
import { startEchoGateway, type EchoGateway } from '../support/echo-gateway.js';
import { freePort } from '../support/free-port.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A fetch that lists the URLs it was asked for. */
function listing() {
  const urls: string[] = [];
  return {
    urls,
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => (urls.push(String(input)), fetch(input, init))) as typeof fetch,
  };
}

describe('discover() against the real gateway and node-oidc-provider', () => {
  let gw: EchoGateway;
  let url: string;

  beforeAll(async () => {
    gw = await startEchoGateway('sqlite');
    url = gw.app.url;
  });
  afterAll(() => gw.stop());

  it('finds the gateway from its /mcp resource: RFC 9728 path-inserted, then RFC 8414', async () => {
    const l = listing();
    const d = await discover({ resource: `${url}/mcp`, fetch: l.fetch });
    expect(l.urls).toEqual([`${url}/.well-known/oauth-protected-resource/mcp`, `${url}/.well-known/oauth-authorization-server`]);
    expect(d.issuer).toBe(url);
    expect(d.as.issuer).toBe(url);
    expect(d.as.token_endpoint).toBe(`${url}/token`);
    expect(d.as.code_challenge_methods_supported).toContain('S256');
    expect(d.resource).toBe(`${url}/mcp`);
    expect(d.resourceMetadata?.authorization_servers).toEqual([url]);
    expect(d.resourceMetadataUrl).toBe(`${url}/.well-known/oauth-protected-resource/mcp`);
  });

  it('finds the gateway from its own API resource (the public URL)', async () => {
    const d = await discover({ resource: url });
    expect(d.resource).toBe(url);
    expect(d.issuer).toBe(url);
  });

  it('follows the resource_metadata of a real 401 challenge from /mcp', async () => {
    const res = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    const metadataUrl = resourceMetadataFromChallenge(res.headers.get('www-authenticate'));
    expect(metadataUrl).toBe(`${url}/.well-known/oauth-protected-resource/mcp`);
    const l = listing();
    const d = await discover({ resource: `${url}/mcp`, resourceMetadataUrl: metadataUrl, fetch: l.fetch });
    expect(l.urls[0]).toBe(metadataUrl);
    expect(d.resource).toBe(`${url}/mcp`);
    expect(d.issuer).toBe(url);
  });

  it('a resource URL the gateway does not protect: the root document is the API’s, refused as another resource', async () => {
    await expect(discover({ resource: `${url}/nothing-here` })).rejects.toMatchObject({
      name: 'OAuthFlowError',
      reason: 'resource_mismatch',
      message: expect.stringContaining(
        `${url}/.well-known/oauth-protected-resource names the resource "${url}", not "${url}/nothing-here"`,
      ),
    });
  });

  it('finds the gateway given only its server URL', async () => {
    const d = await discover({ server: url });
    expect(d.issuer).toBe(url);
    expect(d.resource).toBeUndefined();
  });

  it('with a server and a resource: the server must be one the resource names', async () => {
    expect((await discover({ resource: `${url}/mcp`, server: url })).issuer).toBe(url);
    await expect(discover({ resource: `${url}/mcp`, server: gw.upstream.issuer })).rejects.toMatchObject({
      name: 'OAuthFlowError',
      reason: 'server_mismatch',
    });
  });

  it('finds node-oidc-provider (another OAuth 2.1 server) by its issuer', async () => {
    const d = await discover({ server: gw.upstream.issuer });
    expect(d.issuer).toBe(gw.upstream.issuer);
    expect(d.as.token_endpoint).toBeTruthy();
  });
});

describe('discover() against a gateway whose public URL has a path (/auth)', () => {
  let app: TestApp;
  let origin: string;
  let issuer: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    issuer = `${origin}/auth`;
    app = await startTestApp('sqlite', { port, publicUrl: issuer });
  });
  afterAll(() => app.stop());

  it('uses the path-inserted forms at the origin and names the issuer with its path', async () => {
    const l = listing();
    const d = await discover({ resource: issuer, fetch: l.fetch });
    expect(l.urls).toEqual([
      `${origin}/.well-known/oauth-protected-resource/auth`,
      `${origin}/.well-known/oauth-authorization-server/auth`,
    ]);
    expect(d.issuer).toBe(issuer);
    expect(d.resource).toBe(issuer);
    expect(d.as.token_endpoint).toBe(`${issuer}/token`);
    expect((await discover({ server: issuer })).issuer).toBe(issuer);
  });

  it('the origin is not the issuer: its discovery fails with the URLs tried', async () => {
    await expect(discover({ server: origin })).rejects.toMatchObject({
      name: 'HttpError',
      message: expect.stringMatching(
        /oauth-authorization-server answered 404 and .*openid-configuration answered 404: is this an OAuth server\?/,
      ),
    });
  });
});
