import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken, sha256 } from '../../src/crypto/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { advanceClock, apiStatus, codeFor, exchange, publicClient, refresh, unsigned, type Registered } from './support/oauth-helpers.js';
import { issueAccessToken } from '../support/tokens.js';

const REDIRECT = 'https://app.example/callback';

describe.each(dialects)('codes and refresh tokens refuse replay and widening on %s', (dialect) => {
  let app: TestApp;
  let user: TestUser;
  let client: Registered;
  let other: Registered;

  beforeAll(async () => {
    app = await startTestApp(dialect, { oauthRefreshGraceSeconds: 5 });
    user = await createTestUser(app);
    client = await publicClient(app, REDIRECT);
    other = await publicClient(app, REDIRECT);
  });
  afterAll(() => app.stop());

  it('refuses a wrong PKCE verifier', async () => {
    const { code } = await codeFor(app, user, client.client_id, REDIRECT);
    const res = await exchange(app, client.client_id, code, 'x'.repeat(43), REDIRECT);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'PKCE verification failed (code_verifier)' });
  });

  it('refuses a missing verifier', async () => {
    const { code } = await codeFor(app, user, client.client_id, REDIRECT);
    const res = await exchange(app, client.client_id, code, '', REDIRECT);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('refuses a redirect_uri at /token that differs from the authorization request', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const res = await exchange(app, client.client_id, code, verifier, `${REDIRECT}/`);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('refuses a code presented by another client', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const res = await exchange(app, other.client_id, code, verifier, REDIRECT);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect((await exchange(app, client.client_id, code, verifier, REDIRECT)).status).toBe(200); // and did not burn it
  });

  it('refuses an expired code (10 minutes by default)', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const clock = advanceClock(601_000);
    try {
      const res = await exchange(app, client.client_id, code, verifier, REDIRECT);
      expect(res.body).toEqual({ error: 'invalid_grant', error_description: 'the code expired' });
    } finally {
      clock.restore();
    }
  });

  it('refuses a reused code and revokes everything issued from its first use', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const first = await exchange(app, client.client_id, code, verifier, REDIRECT);
    expect(first.status).toBe(200);
    expect(await apiStatus(app, first.body.access_token)).toBe(200);
    const second = await exchange(app, client.client_id, code, verifier, REDIRECT);
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    expect(await apiStatus(app, first.body.access_token)).toBe(401);
    expect((await refresh(app, client.client_id, first.body.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('gives a concurrent refresh inside the grace window the same new pair', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const [a, b] = await Promise.all([refresh(app, client.client_id, t.refresh_token), refresh(app, client.client_id, t.refresh_token)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    // The same pair: the same refresh token, and the same access token (jti, claims, expiry), signed again.
    expect(unsigned(b.body)).toEqual(unsigned(a.body));
    expect(await apiStatus(app, a.body.access_token)).toBe(200);
    expect(await apiStatus(app, b.body.access_token)).toBe(200);
    // The request that lost the race left nothing behind: one new refresh token and one new access token.
    const { family_id } = await app.ctx.db
      .selectFrom('oauth_refresh_tokens')
      .select('family_id')
      .where('token_hash', '=', sha256(t.refresh_token))
      .executeTakeFirstOrThrow();
    const refreshRows = await app.ctx.db.selectFrom('oauth_refresh_tokens').select('id').where('family_id', '=', family_id).execute();
    const accessRows = await app.ctx.db
      .selectFrom('access_tokens')
      .select(['jti', 'grant_id'])
      .where('family_id', '=', family_id)
      .execute();
    expect([refreshRows.length, accessRows.length]).toEqual([2, 2]);
    expect(accessRows.map((r) => r.grant_id)).toEqual([null, null]); // families are kept out of the grant index
  });

  it('answers a replay inside the grace window with the pair its rotation issued, though nothing of it was kept', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT, { scope: 'profile mcp' });
    const t0 = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const t1 = (await refresh(app, client.client_id, t0.refresh_token, { scope: 'mcp' })).body;
    const stranger = await refresh(app, other.client_id, t0.refresh_token); // another client gets nothing of it
    expect(stranger.status).toBe(400);
    expect(stranger.body.error).toBe('invalid_grant');
    const again = await refresh(app, client.client_id, t0.refresh_token);
    expect(again.status).toBe(200);
    expect(unsigned(again.body)).toEqual(unsigned(t1)); // the scope it narrowed to, too
    expect(again.body.scope).toBe('mcp');
    // Only hashes of refresh tokens are stored, and no table holds either token.
    const rows =
      JSON.stringify(await app.ctx.db.selectFrom('oauth_refresh_tokens').selectAll().execute()) +
      JSON.stringify(await app.ctx.db.selectFrom('access_tokens').selectAll().execute());
    expect(rows).not.toContain(t1.refresh_token.split('.')[1]);
    expect(rows).not.toContain(t1.access_token.split('.')[2]);
  });

  it('refuses a replay inside the window whose pair cannot be derived again (another key made it) as a reuse, not a server error', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t0 = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const t1 = await refresh(app, client.client_id, t0.refresh_token);
    expect(t1.status).toBe(200);
    // The successor's row as another master key would have made it: the pair derived again does not match it.
    const successorId = t1.body.refresh_token.split('.')[0];
    await app.ctx.db
      .updateTable('oauth_refresh_tokens')
      .set({ token_hash: sha256(randomToken()) })
      .where('id', '=', successorId)
      .execute();
    const replay = await refresh(app, client.client_id, t0.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
  });

  it('revokes the whole family when a rotated refresh token is reused outside the grace window', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t0 = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const t1 = (await refresh(app, client.client_id, t0.refresh_token)).body;
    expect(t1.refresh_token).toBeTruthy();
    const clock = advanceClock(6_000);
    try {
      const replay = await refresh(app, client.client_id, t0.refresh_token);
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
    } finally {
      clock.restore();
    }
    expect(await apiStatus(app, t1.access_token)).toBe(401);
    expect(await apiStatus(app, t0.access_token)).toBe(401);
    expect((await refresh(app, client.client_id, t1.refresh_token)).body.error).toBe('invalid_grant');
    const log = await app.ctx.db
      .selectFrom('audit_events')
      .select(['action', 'user_id'])
      .where('action', '=', 'oauth.token.reuse_detected')
      .execute();
    expect(log.some((e) => e.user_id === user.userId)).toBe(true);
  });

  it('lets a refresh narrow scopes but never widen them or change the resource', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT, { scope: 'profile mcp' });
    const t = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    expect(t.scope).toBe('profile mcp');
    const wider = await refresh(app, client.client_id, t.refresh_token, { scope: 'profile mcp tokens.manage' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
    const elsewhere = await refresh(app, client.client_id, t.refresh_token, { resource: 'https://evil.example/mcp' });
    expect(elsewhere.body.error).toBe('invalid_target');
    const narrow = await refresh(app, client.client_id, t.refresh_token, { scope: 'mcp' });
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('mcp');
    const again = await refresh(app, client.client_id, narrow.body.refresh_token);
    expect(again.body.scope).toBe('profile mcp'); // the refresh token keeps the granted scopes
  });

  it('refuses a refresh token of another client', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    expect((await refresh(app, other.client_id, t.refresh_token)).body.error).toBe('invalid_grant');
  });

  it('refuses an access token issued into a family after it was revoked (a refresh that raced the revocation), and one exchanged from it', async () => {
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const parent = await app.ctx.tokens.verify(t.access_token);
    const familyId = parent.lineage![0];
    expect(familyId).toMatch(/^fam/);
    // what token exchange (RFC 8693) issues from it: the parent's lineage and the parent
    const child = await issueAccessToken(app.ctx, {
      userId: user.userId,
      clientId: client.client_id,
      scopes: [],
      audience: [app.url],
      ttl: 600,
      familyId,
      parentJti: parent.tokenId,
      lineage: [...parent.lineage!, parent.tokenId],
    });
    expect(await apiStatus(app, child.token)).toBe(200);
    const grant = await app.ctx.db.selectFrom('oauth_families').select('grant_id').where('id', '=', familyId).executeTakeFirstOrThrow();
    const res = await fetch(`${app.url}/account/apps/${grant.grant_id}/revoke`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${user.csrf}`,
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    // what a refresh that loaded its token before the revocation commits after it (refresh-token.ts does not
    // re-read the family inside its unit): a new access token of the family
    const late = await issueAccessToken(app.ctx, {
      userId: user.userId,
      clientId: client.client_id,
      scopes: [],
      audience: [app.url],
      ttl: 600,
      familyId,
    });
    await expect(app.ctx.tokens.verify(late.token)).rejects.toMatchObject({ error: 'invalid_token' });
    for (const token of [late.token, child.token, t.access_token]) expect(await apiStatus(app, token)).toBe(401);
  });
});

describe.each(dialects)('refresh without a grace window on %s', (dialect) => {
  let app: TestApp;
  afterAll(() => app.stop());

  it('revokes the family on any reuse', async () => {
    app = await startTestApp(dialect, { oauthRefreshGraceSeconds: 0 });
    const user = await createTestUser(app);
    const client = await publicClient(app, REDIRECT);
    const { code, verifier } = await codeFor(app, user, client.client_id, REDIRECT);
    const t0 = (await exchange(app, client.client_id, code, verifier, REDIRECT)).body;
    const t1 = (await refresh(app, client.client_id, t0.refresh_token)).body;
    expect(t1.refresh_token).toBeTruthy();
    const old = await app.ctx.db
      .selectFrom('oauth_refresh_tokens')
      .select('used_at')
      .where('token_hash', '=', sha256(t0.refresh_token))
      .executeTakeFirstOrThrow();
    expect(old.used_at).not.toBeNull();
    expect((await refresh(app, client.client_id, t0.refresh_token)).body.error).toBe('invalid_grant');
    expect(await apiStatus(app, t1.access_token)).toBe(401);
  });
});
