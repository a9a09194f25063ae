import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession } from '../../src/accounts/index.js';
import { signJwt } from '../../src/crypto/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser, type TestUser } from '../support/test-user.js';
import { issueAccessToken } from '../support/tokens.js';

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe.each(dialects)('sessions on %s', (dialect) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(dialect);
  });
  afterAll(() => app.stop());

  const me = (headers: Record<string, string>) => fetch(`${app.url}/api/v1/me`, { headers });
  async function rejectedCount(userId: string | null) {
    await app.ctx.audit.flush();
    let q = app.ctx.db.selectFrom('audit_events').select('id').where('action', '=', 'session.rejected');
    q = userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
    return (await q.execute()).length;
  }
  /** A second session of the same person (another device). */
  async function secondSession(u: TestUser) {
    const s = await app.ctx.db
      .transaction()
      .execute((trx) => createSession(app.ctx, trx, { userId: u.userId, meta: { ip: '10.0.0.2', userAgent: 'phone' }, via: 'test' }));
    return { ...s, cookie: `oauth3_session=${s.token}` };
  }

  it('refuses a session JWT with a changed signature, alg none, an unknown kid, or a foreign typ; clears the cookie and audits', async () => {
    const u = await createTestUser(app);
    const [h, p, sig] = u.token.split('.');
    const flipped = `${h}.${p}.${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    const none = `${b64({ alg: 'none', typ: 'session+jwt' })}.${p}.`;
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const unknownKid = signJwt({ alg: 'ES256', kid: 'not-ours', typ: 'session+jwt' }, claims(u.token), stranger);
    const noKidHs = `${b64({ alg: 'HS256', typ: 'session+jwt' })}.${p}.${sig}`;
    const expired = app.ctx.keys.sign({ ...claims(u.token), exp: Math.floor(Date.now() / 1000) - 10 }, { typ: 'session+jwt' });
    const before = await rejectedCount(null);
    for (const bad of [flipped, none, unknownKid, noKidHs, expired, 'garbage']) {
      const res = await me({ cookie: `oauth3_session=${bad}` });
      expect(res.status, bad).toBe(401);
      expect((await res.json()).error).toBe('invalid_token');
      const page = await fetch(`${app.url}/account`, { headers: { cookie: `oauth3_session=${bad}` }, redirect: 'manual' });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/login?return_to=%2Faccount');
      expect(page.headers.getSetCookie().some((c) => c.startsWith('oauth3_session=;'))).toBe(true);
      expect((await me({ authorization: `Bearer ${bad}` })).status).toBe(401);
    }
    expect(await rejectedCount(null)).toBe(before + 12);
    expect((await me({ cookie: u.cookie })).status).toBe(200); // the real one still works
  });

  it('refuses a revoked session on its very next request, and the access log shows it', async () => {
    const u = await createTestUser(app);
    const phone = await secondSession(u);
    expect((await me({ cookie: phone.cookie })).status).toBe(200);
    const del = await fetch(`${app.url}/api/v1/me/sessions/${phone.sessionId}`, { method: 'DELETE', headers: u.headers });
    expect(del.status).toBe(204);
    const next = await me({ cookie: phone.cookie });
    expect(next.status).toBe(401);
    expect((await next.json()).error_description).toBe('token revoked');
    expect((await me({ authorization: `Bearer ${phone.token}` })).status).toBe(401);
    expect(await rejectedCount(u.userId)).toBe(1); // the cookie refusal (bearer refusals are the verifier's business)
    const log = await (await fetch(`${app.url}/api/v1/me/events?kind=security`, { headers: { cookie: u.cookie } })).json();
    expect(log.events.map((e: { action: string; result: string }) => `${e.action}:${e.result}`)).toEqual(['session.rejected:failure']);
    const row = await app.ctx.db.selectFrom('sessions').selectAll().where('id', '=', phone.sessionId).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    // revoking again, or someone else's session, is a 404
    expect((await fetch(`${app.url}/api/v1/me/sessions/${phone.sessionId}`, { method: 'DELETE', headers: u.headers })).status).toBe(404);
    const other = await createTestUser(app);
    expect((await fetch(`${app.url}/api/v1/me/sessions/${other.sessionId}`, { method: 'DELETE', headers: u.headers })).status).toBe(404);
    expect((await me({ cookie: other.cookie })).status).toBe(200);
  });

  it('lists sessions with this one marked, and "log out other devices" keeps only this one', async () => {
    const u = await createTestUser(app);
    const phone = await secondSession(u);
    const tablet = await secondSession(u);
    const list = await (await fetch(`${app.url}/api/v1/me/sessions`, { headers: { cookie: u.cookie } })).json();
    expect(list).toHaveLength(3);
    expect(list.filter((s: { current: boolean }) => s.current).map((s: { id: string }) => s.id)).toEqual([u.sessionId]);
    expect(list.find((s: { id: string }) => s.id === phone.sessionId)).toMatchObject({ ip: '10.0.0.2', userAgent: 'phone' });
    const res = await fetch(`${app.url}/api/v1/me/sessions/revoke-others`, { method: 'POST', headers: u.headers });
    expect(res.status).toBe(200);
    expect((await res.json()).revoked.sort()).toEqual([phone.sessionId, tablet.sessionId].sort());
    expect((await me({ cookie: phone.cookie })).status).toBe(401);
    expect((await me({ cookie: tablet.cookie })).status).toBe(401);
    expect((await me({ cookie: u.cookie })).status).toBe(200);
    const left = await (await fetch(`${app.url}/api/v1/me/sessions`, { headers: { cookie: u.cookie } })).json();
    expect(left.map((s: { id: string }) => s.id)).toEqual([u.sessionId]);
  });

  it('renews a session JWT transparently when less than 30 minutes remain', async () => {
    const u = await createTestUser(app);
    const short = app.ctx.tokens.issueSession({ userId: u.userId, sessionId: u.sessionId, ttl: 20 * 60 });
    const res = await me({ cookie: `oauth3_session=${short.token}` });
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('oauth3_session='))!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    expect(set).not.toMatch(/Secure/i); // http public URL
    const fresh = set.split(';')[0].slice('oauth3_session='.length);
    const exp = claims(fresh).exp;
    expect(exp).toBeGreaterThan(Math.floor(Date.now() / 1000) + 7200 - 30);
    expect(claims(fresh).sid).toBe(u.sessionId);
    expect((await me({ cookie: `oauth3_session=${fresh}` })).headers.getSetCookie().some((c) => c.startsWith('oauth3_session='))).toBe(
      false,
    );
    const row = await app.ctx.db.selectFrom('sessions').select('expires_at').where('id', '=', u.sessionId).executeTakeFirstOrThrow();
    expect(Number(row.expires_at)).toBe(exp * 1000);
    await app.ctx.audit.flush();
    const refreshed = await app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'session.refreshed')
      .where('user_id', '=', u.userId)
      .execute();
    expect(refreshed).toHaveLength(1);
  });

  it('never renews a session past its absolute lifetime (OAUTH3_SESSION_MAX_LIFETIME from sign-in)', async () => {
    const u = await createTestUser(app);
    const max = app.config.sessionMaxLifetime * 1000;
    const signedInAt = Date.now() - max + 60 * 60_000; // an hour of its absolute lifetime left
    await app.ctx.db.updateTable('sessions').set({ created_at: signedInAt }).where('id', '=', u.sessionId).execute();
    const short = app.ctx.tokens.issueSession({ userId: u.userId, sessionId: u.sessionId, ttl: 20 * 60 });
    const res = await me({ cookie: `oauth3_session=${short.token}` });
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('oauth3_session='))!;
    const renewed = claims(set.split(';')[0].slice('oauth3_session='.length));
    expect(renewed.exp).toBeLessThanOrEqual(Math.floor((signedInAt + max) / 1000)); // not the usual 2 h
    expect(renewed.exp).toBeGreaterThan(Math.floor(Date.now() / 1000) + 50 * 60);

    // Minutes before the end: nothing to renew into, so no new cookie, then or on the next request.
    await app.ctx.db
      .updateTable('sessions')
      .set({ created_at: Date.now() - max + 5 * 60_000 })
      .where('id', '=', u.sessionId)
      .execute();
    const last = app.ctx.tokens.issueSession({ userId: u.userId, sessionId: u.sessionId, ttl: 10 * 60 });
    for (let i = 0; i < 2; i++) {
      const again = await me({ cookie: `oauth3_session=${last.token}` });
      expect(again.status).toBe(200);
      expect(again.headers.getSetCookie().some((c) => c.startsWith('oauth3_session='))).toBe(false);
    }
    const expired = app.ctx.keys.sign({ ...claims(last.token), exp: Math.floor(Date.now() / 1000) - 1 }, { typ: 'session+jwt' });
    expect((await me({ cookie: `oauth3_session=${expired}` })).status).toBe(401);
  });

  it("refuses state-changing requests without the CSRF token, with a wrong one, or with another session's, and audits it", async () => {
    const u = await createTestUser(app);
    const other = await createTestUser(app);
    const post = (headers: Record<string, string>) =>
      fetch(`${app.url}/api/v1/me/sessions/revoke-others`, { method: 'POST', headers: { cookie: u.cookie, ...headers } });
    for (const headers of [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': other.csrf }] as Array<Record<string, string>>) {
      const res = await post(headers);
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe('ERR_ACCOUNTS_CSRF');
    }
    const form = await fetch(`${app.url}/account/profile`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: u.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=mallory',
    });
    expect(form.status).toBe(403);
    expect((await (await me({ cookie: u.cookie })).json()).username).toBeNull();
    const anonymous = await fetch(`${app.url}/api/v1/signup/options`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(anonymous.status).toBe(403);
    await app.ctx.audit.flush();
    const rows = await app.ctx.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'csrf.rejected')
      .where('user_id', '=', u.userId)
      .execute();
    expect(rows).toHaveLength(4);
    // a bearer (no cookie) needs no CSRF token: a browser never sends Authorization cross-site
    const { token } = await issueAccessToken(app.ctx, {
      userId: other.userId,
      clientId: 'test-client',
      scopes: ['profile.write'],
      audience: [app.url],
      ttl: 60,
    });
    const bearer = await fetch(`${app.url}/api/v1/me/sessions/revoke-others`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
  });

  it('checks bearer scopes: profile to read, profile.write to change', async () => {
    const u = await createTestUser(app);
    const token = async (scopes: string[]) =>
      (await issueAccessToken(app.ctx, { userId: u.userId, clientId: 'test-client', scopes, audience: [app.url], ttl: 60 })).token;
    const openid = await me({ authorization: `Bearer ${await token(['openid'])}` });
    expect(openid.status).toBe(403);
    expect((await openid.json()).error).toBe('insufficient_scope');
    expect(openid.headers.get('www-authenticate')).toContain('scope="profile"');
    const read = await token(['profile']);
    expect((await me({ authorization: `Bearer ${read}` })).status).toBe(200);
    const patch = (t: string) =>
      fetch(`${app.url}/api/v1/me`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: '{"username":"scoped"}',
      });
    expect((await patch(read)).status).toBe(403);
    expect((await patch(await token(['profile', 'profile.write']))).status).toBe(200);
    expect((await me({ authorization: 'Basic abc' })).status).toBe(401);
    // a token minted for another resource (RFC 8707 audience) is refused by the gateway's own API
    const elsewhere = (
      await issueAccessToken(app.ctx, {
        userId: u.userId,
        clientId: 'test-client',
        scopes: ['profile'],
        audience: ['https://mcp.example'],
        ttl: 60,
      })
    ).token;
    const refused = await me({ authorization: `Bearer ${elsewhere}` });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error_description).toBe('token audience is another resource');
    // …on every route of the gateway, not only the accounts API (the audience check is requireUser's default)
    const apps = await fetch(`${app.url}/api/v1/me/apps`, { headers: { authorization: `Bearer ${elsewhere}` } });
    expect(apps.status).toBe(401);
    expect((await apps.json()).error_description).toBe('token audience is another resource');
    expect((await fetch(`${app.url}/api/v1/me/apps`, { headers: { authorization: `Bearer ${read}` } })).status).toBe(200);
  });

  it('challenges an unauthenticated API call with resource_metadata and the scope needed (RFC 6750, RFC 9728)', async () => {
    const res = await fetch(`${app.url}/api/v1/me/passkeys`);
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${app.url}/.well-known/oauth-protected-resource"`);
    expect(challenge).toContain('scope="profile"');
    const metadata = await (await fetch(`${app.url}/.well-known/oauth-protected-resource`)).json();
    expect(metadata.resource).toBe(app.url);
  });
});
