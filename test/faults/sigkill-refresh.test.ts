// SIGKILL during refresh rotation (issue 19, Faults): 16 chains (public clients, each through the code flow) rotate
// their refresh tokens back to back against a real `oauth3 serve` process, which is killed mid-load and started
// again on the same database. For each chain the last refresh token answered to the client still works, and has one
// successor only; a rotation in flight at the kill (committed or not: the client never saw its answer) is either
// whole or absent, and no family is revoked for it; every access token answered before the kill is still accepted.
// On SQLite and on PostgreSQL.
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/index.js';
import { successorKey, successorOf } from '../../src/oauth/tokens/successor.js';
import { dialects } from '../support/databases.js';
import { driveThenKill, fetchWithin, inParallel } from '../support/drive-and-kill.js';
import { killAllGateways, killableGateway, setupEnv } from '../support/killable-gateway.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { createTestUser } from '../support/test-user.js';
import { apiStatus, codeFor, exchange, publicClient } from '../oauth/support/oauth-helpers.js';

const CHAINS = 16;
/** Rotations to collect before the kill. */
const ROTATIONS = 150;
const REDIRECT = 'http://127.0.0.1:7777/cb';
/**
 * Seconds a rotated token still gives the same new pair (OAUTH3_OAUTH_REFRESH_GRACE, default 10): longer than a
 * restart takes on a loaded machine, so the client whose answer the kill cut can still pick it up. (Past the window a
 * reuse of a rotated token revokes its family, as RFC 9700 §4.14.2 has it: a client must retry within it.)
 */
const GRACE_S = 120;

interface Chain {
  clientId: string;
  /** The last refresh token the gateway answered to this client. */
  current: string;
  /** Every access token answered (the first from the code exchange). */
  access: string[];
  /** A refresh the kill cut: the token that was sent. */
  cut?: string;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

afterEach(killAllGateways);

describe.each(dialects)('SIGKILL during refresh rotation on %s', (dialect) => {
  it('the last refresh token each client got works once after a restart; nothing half-written, no family revoked', async () => {
    const setup = await startTestApp(dialect); // makes the person and the chains in the shared database
    const chains: Chain[] = [];
    let key: Buffer;
    try {
      const user = await createTestUser(setup);
      for (let i = 0; i < CHAINS; i++) {
        const client = await publicClient(setup, REDIRECT, { client_name: `chain ${i}` });
        const { code, verifier } = await codeFor(setup, user, client.client_id, REDIRECT);
        const tokens = await exchange(setup, client.client_id, code, verifier, REDIRECT);
        expect(tokens.status).toBe(200);
        chains.push({ clientId: client.client_id, current: tokens.body.refresh_token, access: [tokens.body.access_token] });
      }
      key = successorKey(setup.ctx.masterKey);
    } finally {
      await setup.stop();
    }
    const target = { dataDir: setup.config.dataDir, databaseUrl: setup.config.databaseUrl };
    const gateway = await killableGateway(
      setupEnv(setup, {
        OAUTH3_OAUTH_REFRESH_GRACE: String(GRACE_S),
        OAUTH3_LOG_LEVEL: 'warn',
      }),
    );
    await gateway.start();
    const refresh = async (clientId: string, token: string) => {
      const res = await fetchWithin(`${gateway.url}/token`, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: token }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };

    let rotations = 0;
    const result = await driveThenKill({
      gateway,
      workers: CHAINS, // one loop per chain: one request per chain at a time
      jitterMs: 40,
      until: () => rotations >= ROTATIONS,
      step: async (w) => {
        const chain = chains[w]!;
        const sent = chain.current;
        chain.cut = sent;
        const answer = await refresh(chain.clientId, sent);
        chain.cut = undefined;
        if (answer.status !== 200) throw new Error(`refresh: ${answer.status} ${JSON.stringify(answer.body)}`);
        chain.current = answer.body.refresh_token!;
        chain.access.push(answer.body.access_token!);
        rotations++;
      },
    });
    expect(rotations).toBeGreaterThanOrEqual(ROTATIONS);
    // Requests the kill cut (usually a few; none when every answer had already reached this process's sockets).
    expect(result.cut).toBe(chains.filter((c) => c.cut !== undefined).length);

    await gateway.start(); // the same database, a new process
    await inParallel(chains, 4, async (chain) => {
      const first = await refresh(chain.clientId, chain.current);
      expect(first.status, `${chain.clientId}: ${JSON.stringify(first.body)}`).toBe(200);
      // The same token again, as a client retrying would: the same new pair (one successor), not a second one.
      const again = await refresh(chain.clientId, chain.current);
      expect(again.status).toBe(200);
      expect(again.body.refresh_token).toBe(first.body.refresh_token);
      const next = await refresh(chain.clientId, first.body.refresh_token!);
      expect(next.status).toBe(200); // the chain goes on
      chain.access.push(first.body.access_token!, next.body.access_token!);
    });
    const all = chains.flatMap((c) => c.access.map((token) => ({ clientId: c.clientId, token })));
    const refused = (
      await inParallel(all, 8, async ({ clientId, token }) => {
        const status = await apiStatus({ url: gateway.url } as TestApp, token);
        return status === 200 ? undefined : `${clientId}: ${status}`;
      })
    ).filter(Boolean);
    expect(refused).toEqual([]); // every access token answered, before and after the kill, is accepted
    await gateway.stop();

    const { db } = openDatabase(target);
    try {
      const families = await db.selectFrom('oauth_families').select(['id', 'client_id', 'revoked_at']).execute();
      expect(families.filter((f) => f.revoked_at !== null)).toEqual([]);
      expect(families.length).toBe(CHAINS);
      const rows = await db.selectFrom('oauth_refresh_tokens').select(['id', 'family_id', 'used_at', 'token_hash']).execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const jtis = new Set((await db.selectFrom('access_tokens').select('jti').execute()).map((r) => r.jti));
      const refreshed = new Set(
        (await db.selectFrom('audit_events').select('target_id').where('action', '=', 'oauth.token.refreshed').execute()).map(
          (e) => e.target_id,
        ),
      );
      // Every rotation is whole: the used token's successor (derived from it and the rotation's time) exists in its
      // family, with its access token and the event; so each family is one line with one unused head.
      const broken: string[] = [];
      for (const r of rows) {
        if (r.used_at === null) continue;
        const next = successorOf(key, r.id, Number(r.used_at));
        const child = byId.get(next.refresh.id);
        if (!child || child.family_id !== r.family_id || child.token_hash !== next.refresh.hash) broken.push(`${r.id}: no successor`);
        if (!jtis.has(next.jti)) broken.push(`${r.id}: no access token`);
        if (!refreshed.has(next.jti)) broken.push(`${r.id}: no audit event`);
      }
      expect(broken).toEqual([]);
      const unused = rows.filter((r) => r.used_at === null);
      expect(unused.length).toBe(CHAINS);
      expect(new Set(unused.map((r) => r.family_id)).size).toBe(CHAINS);
      // Each line is exactly as long as the answers its client got: the code's token, one per rotation answered
      // before the kill, and two after the restart, whether the cut rotation had committed (the first refresh after
      // the restart was its grace answer) or not (that refresh rotated anew). A rotation that half-happened, or
      // happened twice, would change that.
      const familyOf = new Map(families.map((f) => [f.client_id, f.id]));
      const lengths = chains.map((c) => [c.clientId, rows.filter((r) => r.family_id === familyOf.get(c.clientId)).length]);
      expect(lengths).toEqual(chains.map((c) => [c.clientId, c.access.length]));
    } finally {
      await db.destroy();
    }
  }, 240_000);
});
