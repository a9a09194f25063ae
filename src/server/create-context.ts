import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Config } from '../config/index.js';
import { openDatabase, migrateToLatest } from '../store/index.js';
import { loadMasterKey, SigningKeyRing } from '../crypto/index.js';
import { AuditWriter } from '../audit/index.js';
import { Metrics } from './metrics.js';
import { workerBus } from './peer-bus.js';
import { TokenService, tokenServiceOptions } from '../tokens/index.js';
import { ScopeRegistry } from '../oauth/scope-registry.js';
import type { AppContext } from './context.js';

/**
 * Opens the database, runs migrations, loads the master key and the signing keys (generating the first on a
 * new install). Any failure throws an error whose message is one line saying what and where.
 */
export async function createContext(config: Config, log: Logger, o: { defaultMetrics?: boolean } = {}): Promise<AppContext> {
  const embedded = !config.databaseUrl;
  const masterKey = loadMasterKey({
    configured: config.masterKey,
    embedded,
    dataDir: config.dataDir,
    onGenerated: (path) => log.warn({ path }, 'generated a new master key: back it up, and set OAUTH3_MASTER_KEY in production'),
  });
  const { db, dialect, location } = openDatabase(config); // config.workers: whether other processes share the file
  try {
    await sql`select 1`.execute(db).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${location}: cannot connect to the database (${e.code ?? e.message})`);
    });
    const applied = await migrateToLatest(db);
    if (applied.length) log.info({ applied }, 'database migrated');
    const metrics = new Metrics(o.defaultMetrics ?? true);
    const audit = new AuditWriter(db, {
      flushMs: config.auditFlushMs,
      onEvent: (e) => metrics.events.inc({ action: e.action, result: e.result ?? 'success' }),
      onError: (err) => log.error({ err }, 'audit batch write failed'),
    });
    const keys = new SigningKeyRing(db, masterKey);
    const generated = await keys.init();
    if (generated) audit.enqueue({ action: 'keys.generated', actor: { type: 'system' }, target: { type: 'signing_key', id: generated } });
    const peers = workerBus();
    const tokens = new TokenService(db, keys, config.publicUrl, {
      ...tokenServiceOptions(config, dialect, audit, (err) => log.warn({ err }, 'token service background task failed')), peers,
    });
    await tokens.start();
    return { config, db, dialect, dbLocation: location, masterKey, keys, audit, log, metrics, tokens, scopes: new ScopeRegistry(), peers, onClose: [() => tokens.stop()] };
  } catch (e) {
    await db.destroy().catch(() => undefined);
    throw e;
  }
}

/** Flushes the audit log, runs module cleanups and closes the database. */
export async function closeContext(ctx: AppContext): Promise<void> {
  for (const fn of [...ctx.onClose].reverse()) await fn();
  await ctx.audit.flush();
  await ctx.db.destroy();
}
