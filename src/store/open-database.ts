import { mkdirSync, accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname, join, resolve } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import { DatabaseOpenError, type Database, type Db, type Dialect } from './database.js';
import { GroupCommit } from './group-commit.js';
import { BUSY_TIMEOUT_MS, noteSqliteUnder } from './sqlite-handle.js';
import { postgresDriver } from './postgres-driver.js';

/**
 * How long a PostgreSQL connection may take to open (the pool's and the LISTEN connection's), and how long a query
 * waits for a free pooled connection: past it the request answers 503 instead of hanging. Generous, so that a busy
 * machine does not shed load it would have served a moment later.
 */
export const CONNECT_TIMEOUT_MS = 5000;

export interface OpenedDatabase {
  db: Db;
  dialect: Dialect;
  /** Where it lives: the SQLite file path, or the PostgreSQL URL without its password. */
  location: string;
  /** The group commit of this database (one per database: hot writes share its batches). */
  commits: GroupCommit;
}

/**
 * Kysely prepares every query it runs; preparing costs more than running a small statement. better-sqlite3
 * statements are reusable, so keep them by SQL text (bounded). Safe because Kysely runs each statement to
 * completion synchronously (no code here streams).
 */
function cacheStatements(sqlite: SQLite.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const statements = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      if (statements.size >= 1000) statements.clear();
      statement = prepare(source);
      statements.set(source, statement);
    }
    return statement;
  }) as SQLite.Database['prepare'];
}

/**
 * SQLite's automatic WAL checkpoint runs inside whichever commit crosses 1000 pages: it copies the WAL into the
 * database file and fsyncs, blocking the event loop long enough to set the token endpoint's p99 (bench/README.md). Instead a
 * worker thread with its own connection copies the WAL into the database (PASSIVE: never blocks the writer) every
 * 500 ms. Under continuous writes that alone never lets the WAL restart (frames keep arriving while it copies), so
 * the writer still checkpoints itself, but only every 16384 pages (64 MiB): little is left to copy by then, and
 * it completes, so the WAL starts over. Durability is unchanged (a commit is in the WAL either way).
 * The worker is a second V8 isolate (about 9 MB of the process's memory): its heap is capped small (its young
 * generation 1 MB, old 16 MB; it holds one connection and a timer, about 4 MB), which saves about 1 MB; past the
 * cap it stops with an error and SQLite's own checkpointing takes over, as for any error of the worker.
 */
function checkpointInBackground(sqlite: SQLite.Database, file: string): void {
  sqlite.pragma('wal_autocheckpoint = 16384');
  const worker = new Worker(
    `
    const { workerData, parentPort } = require('node:worker_threads');
    const db = new (require(workerData.module))(workerData.file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, 500);
    parentPort.on('message', () => { clearInterval(timer); try { db.close(); } catch {} parentPort.close(); });
  `,
    {
      eval: true,
      workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file },
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
    },
  );
  worker.on('error', () => {
    if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
  }); // fall back to SQLite's own
  worker.unref();
  const close = sqlite.close.bind(sqlite);
  sqlite.close = () => {
    worker.postMessage('close'); // whichever connection closes last checkpoints and removes the WAL
    return close();
  };
}

/**
 * Opens SQLite (`dataDir/oauth3.db`, WAL, foreign keys on) or PostgreSQL when `databaseUrl` is set. `workers`:
 * how many processes of a cluster write the same SQLite file (1 when omitted). `databasePoolMax`: PostgreSQL
 * connections of the pool (10 when omitted). `sqliteCacheMb`: SQLite's page cache in MiB (16 when omitted).
 */
export function openDatabase(o: {
  databaseUrl?: string;
  dataDir: string;
  workers?: number;
  databasePoolMax?: number;
  sqliteCacheMb?: number;
}): OpenedDatabase {
  if (o.databaseUrl) {
    const url = new URL(o.databaseUrl);
    url.password = url.password ? '***' : '';
    // A request waits at most CONNECT_TIMEOUT_MS for a connection (the server down, restarting, out of connections,
    // or all of the pool's busy), then fails with an error the error handler answers as 503 rather than hanging.
    const pool = new (postgresDriver().Pool)({
      connectionString: o.databaseUrl,
      max: o.databasePoolMax ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    pool.on('error', () => {
      /* idle client errors surface on the next query */
    });
    // A client checked out but between queries (a transaction awaiting other work) that loses its connection emits
    // 'error' with no query to fail: without a listener that kills the process. The client is then unusable, and
    // the pool drops it when it is released.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', location: url.toString(), commits: new GroupCommit(db) };
  }
  const file = resolve(join(o.dataDir, 'oauth3.db'));
  let sqlite: SQLite.Database;
  try {
    mkdirSync(dirname(file), { recursive: true });
    accessSync(dirname(file), constants.W_OK);
    if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
    sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL'); // durable across process crashes in WAL mode
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // KiB when negative (SQLite's default is 2 MiB): a token table's random index pages stay in the process up to this
    sqlite.pragma(`cache_size = -${(o.sqliteCacheMb ?? 16) * 1024}`);
    cacheStatements(sqlite);
    checkpointInBackground(sqlite, file);
    // A real write (rewrites the header field with its own value): fails now, not on the first request.
    const version = sqlite.pragma('user_version', { simple: true }) as number;
    sqlite.pragma(`user_version = ${version}`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new DatabaseOpenError(`${file}: cannot open the database for writing (${err.code ?? err.message})`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  noteSqliteUnder(db, sqlite); // prepared queries run on it at once when no transaction is open (prepared-query.ts)
  // The group commit writes its batches synchronously on the connection (inside Kysely's connection lock) and,
  // when the file is shared, never waits on the lock.
  return { db, dialect: 'sqlite', location: file, commits: new GroupCommit(db, { sqlite, shared: (o.workers ?? 1) > 1 }) };
}
