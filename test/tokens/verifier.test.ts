import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type KyselyPlugin } from 'kysely';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { TokenService, ApiTokenService, generateApiToken, REVOCATION_CHANNEL } from '../../src/tokens/index.js';
import type { AccessTokenSpec, Principal } from '../../src/kernel/index.js';
import { tokenService, issueAccessToken } from '../support/tokens.js';

/** Counts every query sent through a Kysely instance. */
function queryCounter(): KyselyPlugin & { count: number } {
  return {
    count: 0,
    transformQuery(args) {
      this.count++;
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
}

/** A signed-in person, as the verifier would return for their session. */
const person = (userId: string): Principal => ({
  kind: 'session',
  tokenId: `s-${userId}`,
  userId,
  clientId: null,
  scopes: [],
  audience: [],
  chain: [],
  expiresAt: null,
});

const reason = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: Error) => e.message,
  );

describe.each(dialects)('the one verifier on %s', (dialect) => {
  let app: TestApp;
  const aud = 'https://api.example.test';
  beforeAll(async () => {
    app = await startTestApp(dialect, { tokenUsageFlushMs: 50 });
  });
  afterAll(() => app.stop());

  const issue = (o: Partial<AccessTokenSpec> = {}) =>
    issueAccessToken(app.ctx, { userId: 'u1', clientId: 'c1', scopes: ['mcp'], audience: [aud], ttl: 600, ...o });

  it('accepts a session and an access token, returning one principal shape', async () => {
    const s = app.ctx.tokens.issueSession({ userId: 'u1', sessionId: 'sess1', ttl: 600 });
    expect(await app.ctx.tokens.verify(s.token)).toMatchObject({ kind: 'session', tokenId: 'sess1', userId: 'u1', clientId: null });
    const { token, jti } = await issue();
    const p = await app.ctx.tokens.verify(token, { audience: aud });
    expect(p).toMatchObject({ kind: 'access', tokenId: jti, userId: 'u1', clientId: 'c1', scopes: ['mcp'], audience: [aud], chain: [] });
  });

  it('serves a repeat verify from the cache (same principal object), and still sees a revoke at once', async () => {
    const { token, jti, expiresAt } = await issue();
    const a = await app.ctx.tokens.verify(token);
    const b = await app.ctx.tokens.verify(token);
    expect(b).toBe(a);
    await app.ctx.tokens.revoke(app.ctx.db, [{ id: jti, expiresAt: expiresAt * 1000 }]);
    expect(await reason(app.ctx.tokens.verify(token))).toBe('token revoked');
  });

  it('refuses an expired token', async () => {
    const { token } = await issue({ ttl: -5 });
    expect(await reason(app.ctx.tokens.verify(token))).toBe('token expired');
  });

  it('refuses a tampered token (payload changed, signature kept)', async () => {
    const { token } = await issue();
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.scope = 'mcp agents.manage';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expect(await reason(app.ctx.tokens.verify(forged))).toBe('token rejected: signature');
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`; // always another signature (a suffix 'AA' could be the same)
    expect(await reason(app.ctx.tokens.verify(`${h}.${p}.${flipped}`))).toBe('token rejected: signature');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
    expect(await reason(app.ctx.tokens.verify(none))).toBe('token rejected: alg');
  });

  it('refuses a token for another audience, and a kind not accepted', async () => {
    const { token } = await issue();
    expect(await reason(app.ctx.tokens.verify(token, { audience: 'https://other.example.test' }))).toBe(
      'token audience is another resource',
    );
    expect(await reason(app.ctx.tokens.verify(token, { kinds: ['session'] }))).toBe('a access token is not accepted here');
  });

  it('rejects an API token with a bad checksum before any database lookup', async () => {
    const counter = queryCounter();
    const service = new TokenService(app.ctx.db.withPlugin(counter), app.ctx.commits, app.ctx.keys, app.ctx.audit, app.config.publicUrl);
    const good = generateApiToken();
    const bad = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
    expect(await reason(service.verify(bad))).toBe('malformed API token (bad checksum)');
    expect(await reason(service.verify('o3p_short'))).toBe('malformed API token (bad checksum)');
    expect(counter.count).toBe(0);
    // the counter does count: a well-formed but unknown token costs exactly one lookup
    expect(await reason(service.verify(good))).toBe('unknown API token');
    expect(counter.count).toBe(1);
  });

  it('accepts a stored API token, caches it, refuses it once revoked, expired or never stored', async () => {
    const apiTokens = new ApiTokenService(app.ctx);
    const { token, info } = await apiTokens.create(person('u-api'), { name: 'ci', scopes: ['tokens.manage'] });
    expect(token).toMatch(/^o3p_[0-9A-Za-z]{49}$/);
    const p = await app.ctx.tokens.verify(token, { ip: '203.0.113.9' });
    expect(p).toMatchObject({ kind: 'api_token', tokenId: info.id, userId: 'u-api', scopes: ['tokens.manage'] });
    expect(await apiTokens.revoke('u-api', info.id)).toBe(1);
    expect(await reason(app.ctx.tokens.verify(token))).toBe('token revoked');

    const expired = await apiTokens.create(person('u-api'), { name: 'old', scopes: ['tokens.manage'] });
    await app.ctx.db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', expired.info.id)
      .execute();
    expect(await reason(app.ctx.tokens.verify(expired.token))).toBe('token expired');
  });

  it('records last use (time and IP) in a batch and a first-use-per-day audit event', async () => {
    const apiTokens = new ApiTokenService(app.ctx);
    const { token, info } = await apiTokens.create(person('u-use'), { name: 'use', scopes: ['mcp'] });
    for (let i = 0; i < 5; i++) await app.ctx.tokens.verify(token, { ip: '198.51.100.7' });
    await tokenService(app.ctx).usage.flush();
    await app.ctx.audit.flush();
    const [listed] = await apiTokens.list('u-use');
    expect(listed.lastUsedIp).toBe('198.51.100.7');
    expect(listed.lastUsedAt).toBeGreaterThan(Date.now() - 10_000);
    const used = await app.ctx.db
      .selectFrom('audit_events')
      .select('id')
      .where('action', '=', 'token.used')
      .where('target_id', '=', info.id)
      .execute();
    expect(used).toHaveLength(1);
  });

  it('cascades: revoking a token revokes everything exchanged from it, revoking a grant revokes all its tokens', async () => {
    const root = await issue({ grantId: 'grant-A' });
    const child = await issue({ grantId: 'grant-A', parentJti: root.jti, lineage: ['grant-A', root.jti] });
    const grandchild = await issue({ grantId: 'grant-A', parentJti: child.jti, lineage: ['grant-A', root.jti, child.jti] });
    const sibling = await issue({ grantId: 'grant-A' });
    for (const t of [root, child, grandchild, sibling]) await app.ctx.tokens.verify(t.token); // all cached
    const revoked = await app.ctx.tokens.revokeTree(app.ctx.db, { jtis: [child.jti] });
    expect(revoked.map((r) => r.id).sort()).toEqual([child.jti, grandchild.jti].sort());
    expect(await reason(app.ctx.tokens.verify(child.token))).toBe('token revoked');
    expect(await reason(app.ctx.tokens.verify(grandchild.token))).toBe('token revoked');
    expect(await reason(app.ctx.tokens.verify(root.token))).toBe('accepted');
    await app.ctx.tokens.revokeTree(app.ctx.db, { grants: [{ id: 'grant-A', expiresAt: Date.now() + 3_600_000 }] });
    expect(await reason(app.ctx.tokens.verify(root.token))).toBe('token revoked');
    expect(await reason(app.ctx.tokens.verify(sibling.token))).toBe('token revoked');
  });

  it('writes last use in batches, not per request: five uses cost one lookup and, at flush, one update', async () => {
    const counter = queryCounter();
    const db = app.ctx.db.withPlugin(counter);
    const service = new TokenService(db, app.ctx.commits, app.ctx.keys, app.ctx.audit, app.config.publicUrl, { usageFlushMs: 60_000 });
    const { token } = await new ApiTokenService(app.ctx).create(person('u-batch'), { name: 'b', scopes: ['mcp'] });
    for (let i = 0; i < 5; i++) await service.verify(token, { ip: '192.0.2.1' });
    expect(counter.count).toBe(1); // the first lookup by hash; then the verified-token cache
    await service.usage.flush();
    expect(counter.count).toBe(2);
  });

  it('refuses a descendant by its lineage even when its row was never found (derived concurrently)', async () => {
    const parent = await issue();
    const orphan = await issue({ parentJti: parent.jti, lineage: [parent.jti] });
    await app.ctx.db.deleteFrom('access_tokens').where('jti', '=', orphan.jti).execute();
    await app.ctx.tokens.revokeTree(app.ctx.db, { jtis: [parent.jti] });
    expect(await reason(app.ctx.tokens.verify(orphan.token))).toBe('token revoked');
  });

  it('drops a cached token once its signing key is retired (runs last: it retires the key)', async () => {
    const { token } = await issue();
    await app.ctx.tokens.verify(token);
    const old = app.ctx.keys.activeKid;
    await app.ctx.keys.rotate();
    expect(await reason(app.ctx.tokens.verify(token))).toBe('accepted'); // rotated out, still verifying
    await app.ctx.keys.retire(old);
    expect(await reason(app.ctx.tokens.verify(token))).toBe('unknown signing key');
  });
});

describe.each(dialects)('revocation reaches other instances on %s', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    // PostgreSQL: polling set to a minute, so only LISTEN/NOTIFY can deliver within the test; SQLite: polling is the path.
    const pollMs = dialect === 'postgres' ? 60_000 : 100;
    a = await startTestApp(dialect, { revocationPollMs: pollMs });
    b = await startTestApp(dialect, {
      revocationPollMs: pollMs,
      publicUrl: a.config.publicUrl,
      databaseUrl: a.config.databaseUrl,
      dataDir: a.config.dataDir,
      masterKey: a.config.masterKey,
    });
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  it('a revoke on one instance is refused by the other within a second', async () => {
    if (dialect === 'postgres') expect(tokenService(b.ctx).revocations.listening).toBe(true);
    const { token, jti, expiresAt } = await issueAccessToken(a.ctx, { userId: 'u', clientId: 'c', scopes: [], audience: ['x'], ttl: 600 });
    expect((await b.ctx.tokens.verify(token)).tokenId).toBe(jti);
    await a.ctx.db.transaction().execute((trx) => a.ctx.tokens.revoke(trx, [{ id: jti, expiresAt: expiresAt * 1000 }]));
    const deadline = Date.now() + 1000;
    while (tokenService(b.ctx).revocations.has(jti) === false && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await reason(b.ctx.tokens.verify(token))).toBe('token revoked');
  });

  // LISTEN/NOTIFY exists on PostgreSQL only (SQLite instances poll): the test is defined there alone, not skipped.
  if (dialect === 'postgres')
    it('the listener reconnects after its connection is killed, and catches up', async () => {
      const killed = await sql<{
        ok: boolean;
      }>`select pg_terminate_backend(pid) as ok from pg_stat_activity where query = ${`LISTEN ${REVOCATION_CHANNEL}`} and datname = current_database()`.execute(
        a.ctx.db,
      );
      expect(killed.rows.filter((r) => r.ok)).toHaveLength(2); // both instances' listeners
      const { token, jti, expiresAt } = await issueAccessToken(a.ctx, {
        userId: 'u',
        clientId: 'c',
        scopes: [],
        audience: ['x'],
        ttl: 600,
      });
      await a.ctx.tokens.revoke(a.ctx.db, [{ id: jti, expiresAt: expiresAt * 1000 }]); // while b is not listening
      const deadline = Date.now() + 5000;
      while (!tokenService(b.ctx).revocations.has(jti) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(tokenService(b.ctx).revocations.listening).toBe(true);
      expect(await reason(b.ctx.tokens.verify(token))).toBe('token revoked');
    });
});
