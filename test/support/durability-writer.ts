// Child process for the SIGKILL test: writes audit events one transaction at a time through the real store and
// audit writer, printing each event's marker only after its transaction committed ("acknowledged").
//
// It stops by itself, whatever its parent does: after DURABILITY_MAX_WRITES writes, after DURABILITY_MAX_MS, and
// as soon as its parent is gone (the IPC channel disconnects, its parent pid changes, or stdout breaks with EPIPE).
import { openDatabase, migrateModules } from '../../src/store/index.js';
import { builtinModules } from '../../src/server/index.js';
import { createRegistries } from '../../src/kernel/index.js';
import { AuditWriter } from '../../src/audit/index.js';

const maxWrites = Number(process.env.DURABILITY_MAX_WRITES || 5000);
const maxMs = Number(process.env.DURABILITY_MAX_MS || 300_000);
const parent = process.ppid;
const deadline = Date.now() + maxMs;

/** Leaves at once: nothing is flushed or closed (the test is about what a sudden end leaves behind). */
function stop(reason: string, code: number): never {
  process.stderr.write(`durability-writer: stopping (${reason})\n`);
  process.exit(code);
}
process.on('disconnect', () => stop('parent disconnected', 2));
process.stdout.on('error', (e: NodeJS.ErrnoException) => stop(`stdout ${e.code ?? e.message}`, 2));
setInterval(() => {
  if (process.ppid !== parent) stop('parent gone', 2);
}, 200).unref();
setTimeout(() => stop(`time bound of ${maxMs} ms`, 3), maxMs).unref();

/** Writes a line; waits while the pipe is full, so a parent that stops reading stops the writes too. */
async function say(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}

const { db, commits } = openDatabase({ dataDir: process.env.OAUTH3_DATA_DIR!, databaseUrl: process.env.DATABASE_URL || undefined });
await migrateModules(db, builtinModules);
const eventTypes = createRegistries().eventTypes;
eventTypes.declare({ action: 'test.marker', kind: 'system', label: 'A marker of the durability test' }, 'test');
const audit = new AuditWriter(db, commits, eventTypes, { flushMs: 1000 });
await say('ready');
for (let i = 0; i < maxWrites; i++) {
  await db
    .transaction()
    .execute((trx) =>
      audit.record(trx, { action: 'test.marker', actor: { type: 'system' }, userId: 'u-durable', target: { type: 'marker', id: `m${i}` } }),
    );
  await say(`ack m${i}`);
  // better-sqlite3 answers synchronously: without this turn of the event loop, no timer, 'disconnect' or stdout
  // error would ever be handled, and the loop would only end at its count.
  await new Promise((resolve) => setImmediate(resolve));
  if (process.ppid !== parent) stop('parent gone', 2);
  if (Date.now() >= deadline) stop(`time bound of ${maxMs} ms`, 3);
}
stop(`count bound of ${maxWrites} writes`, 3);
