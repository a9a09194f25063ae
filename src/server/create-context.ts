import type { Logger } from 'pino';
import { sql } from 'kysely';
import type { Config } from '../config/index.js';
import { openDatabase, migrateModules } from '../store/index.js';
import { loadMasterKeys, SigningKeyRing } from '../crypto/index.js';
import { createRegistries, Metrics, ResourceRegistry, type AppContext, type GatewayModule, type Registries } from '../kernel/index.js';
import { AuditWriter } from '../audit/index.js';
import { TokenService, tokenServiceOptions } from '../tokens/index.js';
import { openTee, setTee, teeWrongKeyError } from '../attestation/index.js';
import { workerBus } from './peer-bus.js';
import { startPruning } from './prune-modules.js';

/** Registers what every module declares, each under its own name (a clash names both modules). */
function declareAll(registries: Registries, modules: readonly GatewayModule[]): void {
  for (const m of modules) {
    for (const s of m.scopes ?? []) registries.scopes.declare(s, m.name);
    for (const e of m.eventTypes ?? []) registries.eventTypes.declare(e, m.name);
    for (const c of m.errorCodes ?? []) registries.errorCodes.declare(c, m.name);
    for (const g of m.grantTypes ?? []) registries.grantTypes.declare(g, m.name);
    for (const t of m.exchangeTargets ?? []) registries.exchangeTargets.declare(t, m.name);
  }
}

/**
 * Builds the context of one app in dependency order: master key, database (migrated, module by module),
 * registries (from the manifests), metrics, audit writer, signing keys (the first generated on a new install),
 * token service; then the modules' resources and `start`, in module order. Any failure throws an error whose
 * message is one line saying what and where, and closes what was opened.
 */
export async function createContext(
  config: Config,
  log: Logger,
  modules: readonly GatewayModule[],
  o: { defaultMetrics?: boolean } = {},
): Promise<AppContext> {
  const embedded = !config.databaseUrl;
  const tee = await openTee(config); // in a TEE (OAUTH3_TEE), the master key is derived there
  const masterKeys = tee.inTee
    ? tee.masterKeys
    : loadMasterKeys({
        configured: config.masterKey,
        previous: config.masterKeyPrevious,
        embedded,
        dataDir: config.dataDir,
        onGenerated: (path) => log.warn({ path }, 'generated a new master key: back it up, and set OAUTH3_MASTER_KEY in production'),
      });
  const masterKey = masterKeys.primary;
  const { db, dialect, location, commits } = openDatabase(config); // config.workers: whether other processes share the file
  let ctx: AppContext | undefined;
  try {
    await sql`select 1`.execute(db).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`${location}: cannot connect to the database (${e.code ?? e.message})`);
    });
    const applied = await migrateModules(
      db,
      modules.flatMap((m) => (m.migrations ? [{ name: m.name, migrations: m.migrations }] : [])),
    );
    if (applied.length) log.info({ applied }, 'database migrated');
    const registries = createRegistries();
    declareAll(registries, modules);
    const moduleScopes = registries.scopes.all().map((s) => s.name); // by name, as discovery lists them
    const resources = new ResourceRegistry(registries.scopes, config.publicUrl, () => moduleScopes);
    const metrics = new Metrics(o.defaultMetrics ?? true);
    const audit = new AuditWriter(db, commits, registries.eventTypes, {
      flushMs: config.auditFlushMs,
      onEvent: (e) => metrics.events.inc({ action: e.action, result: e.result ?? 'success' }),
      onError: (err) => log.error({ err }, 'audit batch write failed'),
    });
    const keys = new SigningKeyRing(db, masterKey, masterKeys.all);
    const generated = await keys.init();
    if (generated) audit.enqueue({ action: 'keys.generated', actor: { type: 'system' }, target: { type: 'signing_key', id: generated } });
    const peers = workerBus();
    const tokens = new TokenService(db, commits, keys, audit, config.publicUrl, {
      ...tokenServiceOptions(config, dialect, (err) => log.warn({ err }, 'token service background task failed')),
      peers,
    });
    await tokens.start();
    ctx = {
      config,
      db,
      dialect,
      dbLocation: location,
      commits,
      masterKey,
      masterKeys: masterKeys.all,
      keys,
      log,
      metrics,
      audit,
      tokens,
      registries,
      resources,
      peers,
      ...(tee.inTee ? { tee: { platform: 'Intel TDX', masterKeySource: tee.masterKeySource } } : {}),
      onClose: [keys.watch(config.keysPollMs, (err) => log.warn({ err }, 'signing key reload failed')), () => tokens.stop()],
    };
    setTee(ctx, tee);
    for (const m of modules) {
      for (const r of m.resources?.(ctx, modules) ?? []) resources.add({ ...r, source: 'module' });
      const described = ctx;
      if (m.describeReturnTo)
        registries.returnToDescribers.declare({ module: m.name, describe: (returnTo) => m.describeReturnTo!(described, returnTo) }, m.name);
      await m.start?.(ctx, modules);
      const started = ctx;
      if (m.stop) ctx.onClose.push(() => m.stop!(started));
    }
    startPruning(ctx, modules);
    return ctx;
  } catch (e) {
    if (ctx) await runCleanups(ctx).catch(() => undefined);
    await db.destroy().catch(() => undefined);
    throw teeWrongKeyError(e, tee, config.masterKey); // in a TEE, how to move data sealed under another key in
  }
}

/** The cleanups registered on the context, last first (the modules' `stop` among them). */
async function runCleanups(ctx: AppContext): Promise<void> {
  for (const fn of [...ctx.onClose].reverse()) await fn();
}

/** Stops the modules and the token service, flushes the audit log and closes the database. */
export async function closeContext(ctx: AppContext): Promise<void> {
  await runCleanups(ctx);
  await ctx.audit.flush();
  await ctx.db.destroy();
}
