// Fills a gateway's store with what a long-running gateway accumulates, fast, for bench/growth.bench.ts: on SQLite
// prepared inserts straight through better-sqlite3, on PostgreSQL INSERT … SELECT FROM unnest(arrays), 50,000 rows a
// transaction. For `tokens` tokens stored: `tokens` access-token rows (half client_credentials, half from refresh
// families), `tokens` refresh-token rows in `tokens / 10` families (all but the newest of each family rotated),
// `tokens / 100` revocations and `tokens` audit events. Row ids are in the gateway's own time-ordered format
// (randomId: milliseconds, sequence, random), dated over the past `tokens / 100` seconds, so new rows land after them
// as they would. Nothing is expired (the pruner would delete it); everything stays valid for a day.
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';

const BATCH = 50_000;

/** What was seeded: row counts per table and the seconds it took. */
export interface GrowthSeed {
  rows: Record<string, number>;
  seconds: number;
}

export interface GrowthSeedOptions {
  tokens: number;
  clientId: string;
  resource: string;
}

/** A table's columns written by the seed, each with its PostgreSQL type (for the unnest casts). */
const TABLES = {
  oauth_families: { id: 'text', client_id: 'text', user_id: 'text', scope: 'text', resource: 'text', created_at: 'bigint' },
  access_tokens: {
    jti: 'text',
    user_id: 'text',
    client_id: 'text',
    scope: 'text',
    audience: 'text',
    created_at: 'bigint',
    expires_at: 'bigint',
    family_id: 'text',
  },
  audit_events: {
    id: 'text',
    created_at: 'bigint',
    action: 'text',
    result: 'text',
    actor_type: 'text',
    actor_id: 'text',
    user_id: 'text',
    target_type: 'text',
    target_id: 'text',
    ip: 'text',
    detail: 'text',
  },
  oauth_refresh_tokens: {
    id: 'text',
    token_hash: 'text',
    family_id: 'text',
    created_at: 'bigint',
    expires_at: 'bigint',
    used_at: 'bigint',
  },
  revoked_tokens: { token_id: 'text', expires_at: 'bigint', revoked_at: 'bigint' },
} as const;
type Table = keyof typeof TABLES;

/** One batch of rows of a table, values in the order of TABLES[table]. */
interface Batch {
  table: Table;
  rows: unknown[][];
}

/** Time-ordered ids like randomId(prefix), for row `i` dated `from + i * 10` ms. */
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

/** The rows of a store with `o.tokens` tokens, in batches (families first: the other tables name them). */
function* batches(o: GrowthSeedOptions): Generator<Batch> {
  const now = Date.now();
  const from = now - o.tokens * 10;
  const expires = now + 86_400_000;
  const families = Math.max(1, Math.floor(o.tokens / 10));
  const revoked = Math.floor(o.tokens / 100);
  const [fam, at, rt, ev, rv] = ['fam', 'at', 'rt', 'ev', 'at'].map((p) => idMaker(p, from));
  const familyIds: string[] = [];
  const hashes = randomBytes(32 * 4096); // token hashes: random 32-byte values, as SHA-256 gives
  const hash = (i: number) => hashes.toString('base64url', (i % 4096) * 32, (i % 4096) * 32 + 32);
  const audience = JSON.stringify([o.resource]);
  const user = (i: number) => `usr_growth_${i % 10_000}`;
  function* table(t: Table, n: number, row: (i: number) => unknown[]): Generator<Batch> {
    for (let start = 0; start < n; start += BATCH) {
      const rows: unknown[][] = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) rows.push(row(i));
      yield { table: t, rows };
    }
  }
  yield* table('oauth_families', families, (i) => {
    const id = fam!(i * 10);
    familyIds.push(id);
    return [id, o.clientId, user(i), 'mcp', o.resource, from + i * 100];
  });
  const jtis: string[] = [];
  yield* table('access_tokens', o.tokens, (i) => {
    const family = i % 2 ? familyIds[i % families]! : null;
    const jti = at!(i);
    if (jtis.length < BATCH) jtis.push(jti);
    return [jti, family ? user(i) : null, o.clientId, 'mcp', audience, from + i * 10, expires, family];
  });
  yield* table('audit_events', o.tokens, (i) => {
    const family = i % 2 === 1;
    const action = family ? 'oauth.token.refreshed' : 'oauth.token.issued';
    const target = jtis[i % jtis.length]!;
    return [
      ev!(i),
      from + i * 10,
      action,
      'success',
      'client',
      o.clientId,
      family ? user(i) : null,
      'access_token',
      target,
      '127.0.0.1',
      '{"scope":"mcp"}',
    ];
  });
  yield* table('oauth_refresh_tokens', o.tokens, (i) => {
    const newest = i >= o.tokens - families; // the last token of each family is still live
    return [rt!(i), hash(i), familyIds[i % families]!, from + i * 10, expires, newest ? null : from + i * 10 + 5];
  });
  yield* table('revoked_tokens', revoked, (i) => [rv!(i * 100), expires, from + i * 1000 + 1]);
}

const counts = (o: GrowthSeedOptions) => ({
  oauth_families: Math.max(1, Math.floor(o.tokens / 10)),
  access_tokens: o.tokens,
  audit_events: o.tokens,
  oauth_refresh_tokens: o.tokens,
  revoked_tokens: Math.floor(o.tokens / 100),
});

/** Seeds the SQLite file at `dbFile` (its gateway stopped). */
export function seedTokens(dbFile: string, o: GrowthSeedOptions): GrowthSeed {
  const t0 = performance.now();
  const db = new SQLite(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // seeding only: the gateway opens the file with its own settings
  const insert = Object.fromEntries(
    Object.entries(TABLES).map(([t, cols]) => {
      const names = Object.keys(cols);
      return [t, db.prepare(`insert into ${t} (${names.join(', ')}) values (${names.map(() => '?').join(', ')})`)];
    }),
  );
  for (const b of batches(o))
    db.transaction(() => {
      for (const row of b.rows) insert[b.table]!.run(...row);
    })();
  db.close();
  return { rows: counts(o), seconds: (performance.now() - t0) / 1000 };
}

/** Seeds the PostgreSQL database at `url` (migrated by the gateway's own code first). */
export async function seedTokensPostgres(url: string, o: GrowthSeedOptions): Promise<GrowthSeed> {
  const t0 = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const b of batches(o)) {
      const cols = Object.entries(TABLES[b.table]);
      const arrays = cols.map((_, c) => b.rows.map((r) => r[c]));
      await client.query(
        `insert into ${b.table} (${cols.map(([n]) => n).join(', ')}) select * from unnest(${cols.map(([, type], c) => `$${c + 1}::${type}[]`).join(', ')})`,
        arrays,
      );
    }
    await client.query('analyze');
  } finally {
    await client.end();
  }
  return { rows: counts(o), seconds: (performance.now() - t0) / 1000 };
}
