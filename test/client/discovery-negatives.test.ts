import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { discover } from '../../src/client/discovery/discover.js';
import { parseWwwAuthenticate, resourceMetadataFromChallenge } from '../../src/client/discovery/resource-metadata-from-challenge.js';
import { freePort } from '../support/free-port.js';

/** A loopback server answering whatever `routes` says for a path (404 otherwise). */
let routes: Record<string, { status?: number; type?: string; body: unknown }> = {};
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const r = routes[req.url ?? ''];
    if (!r) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
    res.writeHead(r.status ?? 200, { 'content-type': r.type ?? 'application/json' });
    res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  routes = {};
});

const asMetadata = (issuer: string) => ({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  code_challenge_methods_supported: ['S256'],
});

describe('discover() refuses what it must not trust, saying why', () => {
  it('works on a well-formed server (the control for the cases below)', async () => {
    routes['/.well-known/oauth-protected-resource/mcp'] = { body: { resource: `${base}/mcp`, authorization_servers: [base] } };
    routes['/.well-known/oauth-authorization-server'] = { body: asMetadata(base) };
    const d = await discover({ resource: `${base}/mcp` });
    expect(d).toMatchObject({ issuer: base, resource: `${base}/mcp` });
  });

  it('a resource document naming another resource: resource_mismatch', async () => {
    routes['/.well-known/oauth-protected-resource/mcp'] = { body: { resource: `${base}/other`, authorization_servers: [base] } };
    routes['/.well-known/oauth-authorization-server'] = { body: asMetadata(base) };
    await expect(discover({ resource: `${base}/mcp` })).rejects.toMatchObject({
      name: 'OAuthFlowError',
      reason: 'resource_mismatch',
      message: `${base}/.well-known/oauth-protected-resource/mcp names the resource "${base}/other", not "${base}/mcp" (RFC 9728 §3.3): the resource's public URL is misconfigured, or this URL is not the resource.`,
    });
  });

  it('a resource_metadata URL (from a challenge) whose document names another resource: resource_mismatch', async () => {
    routes['/meta'] = { body: { resource: 'https://evil.example/mcp', authorization_servers: [base] } };
    await expect(discover({ resource: `${base}/mcp`, resourceMetadataUrl: `${base}/meta` })).rejects.toMatchObject({
      reason: 'resource_mismatch',
    });
  });

  it('the root document is used when the path-inserted one is 404, if it names the URL itself', async () => {
    routes['/.well-known/oauth-protected-resource'] = { body: { resource: `${base}/mcp`, authorization_servers: [base] } };
    routes['/.well-known/oauth-authorization-server'] = { body: asMetadata(base) };
    const d = await discover({ resource: `${base}/mcp` });
    expect(d.resourceMetadataUrl).toBe(`${base}/.well-known/oauth-protected-resource`);
    routes['/.well-known/oauth-protected-resource'] = { body: { resource: base, authorization_servers: [base] } };
    await expect(discover({ resource: `${base}/mcp` })).rejects.toMatchObject({ reason: 'resource_mismatch' });
  });

  it('AS metadata naming another issuer: issuer_mismatch', async () => {
    routes['/.well-known/oauth-protected-resource/mcp'] = { body: { resource: `${base}/mcp`, authorization_servers: [base] } };
    routes['/.well-known/oauth-authorization-server'] = { body: asMetadata('https://other.example') };
    await expect(discover({ resource: `${base}/mcp` })).rejects.toMatchObject({
      name: 'OAuthFlowError',
      reason: 'issuer_mismatch',
      message: expect.stringContaining(`names the issuer "https://other.example", not "${base}/"`),
    });
    await expect(discover({ server: base })).rejects.toMatchObject({ reason: 'issuer_mismatch' });
  });

  it('OpenID discovery when RFC 8414 answers 404; its issuer checked too', async () => {
    routes['/.well-known/openid-configuration'] = { body: asMetadata(base) };
    expect((await discover({ server: base })).issuer).toBe(base);
    routes['/.well-known/openid-configuration'] = { body: asMetadata(`${base}/x`) };
    await expect(discover({ server: base })).rejects.toMatchObject({ reason: 'issuer_mismatch' });
  });

  it('an answer that is not JSON: invalid_metadata with the content type', async () => {
    routes['/.well-known/oauth-authorization-server'] = { type: 'text/html', body: '<html>hello</html>' };
    await expect(discover({ server: base })).rejects.toMatchObject({
      name: 'OAuthFlowError',
      reason: 'invalid_metadata',
      message: `${base}/.well-known/oauth-authorization-server did not answer JSON metadata (content-type text/html): is this an OAuth server?`,
    });
  });

  it('JSON without an issuer: invalid_metadata', async () => {
    routes['/.well-known/oauth-authorization-server'] = { body: { token_endpoint: `${base}/token` } };
    await expect(discover({ server: base })).rejects.toMatchObject({
      reason: 'invalid_metadata',
      message: expect.stringContaining('"issuer"'),
    });
  });

  it('404 everywhere: an HttpError naming both URLs tried', async () => {
    await expect(discover({ server: base })).rejects.toMatchObject({
      name: 'HttpError',
      status: 404,
      url: `${base}/.well-known/oauth-authorization-server`,
      message: `${base}/.well-known/oauth-authorization-server answered 404 and ${base}/.well-known/openid-configuration answered 404: is this an OAuth server?`,
    });
    await expect(discover({ resource: `${base}/mcp` })).rejects.toMatchObject({
      name: 'HttpError',
      message: `${base}/.well-known/oauth-protected-resource/mcp answered 404 and ${base}/.well-known/oauth-protected-resource answered 404: is this an OAuth-protected resource (RFC 9728)?`,
    });
  });

  it('a 500 is not a reason to try OpenID discovery: reported as it is', async () => {
    routes['/.well-known/oauth-authorization-server'] = { status: 500, body: { error: 'boom' } };
    routes['/.well-known/openid-configuration'] = { body: asMetadata(base) };
    await expect(discover({ server: base })).rejects.toMatchObject({ name: 'HttpError', status: 500 });
  });

  it('a resource naming no authorization server: no_authorization_server', async () => {
    routes['/.well-known/oauth-protected-resource/mcp'] = { body: { resource: `${base}/mcp`, authorization_servers: [] } };
    await expect(discover({ resource: `${base}/mcp` })).rejects.toMatchObject({ reason: 'no_authorization_server' });
  });

  it('plain http off loopback, or no URL at all: a ValidationError before any request', async () => {
    await expect(discover({ server: 'http://example.com' })).rejects.toMatchObject({ name: 'ValidationError', reason: 'insecure_url' });
    await expect(discover({ resource: 'not a url' })).rejects.toMatchObject({ name: 'ValidationError', reason: 'invalid_url' });
    await expect(discover({})).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('a resource naming a plain-http authorization server off loopback: refused', async () => {
    routes['/.well-known/oauth-protected-resource/mcp'] = {
      body: { resource: `${base}/mcp`, authorization_servers: ['http://as.example'] },
    };
    await expect(discover({ resource: `${base}/mcp` })).rejects.toMatchObject({ name: 'ValidationError', reason: 'insecure_url' });
  });

  it('nothing listening: unreachable, naming the URL', async () => {
    const port = await freePort();
    await expect(discover({ server: `http://127.0.0.1:${port}` })).rejects.toMatchObject({
      name: 'OAuthFlowError',
      reason: 'unreachable',
      message: expect.stringContaining(`Could not reach http://127.0.0.1:${port}/.well-known/oauth-authorization-server`),
    });
  });
});

describe('resourceMetadataFromChallenge', () => {
  it('reads the Bearer challenge’s resource_metadata, among other challenges and parameters', () => {
    expect(resourceMetadataFromChallenge('Bearer resource_metadata="https://a.example/.well-known/oauth-protected-resource/mcp"')).toBe(
      'https://a.example/.well-known/oauth-protected-resource/mcp',
    );
    expect(
      resourceMetadataFromChallenge(
        'Basic realm="x, resource_metadata=https://no.example", Bearer error="invalid_token", error_description="a \\"quoted\\" word", resource_metadata="https://b.example/m"',
      ),
    ).toBe('https://b.example/m');
    expect(resourceMetadataFromChallenge('Bearer realm="r", resource_metadata=https://c.example/m')).toBe('https://c.example/m');
  });

  it('none when there is no Bearer challenge, no parameter or no URL', () => {
    expect(resourceMetadataFromChallenge(null)).toBeUndefined();
    expect(resourceMetadataFromChallenge('Basic realm="x", resource_metadata="https://a.example/m"')).toBeUndefined();
    expect(resourceMetadataFromChallenge('Bearer error="invalid_token"')).toBeUndefined();
    expect(resourceMetadataFromChallenge('Bearer resource_metadata="/relative"')).toBeUndefined();
    expect(resourceMetadataFromChallenge('Bearer resource_metadata="javascript:alert(1)"')).toBeUndefined();
  });

  it('parses challenges with token68 and parameters', () => {
    expect(parseWwwAuthenticate('Negotiate abc123==, Bearer realm="r", scope="a b"')).toEqual([
      { scheme: 'negotiate', params: { token68: 'abc123==' } },
      { scheme: 'bearer', params: { realm: 'r', scope: 'a b' } },
    ]);
  });
});
