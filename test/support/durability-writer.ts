// Child process for the SIGKILL test: writes audit events one transaction at a time through the real store and
// audit writer, printing each event's marker only after its transaction committed ("acknowledged").
import { openDatabase, migrateModules } from '../../src/store/index.js';
import { BUILTIN_MIGRATIONS } from './builtin-migrations.js';
import { AuditWriter } from '../../src/audit/index.js';

const { db } = openDatabase({ dataDir: process.env.OAUTH3_DATA_DIR!, databaseUrl: process.env.DATABASE_URL || undefined });
await migrateModules(db, BUILTIN_MIGRATIONS);
const audit = new AuditWriter(db, { flushMs: 1000 });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  await db.transaction().execute((trx) => audit.record(trx, { action: 'keys.rotated', actor: { type: 'system' }, userId: 'u-durable', target: { type: 'marker', id: `m${i}` } }));
  process.stdout.write(`ack m${i}\n`);
}
