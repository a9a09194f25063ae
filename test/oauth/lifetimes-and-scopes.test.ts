import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { pruneExpired } from '../../src/oauth/tokens/prune-expired.js';
import { createClient } from '../../src/oauth/index.js';
import {
  advanceClock,
  basic,
  codeFor,
  exchange,
  pkce,
  postForm,
  publicClient,
  refresh,
  register,
  type Registered,
} from './support/oauth-helpers.js';

const REDIRECT = 'https://app.example/cb';

describe.each(dialects)('configured lifetimes and scopes on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let client: Registered;
  beforeAll(async () => {
    app = await startTestApp(dialect, {
      oauthAccessTokenTtl: 120,
      oauthRefreshTokenTtl: 600,
      oauthValidScopes: ['profile', 'mcp', 'offline_access'],
      oauthDefaultScopes: ['profile'],
      resources: [{ url: 'https://notes.example/mcp', name: 'Notes', scopes: ['mcp'] }],
    });
    user = await createTestUser(app);
    client = await publicClient(app, REDIRECT);
  });
  afterAll(() => app.stop());

  it('issues access tokens with the configured lifetime and the default scopes when none are asked', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t = await exchange(app, client.client_id, code, verifier, REDIRECT);
    expect(t.body).toMatchObject({ expires_in: 120, scope: 'profile', token_type: 'Bearer' });
    const p = await app.ctx.tokens.verify(t.body.access_token);
    expect(p.expiresAt! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(120);
  });

  it('refuses scopes outside the valid ones, and publishes only those', async () => {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
      scope: 'tokens.manage',
    });
    const res = await fetch(`${app.url}/authorize?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(400); // a self-registered client: the error is shown with a link back, not redirected automatically
    expect(await res.text()).toContain('error=invalid_scope');
    const meta = await (await fetch(`${app.url}/.well-known/oauth-authorization-server`)).json();
    expect(meta.scopes_supported).toEqual(['profile', 'mcp', 'offline_access']);
  });

  it('refuses an expired refresh token, and prunes it', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const clock = advanceClock(601_000);
    try {
      const res = await refresh(app, client.client_id, t.refresh_token);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the refresh token expired' });
      expect(await pruneExpired(app.ctx)).toBeGreaterThan(0);
    } finally {
      clock.restore();
    }
    expect((await refresh(app, client.client_id, t.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('refuses client_credentials for a public client and for a client not registered for it', async () => {
    const pub = await postForm(`${app.url}/token`, { grant_type: 'client_credentials', client_id: client.client_id });
    expect(pub.body.error).toBe('unauthorized_client');
    const codeOnly = await register(app, { redirect_uris: [REDIRECT] });
    const res = await postForm(`${app.url}/token`, { grant_type: 'client_credentials' }, basic(codeOnly.client_id, codeOnly.client_secret));
    expect(res.body.error).toBe('unauthorized_client');
  });

  it('gives a client that registered itself (open registration) no scope of its own through client_credentials', async () => {
    const anyone = await register(app, { grant_types: ['client_credentials'], client_name: 'anyone', scope: 'mcp profile' });
    expect(anyone.scope ?? '').toBe('');
    const res = await postForm(
      `${app.url}/token`,
      { grant_type: 'client_credentials', scope: 'mcp' },
      basic(anyone.client_id, anyone.client_secret),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_scope');
    const bare = await postForm(`${app.url}/token`, { grant_type: 'client_credentials' }, basic(anyone.client_id, anyone.client_secret));
    expect(bare.status).toBe(200);
    expect(bare.body).not.toHaveProperty('scope'); // nothing granted: the member is left out (RFC 6749 §5.1), never ""
    // it still authenticates as a resource server (introspection needs a confidential client, not scopes)
    const intro = await postForm(`${app.url}/introspect`, { token: bare.body.access_token }, basic(anyone.client_id, anyone.client_secret));
    expect(intro.body).toMatchObject({ active: true, client_id: anyone.client_id });
    // not even a scope-less token for another resource server: one checking only `aud` would accept it
    const elsewhere = await postForm(
      `${app.url}/token`,
      { grant_type: 'client_credentials', resource: 'https://notes.example/mcp' },
      basic(anyone.client_id, anyone.client_secret),
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toBe('invalid_target');
    const operator = await createClient(app.ctx.db, {
      name: 'operator service',
      grantTypes: ['client_credentials'],
      tokenEndpointAuthMethod: 'client_secret_basic',
    });
    const allowed = await postForm(
      `${app.url}/token`,
      { grant_type: 'client_credentials', resource: 'https://notes.example/mcp' },
      basic(operator.client.clientId, operator.clientSecret!),
    );
    expect(allowed.status).toBe(200);
    expect((await app.ctx.tokens.verify(allowed.body.access_token)).audience).toEqual(['https://notes.example/mcp']);
    const both = await fetch(`${app.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_types: ['client_credentials', 'authorization_code'], redirect_uris: [REDIRECT] }),
    });
    expect(both.status).toBe(400);
    expect((await both.json()).error).toBe('invalid_client_metadata');
  });
});
