// Refresh of upstream tokens against a real upstream (node-oidc-provider, short access tokens, rotating refresh
// tokens), with two gateway instances sharing one database (two apps in this process share no memory: each has
// its own vault, single-flight and key ring), on SQLite and on PostgreSQL.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.js';
import { createLogger } from '../../src/server/index.js';
import { vaultOf, vaultErrors } from '../../src/vault/index.js';
import { openSecret } from '../../src/vault/credential-secret.js';
import { refreshConnection } from '../../src/vault/refresh-connection.js';
import type { OAuthProvider } from '../../src/vault/providers/index.js';
import { dialects } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { connectUpstream } from '../support/upstream-connection.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SERVER = { server: 'apikey:refresh-test' };

/** What a rejected call failed with: its code, status and details (or the error itself if not an AppError). */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number; details?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, status: e.status, details: e.details };
    throw e;
  }
  throw new Error('expected a failure');
}

describe.each(dialects)('upstream refresh with two instances on %s', (dialect) => {
  let up: UpstreamOidc;
  let a: TestApp;
  let b: TestApp;
  const logs: string[] = [];
  const sink = () =>
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }) as never;
  let logins = 0;

  beforeAll(async () => {
    up = await startUpstreamOidc({ accessTokenTtl: 3 });
    const providers = [
      up.providerEntry({ refresh_margin: 1 }),
      // the same upstream with a wrong secret: the upstream refuses the gateway itself (invalid_client)
      up.providerEntry({ id: 'misconfigured', client_secret: 'not-the-secret', refresh_margin: 1 }),
    ];
    a = await startTestApp(dialect, { providers }, [], createLogger('info', sink()));
    // one deployment: the same database, master key and public URL; B listens on its own port
    b = await startTestApp(
      dialect,
      {
        providers,
        publicUrl: a.config.publicUrl,
        databaseUrl: a.config.databaseUrl,
        dataDir: a.config.dataDir,
        masterKey: a.config.masterKey,
      },
      [],
      createLogger('info', sink()),
    );
  });
  afterEach(() => up.restore());
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await up?.stop();
  });

  /** A person of the gateway connected to their own upstream account (own grant, so revoking one touches no other test). */
  async function connected(provider = 'upstream') {
    const user = await createTestUser(a);
    const login = `person-${dialect}-${++logins}`;
    const { connectionId, tokens } = await connectUpstream(a, user.userId, up, { login, provider });
    return { userId: user.userId, login, connectionId, tokens };
  }
  const row = (id: string) => a.ctx.db.selectFrom('vault_connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const setRow = (
    id: string,
    fields: { expires_at?: number; lease_until?: number | null; retry_after?: number | null; refreshed_at?: number },
  ) => a.ctx.db.updateTable('vault_connections').set(fields).where('id', '=', id).execute();
  const storedSecret = async (id: string) => {
    const s = await openSecret(vaultOf(a.ctx).ring, await row(id));
    if (s.kind !== 'oauth') throw new Error('not an oauth credential');
    return s;
  };
  const events = (userId: string, action: string) =>
    a.ctx.db.selectFrom('audit_events').selectAll().where('user_id', '=', userId).where('action', '=', action).execute();
  /** `n` concurrent credentialFor calls, alternating between the two instances. */
  const concurrently = (n: number, userId: string, provider = 'upstream', o: { minTtl?: number } = {}) =>
    Promise.allSettled(Array.from({ length: n }, (_, i) => vaultOf((i % 2 ? a : b).ctx).credentialFor(userId, provider, SERVER, o)));
  const refreshGrant = (refreshToken: string) =>
    fetch(`${up.issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${up.clientId}:${up.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
  const noTokenIn = (text: string, ...tokens: (string | undefined)[]) => {
    for (const t of tokens) if (t) expect(text).not.toContain(t);
  };

  it('a token that expired is refreshed exactly once under 20 concurrent requests over both instances', async () => {
    const c = await connected();
    up.resetCounts();
    const first = await vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER);
    expect(first.accessToken).toBe(c.tokens.access_token); // fresh: served as stored, no upstream call
    expect(up.tokenRequests('refresh_token')).toBe(0);

    await sleep(first.expiresAt! - 1000 - Date.now() + 50); // into the 1 s refresh margin: it must be refreshed now
    const served = await concurrently(20, c.userId);
    expect(served.map((s) => s.status)).toEqual(Array(20).fill('fulfilled'));
    const tokens = new Set(served.map((s) => (s as PromiseFulfilledResult<{ accessToken: string }>).value.accessToken));
    expect(tokens.size).toBe(1);
    const [fresh] = [...tokens];
    expect(fresh).not.toBe(c.tokens.access_token);
    expect(up.tokenRequests('refresh_token')).toBe(1);
    expect(await events(c.userId, 'vault.refreshed')).toHaveLength(1);
    expect((await row(c.connectionId)).lease_until).toBeNull();

    // the refreshed token is a real one: the upstream's userinfo answers it for the person's account
    const me = await fetch(`${up.issuer}/me`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { sub: string }).sub).toBe(c.login);
  });

  it('the lease alone (no single flight) lets one of 20 refreshes across the instances reach the upstream', async () => {
    const c = await connected();
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    up.resetCounts();
    const provider = vaultOf(a.ctx).provider('upstream') as OAuthProvider;
    const rows = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const v = vaultOf((i % 2 ? a : b).ctx);
        return refreshConnection({ ctx: v.ctx, ring: v.ring, upstream: v.upstream }, provider, c.connectionId, 1000);
      }),
    );
    expect(up.tokenRequests('refresh_token')).toBe(1);
    expect(new Set(rows.map((r) => r.secret_sealed)).size).toBe(1);
    expect(Number(rows[0]!.expires_at)).toBeGreaterThan(Date.now() + 1000);
  });

  it('a rotated refresh token is stored with the new access token: the next refresh uses it, the old one is refused upstream', async () => {
    const c = await connected();
    const r0 = (await storedSecret(c.connectionId)).refresh_token!;
    expect(r0).toBe(c.tokens.refresh_token);
    up.resetCounts();

    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    const second = await vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER);
    const s1 = await storedSecret(c.connectionId);
    expect(s1.access_token).toBe(second.accessToken);
    expect(s1.refresh_token).not.toBe(r0);
    // the one the upstream holds as live for this account is the one stored (opaque tokens are their own id upstream)
    const live = (await up.refreshTokens()).filter((t) => t.accountId === c.login && !t.consumed);
    expect(live.map((t) => t.jti)).toEqual([s1.refresh_token]);

    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    const third = await vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER); // the other instance reads what A stored
    expect(third.accessToken).not.toBe(second.accessToken);
    expect(up.tokenRequests('refresh_token')).toBe(2);
    const s2 = await storedSecret(c.connectionId);
    expect(s2.refresh_token).not.toBe(s1.refresh_token);
    expect((await row(c.connectionId)).status).toBe('active');

    const old = await refreshGrant(r0); // (a used refresh token presented again: the upstream also revokes the grant)
    expect(old.status).toBe(400);
    expect(((await old.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('a grant revoked at the upstream: "needs re-authorization" after one attempt, never retried, audited', async () => {
    const c = await connected();
    expect(await up.revokeGrants(c.login)).toBe(1);
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    up.resetCounts();

    const results = await concurrently(20, c.userId);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as AppError;
      expect([e.code, e.status]).toEqual([vaultErrors.ERR_VAULT_NEEDS_REAUTH.code, 424]);
    }
    expect(up.tokenRequests('refresh_token')).toBe(1);
    const stored = await row(c.connectionId);
    expect(stored.status).toBe('needs_reauth');
    expect(stored.last_error).toContain('invalid_grant');
    expect(stored.lease_until).toBeNull();
    const audited = await events(c.userId, 'vault.needs_reauth');
    expect(audited).toHaveLength(1);
    expect(audited[0]!.result).toBe('failure');
    noTokenIn(audited[0]!.detail, c.tokens.refresh_token, c.tokens.access_token);

    // later calls, on either instance, still refuse without going upstream
    expect((await failure(vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER))).code).toBe(vaultErrors.ERR_VAULT_NEEDS_REAUTH.code);
    expect((await failure(vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER))).code).toBe(vaultErrors.ERR_VAULT_NEEDS_REAUTH.code);
    expect(up.tokenRequests('refresh_token')).toBe(1);
  });

  it('an upstream answering 503: ERR_VAULT_UPSTREAM_UNAVAILABLE with retry_after, the connection kept, no second call within the backoff', async () => {
    const c = await connected();
    const before = await row(c.connectionId);
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    up.failTokenEndpoint(60_000); // with Retry-After: 60 (longer than the vault's own 30 s: the upstream's is honoured)
    up.resetCounts();
    const logged = logs.length;

    const results = await concurrently(20, c.userId);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as AppError;
      expect([e.code, e.status]).toEqual([vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code, 503]);
      expect(e.details?.retry_after).toBeGreaterThanOrEqual(55);
      expect(e.details?.retry_after).toBeLessThanOrEqual(60);
    }
    expect(up.tokenRequests('refresh_token')).toBe(1);
    const kept = await row(c.connectionId);
    expect(kept.status).toBe('unavailable');
    expect(kept.secret_sealed).toBe(before.secret_sealed); // the credential is kept as it was
    expect(kept.last_error).toBe('HTTP 503');
    expect(Number(kept.retry_after)).toBeGreaterThan(Date.now() + 55_000);
    expect(await events(c.userId, 'vault.upstream_unavailable')).toHaveLength(1);
    const warned = logs.slice(logged).join('');
    expect(warned).toContain('upstream refresh failed');
    noTokenIn(warned, c.tokens.refresh_token, c.tokens.access_token);

    // within the backoff: refused at once on both instances, the upstream not asked (even once it is back)
    up.restore();
    for (const app of [a, b, a]) {
      const e = await failure(vaultOf(app.ctx).credentialFor(c.userId, 'upstream', SERVER));
      expect(e.code).toBe(vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code);
      expect(e.details?.retry_after).toBeGreaterThan(50);
    }
    expect(up.tokenRequests('refresh_token')).toBe(1);

    // once the backoff has passed, the next call refreshes and the connection is active again
    await setRow(c.connectionId, { retry_after: Date.now() - 1 });
    const served = await vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER);
    expect(served.accessToken).not.toBe(c.tokens.access_token);
    expect(up.tokenRequests('refresh_token')).toBe(2);
    const healed = await row(c.connectionId);
    expect([healed.status, healed.last_error, healed.retry_after]).toEqual(['active', null, null]);
  });

  it('an upstream that stays down: each failure after a backoff doubles it, up to 10 minutes; a success starts over', async () => {
    const c = await connected();
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    up.failTokenEndpoint(600_000, { retryAfter: 1 }); // the upstream asks for less: the vault's own backoff holds
    up.resetCounts();
    /** Lets the running backoff pass (moved back in time as a whole: how long it was stays readable). */
    const passBackoff = async () => {
      const r = await row(c.connectionId);
      const by = Number(r.retry_after) - Date.now() + 1000;
      await a.ctx.db
        .updateTable('vault_connections')
        .set({ retry_after: Number(r.retry_after) - by, updated_at: Number(r.updated_at) - by })
        .where('id', '=', c.connectionId)
        .execute();
    };
    const backoffs: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      if (i > 0) await passBackoff();
      backoffs.push((await failure(vaultOf((i % 2 ? a : b).ctx).credentialFor(c.userId, 'upstream', SERVER))).details?.retry_after);
    }
    expect(backoffs).toEqual([30, 60, 120, 240, 480, 600, 600]);
    expect(up.tokenRequests('refresh_token')).toBe(7);

    up.restore();
    await passBackoff();
    await vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER);
    expect((await row(c.connectionId)).status).toBe('active');
    up.failTokenEndpoint(600_000, { retryAfter: 1 });
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    expect((await failure(vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER))).details?.retry_after).toBe(30);
  });

  it('an upstream that is down does not take away a token still valid for what the caller asked', async () => {
    const c = await connected();
    await setRow(c.connectionId, { expires_at: Date.now() + 800, refreshed_at: Date.now() - 10_000 }); // inside the 1 s margin, not expired
    up.failTokenEndpoint(60_000);
    up.resetCounts();
    const served = await vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER);
    expect(served.accessToken).toBe(c.tokens.access_token);
    expect(up.tokenRequests('refresh_token')).toBe(1); // it tried
    const again = await vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER); // in the backoff: not again
    expect(again.accessToken).toBe(c.tokens.access_token);
    expect(up.tokenRequests('refresh_token')).toBe(1);
    // a caller who needs it valid for longer than it is gets the 503
    expect((await failure(vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER, { minTtl: 60 }))).code).toBe(
      vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code,
    );
    expect(up.tokenRequests('refresh_token')).toBe(1);
  });

  it("a caller asking for longer than the upstream's tokens live does not make every request a refresh", async () => {
    const c = await connected(); // its tokens live 3 s; the caller asks for 60
    await setRow(c.connectionId, { refreshed_at: Date.now() - 10_000 }); // as if stored a while ago
    up.resetCounts();
    const first = await vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER, { minTtl: 60 });
    expect(first.accessToken).not.toBe(c.tokens.access_token); // refreshed, though no token of this upstream lives 60 s
    expect(up.tokenRequests('refresh_token')).toBe(1);
    for (const app of [a, b, a, b]) {
      const next = await vaultOf(app.ctx).credentialFor(c.userId, 'upstream', SERVER, { minTtl: 60 });
      expect(next.accessToken).toBe(first.accessToken); // just refreshed and still valid: served, not refreshed again
    }
    expect(up.tokenRequests('refresh_token')).toBe(1);
    // once it has used half its lifetime it is refreshed again, and an expired one always is
    await sleep(1600);
    const later = await vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER, { minTtl: 60 });
    expect(later.accessToken).not.toBe(first.accessToken);
    expect(up.tokenRequests('refresh_token')).toBe(2);
    await setRow(c.connectionId, { expires_at: Date.now() - 1 });
    await vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER);
    expect(up.tokenRequests('refresh_token')).toBe(3);
  });

  it('the upstream refusing the gateway itself (invalid_client) is unavailable, not "connect again", and logged as a configuration problem', async () => {
    const c = await connected('misconfigured');
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    up.resetCounts();
    const logged = logs.length;
    const e = await failure(vaultOf(a.ctx).credentialFor(c.userId, 'misconfigured', SERVER));
    expect([e.code, e.status]).toEqual([vaultErrors.ERR_VAULT_UPSTREAM_UNAVAILABLE.code, 503]);
    expect(up.tokenRequests('refresh_token')).toBe(1);
    const stored = await row(c.connectionId);
    expect(stored.status).toBe('unavailable');
    expect(stored.last_error).toBe('invalid_client (HTTP 401)');
    const lines = logs
      .slice(logged)
      .map((l) => JSON.parse(l) as { level: number; msg: string; provider?: string; cause?: string })
      .filter((l) => l.provider === 'misconfigured');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.level).toBe(50); // error: someone must fix the provider entry
    expect(lines[0]!.msg).toContain('client_secret');
    noTokenIn(logs.slice(logged).join(''), c.tokens.refresh_token, c.tokens.access_token, 'not-the-secret');
  });

  it('a refresh that outlives its lease still stores the rotated refresh token, unless a newer refresh was stored meanwhile', async () => {
    const c = await connected();
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    up.stallTokenEndpoint(500);
    up.resetCounts();
    const pending = vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER);
    await sleep(250); // the refresh is at the upstream now, and the upstream has already rotated the refresh token
    await setRow(c.connectionId, { lease_until: Date.now() - 1 }); // its lease ran out (nobody took it over)
    const served = await pending;
    const s1 = await storedSecret(c.connectionId);
    expect(s1.access_token).toBe(served.accessToken);
    expect(s1.refresh_token).not.toBe(c.tokens.refresh_token); // dropping it would leave only the used one
    up.restore();
    await setRow(c.connectionId, { expires_at: Date.now() - 1000 });
    await vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER); // the stored one works
    expect(up.tokenRequests('refresh_token')).toBe(2);

    // the same, but another instance stored its own refresh meanwhile: that one stands, this one is not written over it
    const d = await connected();
    await setRow(d.connectionId, { expires_at: Date.now() - 1000 });
    up.stallTokenEndpoint(500);
    const logged = logs.length;
    const late = vaultOf(a.ctx).credentialFor(d.userId, 'upstream', SERVER);
    await sleep(250);
    const newer = Date.now();
    await a.ctx.db
      .updateTable('vault_connections')
      .set({ lease_until: null, refreshed_at: newer })
      .where('id', '=', d.connectionId)
      .execute();
    await late;
    const kept = await row(d.connectionId);
    expect(Number(kept.refreshed_at)).toBe(newer);
    expect((await storedSecret(d.connectionId)).refresh_token).toBe(d.tokens.refresh_token);
    expect(await events(d.userId, 'vault.refreshed')).toHaveLength(0);
    expect(logs.slice(logged).join('')).toContain('outlived its lease');
  });

  it('a lease whose holder died is taken over: at once when it has run out, after it runs out when it still looks held', async () => {
    const c = await connected();
    await setRow(c.connectionId, { expires_at: Date.now() - 1000, lease_until: Date.now() - 1000 });
    up.resetCounts();
    const served = await vaultOf(a.ctx).credentialFor(c.userId, 'upstream', SERVER);
    expect(served.accessToken).not.toBe(c.tokens.access_token);
    expect(up.tokenRequests('refresh_token')).toBe(1);
    expect((await row(c.connectionId)).lease_until).toBeNull();

    // a holder that set its lease 1.5 s ahead and vanished: the caller waits it out, then refreshes itself
    await setRow(c.connectionId, { expires_at: Date.now() - 1000, lease_until: Date.now() + 1500 });
    const started = Date.now();
    const later = await vaultOf(b.ctx).credentialFor(c.userId, 'upstream', SERVER);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(later.accessToken).not.toBe(served.accessToken);
    expect(up.tokenRequests('refresh_token')).toBe(2);
    expect((await row(c.connectionId)).lease_until).toBeNull();
  });
});
