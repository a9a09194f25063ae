import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId, randomToken, sha256 } from '../../src/crypto/index.js';
import { openDatabase, migrateModules } from '../../src/store/index.js';
import { BUILTIN_MIGRATIONS } from '../support/builtin-migrations.js';
import { createClient } from '../../src/oauth/index.js';
import { refreshTokenKey } from '../../src/oauth/tokens/refresh-token-key.js';
import { dialects, freshDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { advanceClock } from './support/oauth-helpers.js';

const form = (app: TestApp, auth: string, body: Record<string, string>) => fetch(`${app.url}/token`, {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth }, body: new URLSearchParams(body),
}).then(async (r) => ({ status: r.status, body: await r.json() }));

describe('refresh tokens name their row', () => {
  it('looks new tokens up by their id, and old opaque ones under the legacy id migration 0006 gave them', () => {
    const key = refreshTokenKey('rt0123456789abcdef0123456789abcdef.secret');
    expect(key).toEqual({ id: 'rt0123456789abcdef0123456789abcdef', hash: sha256('rt0123456789abcdef0123456789abcdef.secret') });
    const opaque = randomToken();
    expect(refreshTokenKey(opaque)).toEqual({ id: `legacy:${sha256(opaque)}`, hash: sha256(opaque) });
  });

  it('refuses what cannot be one of ours before any lookup', () => {
    for (const bad of ['', 'x'.repeat(513), 'legacy:abc.def', "rt' or 1=1.x", 'RT0123456789ABCDEF0123456789ABCDEF.x', 'rt0123.x']) {
      expect(refreshTokenKey(bad)).toBeUndefined();
    }
  });
});

describe.each(dialects)('refresh tokens issued before migration 0006 keep working on %s', (dialect) => {
  let app: TestApp;
  let auth: string;
  let legacy: string;
  let familyId: string;

  beforeAll(async () => {
    // A database holding a refresh token in the old opaque format, under the legacy id migration 0006 gave it.
    const location = await freshDatabase(dialect);
    const { db } = openDatabase(location);
    await migrateModules(db, BUILTIN_MIGRATIONS);
    const { client, clientSecret } = await createClient(db, { name: 'old app', grantTypes: ['client_credentials', 'refresh_token'], redirectUris: ['https://app.example/cb'] });
    auth = `Basic ${Buffer.from(`${client.clientId}:${clientSecret}`).toString('base64')}`;
    familyId = randomId('fam');
    legacy = randomToken();
    const now = Date.now();
    await db.insertInto('oauth_families').values({ id: familyId, grant_id: null, client_id: client.clientId, user_id: null, scope: 'mcp', resource: 'http://placeholder', created_at: now, revoked_at: null }).execute();
    await db.insertInto('oauth_refresh_tokens').values({ id: `legacy:${sha256(legacy)}`, token_hash: sha256(legacy), family_id: familyId, created_at: now, expires_at: now + 3_600_000, used_at: null }).execute();
    await db.destroy();
    app = await startTestApp(dialect, location);
    // The family's resource must be one the gateway knows: the gateway itself (its URL is known only now).
    await app.ctx.db.updateTable('oauth_families').set({ resource: app.url }).where('id', '=', familyId).execute();
  });
  afterAll(() => app.stop());

  it('rotates an old token into the new format, and detects its reuse', async () => {
    const first = await form(app, auth, { grant_type: 'refresh_token', refresh_token: legacy });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toMatch(/^rt[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    const second = await form(app, auth, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(second.status).toBe(200);
    const row = await app.ctx.db.selectFrom('oauth_refresh_tokens').select(['id', 'used_at']).where('token_hash', '=', sha256(legacy)).executeTakeFirstOrThrow();
    expect(row.id).toBe(`legacy:${sha256(legacy)}`);
    expect(row.used_at).not.toBeNull();
    // Replayed after the grace window: the family is revoked, the newest token with it.
    const clock = advanceClock((app.config.oauthRefreshGraceSeconds + 1) * 1000);
    try {
      expect((await form(app, auth, { grant_type: 'refresh_token', refresh_token: legacy })).body.error).toBe('invalid_grant');
    } finally {
      clock.restore();
    }
    expect((await form(app, auth, { grant_type: 'refresh_token', refresh_token: second.body.refresh_token })).body.error).toBe('invalid_grant');
  });

  it('refuses a new-format token whose secret part was changed', async () => {
    const { id } = refreshTokenKey((await issueOne()).refresh_token)!;
    const forged = `${id}.${randomToken()}`;
    const res = await form(app, auth, { grant_type: 'refresh_token', refresh_token: forged });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  /** A fresh family with a new-format refresh token (the way the code grant makes one), for this test's client. */
  async function issueOne(): Promise<{ refresh_token: string }> {
    const old = randomToken();
    const now = Date.now();
    const fam = randomId('fam');
    const clientId = Buffer.from(auth.slice(6), 'base64').toString().split(':')[0];
    await app.ctx.db.insertInto('oauth_families').values({ id: fam, grant_id: null, client_id: clientId, user_id: null, scope: 'mcp', resource: app.url, created_at: now, revoked_at: null }).execute();
    await app.ctx.db.insertInto('oauth_refresh_tokens').values({ id: `legacy:${sha256(old)}`, token_hash: sha256(old), family_id: fam, created_at: now, expires_at: now + 3_600_000, used_at: null }).execute();
    const res = await form(app, auth, { grant_type: 'refresh_token', refresh_token: old });
    expect(res.status).toBe(200);
    return res.body;
  }
});
