import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createClient } from '../../src/oauth/index.js';
import { basic, postForm, register } from './support/oauth-helpers.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe.each(dialects)('forged or misused access tokens are refused on %s', (dialect) => {
  let app: TestApp;
  let client: { client_id: string; client_secret: string };
  let token: string;
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  const introspect = async (t: string) =>
    (await postForm(`${app.url}/introspect`, { token: t }, basic(client.client_id, client.client_secret))).body;
  const api = async (t: string) => (await fetch(`${app.url}/api/v1/me/apps`, { headers: { authorization: `Bearer ${t}` } })).status;

  beforeAll(async () => {
    app = await startTestApp(dialect, {
      resources: [
        { url: 'https://a.example/mcp', name: 'A', scopes: ['a.use'] },
        { url: 'https://b.example/mcp', name: 'B', scopes: ['b.use'] },
      ],
    });
    // registered by the operator (a self-registered client gets no scope through client_credentials)
    const made = await createClient(app.ctx.db, { name: 'rs', grantTypes: ['client_credentials'] });
    client = { client_id: made.client.clientId, client_secret: made.clientSecret! };
    const res = await postForm(
      `${app.url}/token`,
      { grant_type: 'client_credentials', scope: 'mcp' },
      basic(client.client_id, client.client_secret),
    );
    token = res.body.access_token;
    const [h, p] = token.split('.');
    header = JSON.parse(Buffer.from(h, 'base64url').toString());
    payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  });
  afterAll(() => app.stop());

  it('accepts the genuine token (so the refusals below are about the forgery)', async () => {
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect((await introspect(token)).active).toBe(true);
  });

  it('refuses alg: none', async () => {
    const forged = `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`;
    expect(await introspect(forged)).toEqual({ active: false });
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwks = await (await fetch(`${app.url}/jwks.json`)).json();
    const pub = JSON.stringify(jwks.keys[0]);
    const input = `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}`;
    const forged = `${input}.${createHmac('sha256', pub).update(input).digest('base64url')}`;
    expect(await introspect(forged)).toEqual({ active: false });
  });

  it('refuses an unknown kid', async () => {
    const [, p, s] = token.split('.');
    expect(await introspect(`${b64({ ...header, kid: 'k-unknown' })}.${p}.${s}`)).toEqual({ active: false });
  });

  it('refuses a changed payload', async () => {
    const [h, , s] = token.split('.');
    expect(await introspect(`${h}.${b64({ ...payload, scope: 'mcp tokens.manage' })}.${s}`)).toEqual({ active: false });
  });

  it('refuses a token whose audience is another resource', async () => {
    const res = await postForm(
      `${app.url}/token`,
      { grant_type: 'client_credentials', scope: 'b.use', resource: 'https://b.example/mcp' },
      basic(client.client_id, client.client_secret),
    );
    expect(res.status).toBe(200);
    await expect(app.ctx.tokens.verify(res.body.access_token, { audience: 'https://a.example/mcp' })).rejects.toMatchObject({
      error: 'invalid_token',
    });
    expect((await app.ctx.tokens.verify(res.body.access_token, { audience: 'https://b.example/mcp' })).audience).toEqual([
      'https://b.example/mcp',
    ]);
  });

  it('refuses a resource that is not registered with invalid_target', async () => {
    const res = await postForm(
      `${app.url}/token`,
      { grant_type: 'client_credentials', resource: 'https://evil.example/' },
      basic(client.client_id, client.client_secret),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_target');
  });

  it('refuses client authentication with a wrong secret, or with two methods at once', async () => {
    const wrong = await postForm(`${app.url}/token`, { grant_type: 'client_credentials' }, basic(client.client_id, 'nope'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    const both = await postForm(
      `${app.url}/token`,
      { grant_type: 'client_credentials', client_secret: client.client_secret },
      basic(client.client_id, client.client_secret),
    );
    expect(both.body.error).toBe('invalid_request');
    const post = await postForm(`${app.url}/token`, {
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    expect(post.body.error).toBe('invalid_client'); // registered for client_secret_basic
  });

  it('answers unknown grant types and repeated parameters per RFC 6749 §5.2', async () => {
    expect((await postForm(`${app.url}/token`, { grant_type: 'password' }, basic(client.client_id, client.client_secret))).body.error).toBe(
      'unsupported_grant_type',
    );
    expect(
      (
        await postForm(
          `${app.url}/token`,
          { grant_type: ['client_credentials', 'client_credentials'] },
          basic(client.client_id, client.client_secret),
        )
      ).body.error,
    ).toBe('invalid_request');
    const json = await fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    expect(json.status).toBe(400);
    expect((await json.json()).error).toBe('invalid_request');
  });

  it('revokes an access token by its client (RFC 7009), and not by another client', async () => {
    const res = await postForm(`${app.url}/token`, { grant_type: 'client_credentials' }, basic(client.client_id, client.client_secret));
    const t = res.body.access_token;
    const stranger = (await register(app, { grant_types: ['client_credentials'], client_name: 'stranger' })) as typeof client;
    expect((await postForm(`${app.url}/revoke`, { token: t }, basic(stranger.client_id, stranger.client_secret))).status).toBe(200);
    expect((await introspect(t)).active).toBe(true);
    expect((await postForm(`${app.url}/revoke`, { token: t }, basic(client.client_id, client.client_secret))).status).toBe(200);
    expect((await introspect(t)).active).toBe(false);
    expect(await api(t)).toBe(401);
  });

  it('publishes counts at /oauth/stats', async () => {
    const stats = await (await fetch(`${app.url}/oauth/stats`)).json();
    expect(stats).toMatchObject({ issuer_url: app.url, clients: 2 });
    expect(stats.access_tokens).toBeGreaterThanOrEqual(2);
  });
});
