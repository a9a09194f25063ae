// Fills a gateway's SQLite file with what a long-running gateway accumulates, fast (prepared inserts straight
// through better-sqlite3, 50,000 rows a transaction), for bench/growth.bench.ts. For `tokens` tokens stored:
// `tokens` access-token rows (half client_credentials, half from refresh families), `tokens` refresh-token rows in
// `tokens / 10` families (all but the newest of each family rotated), `tokens / 100` revocations and `tokens`
// audit events. Row ids are in the gateway's own time-ordered format (randomId: milliseconds, sequence, random),
// dated over the past `tokens / 10` seconds, so new rows land after them as they would. Nothing is expired (the
// pruner would delete it at start); everything stays valid for a day.
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';

const BATCH = 50_000;

/** What was seeded: row counts per table and the seconds it took. */
export interface GrowthSeed {
  rows: Record<string, number>;
  seconds: number;
}

/** Time-ordered ids like randomId(prefix), for row `i` of `n` dated from `from` ms on (10 ms apart). */
function idMaker(prefix: string, from: number) {
  let pool = Buffer.alloc(0);
  let at = 0;
  return (i: number) => {
    if (at + 8 > pool.length) {
      pool = randomBytes(8 * 65_536);
      at = 0;
    }
    const rand = pool.toString('hex', at, at + 8);
    at += 8;
    const ms = from + i * 10;
    return prefix + ms.toString(16).padStart(12, '0') + (i & 0xffff).toString(16).padStart(4, '0') + rand;
  };
}

/** Seeds `tokens` tokens for `clientId` into the SQLite file at `dbFile` (its gateway stopped). */
export function seedTokens(dbFile: string, o: { tokens: number; clientId: string; resource: string }): GrowthSeed {
  const t0 = performance.now();
  const db = new SQLite(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // seeding only: the gateway opens the file with its own settings
  const now = Date.now();
  const from = now - o.tokens * 10;
  const expires = now + 86_400_000;
  const families = Math.max(1, Math.floor(o.tokens / 10));
  const revoked = Math.floor(o.tokens / 100);
  const insertAccess = db.prepare(
    'insert into access_tokens (jti, user_id, client_id, scope, audience, grant_id, parent_jti, created_at, expires_at, last_used_at, last_used_ip, family_id) values (?, ?, ?, ?, ?, null, null, ?, ?, null, null, ?)',
  );
  const insertFamily = db.prepare(
    'insert into oauth_families (id, grant_id, client_id, user_id, scope, resource, created_at, revoked_at) values (?, null, ?, ?, ?, ?, ?, null)',
  );
  const insertRefresh = db.prepare(
    'insert into oauth_refresh_tokens (id, token_hash, family_id, created_at, expires_at, used_at) values (?, ?, ?, ?, ?, ?)',
  );
  const insertRevoked = db.prepare('insert into revoked_tokens (token_id, expires_at, revoked_at) values (?, ?, ?)');
  const insertEvent = db.prepare(
    "insert into audit_events (id, created_at, action, result, actor_type, actor_id, user_id, target_type, target_id, ip, user_agent, detail) values (?, ?, ?, 'success', 'client', ?, ?, 'access_token', ?, '127.0.0.1', null, ?)",
  );
  const at = idMaker('at', from);
  const fam = idMaker('fam', from);
  const rt = idMaker('rt', from);
  const ev = idMaker('ev', from);
  const familyIds: string[] = [];
  const inBatches = (n: number, row: (i: number) => void) => {
    for (let start = 0; start < n; start += BATCH)
      db.transaction(() => {
        for (let i = start; i < Math.min(n, start + BATCH); i++) row(i);
      })();
  };
  const hashes = randomBytes(32 * 4096); // token hashes: random 32-byte values, as SHA-256 gives
  const hash = (i: number) => hashes.toString('base64url', (i % 4096) * 32, (i % 4096) * 32 + 32);
  inBatches(families, (i) => {
    const id = fam(i * 10);
    familyIds.push(id);
    insertFamily.run(id, o.clientId, `usr_growth_${i % 10_000}`, 'mcp', o.resource, from + i * 100);
  });
  inBatches(o.tokens, (i) => {
    const family = i % 2 ? familyIds[i % families]! : null;
    const jti = at(i);
    insertAccess.run(
      jti,
      family ? `usr_growth_${i % 10_000}` : null,
      o.clientId,
      'mcp',
      JSON.stringify([o.resource]),
      from + i * 10,
      expires,
      family,
    );
    insertEvent.run(
      ev(i),
      from + i * 10,
      family ? 'oauth.token.refreshed' : 'oauth.token.issued',
      o.clientId,
      family ? `usr_growth_${i % 10_000}` : null,
      jti,
      '{"grant":null,"scope":"mcp"}',
    );
  });
  inBatches(o.tokens, (i) => {
    const family = familyIds[i % families]!;
    const newest = i >= o.tokens - families; // the last token of each family is still live
    insertRefresh.run(rt(i), hash(i), family, from + i * 10, expires, newest ? null : from + i * 10 + 5);
  });
  inBatches(revoked, (i) => insertRevoked.run(at(i * 100), expires, from + i * 1000 + 1));
  db.close();
  return {
    rows: {
      access_tokens: o.tokens,
      oauth_refresh_tokens: o.tokens,
      oauth_families: families,
      revoked_tokens: revoked,
      audit_events: o.tokens,
    },
    seconds: (performance.now() - t0) / 1000,
  };
}
