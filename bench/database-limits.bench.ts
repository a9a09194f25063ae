// The ceilings of the storage under the gateway, measured so docs/scaling.md can say where each deployment shape
// stops: write commits per second (one row a commit, and batched as the group commit writes), LISTEN/NOTIFY
// fan-out latency to many listening instances, and the connections each instance holds. Reported, no targets:
// these are the machine's and the database's limits, not the gateway's speed.
//   node --import tsx bench/database-limits.bench.ts [--seconds=3] [--listeners=1,10,50] [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { startEmbeddedPostgres } from '../test/support/embedded-postgres.js';
import { report } from './report.js';
import { numberArg, stringArg } from './bench-args.js';

const SECONDS = numberArg('seconds', 3, 1);
const LISTENERS = (stringArg('listeners') ?? '1,10,50').split(',').map(Number);
/** Rows a batch commits, as the group commit does at most (src/store/group-commit.ts). */
const BATCH = 128;
const BENCH = 'database-limits';
const row = (i: number) => [`${process.pid}-${i}-${Math.random().toString(36).slice(2)}`, Date.now()];

/** Runs `fn` repeatedly for SECONDS (awaiting each); returns how many times per second. */
async function perSecond(fn: () => unknown | Promise<unknown>): Promise<number> {
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}

function sqliteCommits(): void {
  const dir = mkdtempSync(join(tmpdir(), 'oauth3-bench-db-'));
  const db = new SQLite(join(dir, 'limits.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // the gateway's setting (src/store/open-database.ts)
  db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO t (id, at) VALUES (?, ?)');
  let i = 0;
  const one = db.transaction(() => insert.run(...row(i++)));
  const batch = db.transaction(() => {
    for (let k = 0; k < BATCH; k++) insert.run(...row(i++));
  });
  const measure = (fn: () => void) => {
    const end = performance.now() + SECONDS * 1000;
    let n = 0;
    const start = performance.now();
    while (performance.now() < end) {
      fn();
      n++;
    }
    return n / ((performance.now() - start) / 1000);
  };
  report({ bench: BENCH, name: 'SQLite commits/s, one row each', value: Math.round(measure(one)), unit: '/s', better: 'higher' });
  const batches = measure(batch);
  report({
    bench: BENCH,
    name: `SQLite rows/s, ${BATCH} rows a commit`,
    value: Math.round(batches * BATCH),
    unit: '/s',
    better: 'higher',
    detail: `${Math.round(batches)} commits/s`,
  });
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

async function postgresCommits(url: string): Promise<void> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query('CREATE TABLE t (id TEXT PRIMARY KEY, at BIGINT NOT NULL)');
  const settings = await setup.query(
    "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', 'fsync', 'synchronous_commit') ORDER BY name",
  );
  console.log(`  PostgreSQL ${settings.rows.map((r: { name: string; setting: string }) => `${r.name}=${r.setting}`).join(', ')}`);
  await setup.end();
  let i = 0;
  for (const connections of [1, 10]) {
    const pool = new pg.Pool({ connectionString: url, max: connections });
    const one = async () => {
      await Promise.all(Array.from({ length: connections }, () => pool.query('INSERT INTO t (id, at) VALUES ($1, $2)', row(i++))));
    };
    const rate = await perSecond(one);
    report({
      bench: BENCH,
      name: `PostgreSQL commits/s, one row each, ${connections} connection${connections > 1 ? 's' : ''}`,
      value: Math.round(rate * connections),
      unit: '/s',
      better: 'higher',
    });
    await pool.end();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const values = Array.from({ length: BATCH }, (_, k) => `($${2 * k + 1}, $${2 * k + 2})`).join(', ');
  const batches = await perSecond(() =>
    client.query(`INSERT INTO t (id, at) VALUES ${values}`, Array.from({ length: BATCH }, () => row(i++)).flat()),
  );
  report({
    bench: BENCH,
    name: `PostgreSQL rows/s, ${BATCH} rows a commit, 1 connection`,
    value: Math.round(batches * BATCH),
    unit: '/s',
    better: 'higher',
    detail: `${Math.round(batches)} commits/s`,
  });
  await client.end();
}

/** NOTIFY on one connection, `k` others LISTENing (as k instances do for revocations): time until the last has it. */
async function notifyFanOut(url: string, k: number): Promise<void> {
  const listeners = await Promise.all(
    Array.from({ length: k }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('LISTEN bench_fanout');
      return c;
    }),
  );
  const sender = new pg.Client({ connectionString: url });
  await sender.connect();
  const latencies: number[] = [];
  for (let m = 0; m < 200; m++) {
    const got = Promise.all(listeners.map((c) => new Promise<void>((resolve) => c.once('notification', () => resolve()))));
    const start = performance.now();
    await sender.query(`NOTIFY bench_fanout, '${m}'`);
    await got;
    latencies.push(performance.now() - start);
  }
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))];
  report({
    bench: BENCH,
    name: `NOTIFY to the last of ${k} listeners, p99`,
    value: Number(p(0.99).toFixed(2)),
    unit: 'ms',
    better: 'lower',
    detail: `p50 ${p(0.5).toFixed(2)} ms`,
  });
  await Promise.all([sender, ...listeners].map((c) => c.end()));
}

sqliteCommits();
const server = await startEmbeddedPostgres();
try {
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE limits');
  await admin.end();
  const url = server.adminUrl.replace(/\/postgres$/, '/limits');
  await postgresCommits(url);
  for (const k of LISTENERS) await notifyFanOut(url, k);
} finally {
  await server.stop();
}
console.log(`  load average ${loadavg()[0].toFixed(2)} on this machine's cores during the run`);
